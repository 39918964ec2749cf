"""Makes FAMA's components choosable by name in ESPnet's ASR and S2T tasks.

ESPnet has no plugin API: its option registries are module-level ClassChoices.
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

    from fama_espnet.decoder import FamaTransformerDecoder
    from fama_espnet.encoder import FamaConformerEncoder
    from fama_espnet.frontend import KaldiFbank

    for task in (asr, s2t):
        task.encoder_choices.classes["fama_conformer"] = FamaConformerEncoder
        task.decoder_choices.classes["fama_transformer"] = FamaTransformerDecoder
        task.frontend_choices.classes["kaldi_fbank"] = KaldiFbank
    _DONE = True
