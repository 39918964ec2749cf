"""Makes FAMA's components choosable by name in ESPnet's ASR and S2T tasks, and
fairseq manifests' audio entries readable as the data type `fairseq_audio`.

ESPnet has no plugin API: its option registries are module-level ClassChoices
(and the DATA_TYPES dict).
Every process that parses options or builds a model (training workers,
inference, loading a packed zip) must run `register()` first; importing
`fama_espnet.task` does, and every `python -m fama_espnet.bin.*` imports it.
"""
_DONE = False


def register() -> None:
    global _DONE
    if _DONE:
        return
    from espnet2.tasks import asr, s2t
    from espnet2.train import dataset

    from fama_espnet.data.fairseq_audio import DATA_TYPE, DATA_TYPE_SPEC
    from fama_espnet.decoder import FamaTransformerDecoder
    from fama_espnet.encoder import FamaConformerEncoder
    from fama_espnet.frontend import KaldiFbank

    for task in (asr, s2t):
        task.encoder_choices.classes["fama_conformer"] = FamaConformerEncoder
        task.decoder_choices.classes["fama_transformer"] = FamaTransformerDecoder
        task.frontend_choices.classes["kaldi_fbank"] = KaldiFbank
    # Data types are looked up by regex in this dict's order; no earlier key matches ours.
    dataset.DATA_TYPES[DATA_TYPE] = DATA_TYPE_SPEC
    _DONE = True
