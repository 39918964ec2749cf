"""Decode a Kaldi-style data dir: `python -m fama_espnet.bin.decode --model M --data D
--task asr|st --output OUT [--config conf/decode_fama.yaml] [--batch_seconds 200]`.

ASR decodes into each utterance's source language (utt2lang), ST into its target
language (utt2tgtlang). Any model decodes any input kind (waveform or fbank dirs,
data/speech_format.py). `--model` is a local path, or a Hub repo id (fama_espnet/hub.py).
Writes, atomically, ESPnet's asr_inference files of the best hypothesis: OUT/text
(`utt hypothesis`), OUT/token (its sentencepiece pieces), OUT/token_int (their ids),
OUT/score (its ranking score: log-probability / length, tag and </s> counted); with
`--nbest N` also OUT/<k>best_recog/{text,token,token_int,score} for k = 1..N (an
utterance with fewer hypotheses is absent from the higher ones); and OUT/.done with
what it was made from (model file identity, data dir, task, every decoding option,
dtype, nbest). A rerun with the same skips; with anything different it decodes again.
`--check` only answers whether OUT is current (exit 0) or not (exit 1).
"""
import argparse
import logging
import sys
from pathlib import Path
from typing import Dict, Hashable, List, Optional, Sequence

from tqdm import tqdm

from fama_espnet import provenance
from fama_espnet.cli import fail
from fama_espnet.data import speech_format
from fama_espnet.data.fairseq_audio import load_entry, probe_entry
from fama_espnet.data.kaldi_dir import read_table, write_table
from fama_espnet.decode_dir import OUTPUTS, made_from
from fama_espnet.decoding import options as decoding_options
from fama_espnet.files import building_dir


def length_batches(utts: List[Hashable], seconds: Dict[Hashable, float], budget: float) -> List[List[Hashable]]:
    """Consecutive batches of length-sorted utterances whose padded size (count x longest)
    stays within `budget` seconds; an utterance longer than the budget is a batch alone."""
    batches, current = [], []
    for u in utts:
        if current and (len(current) + 1) * max(seconds[u], seconds[current[-1]]) > budget:
            batches.append(current)
            current = []
        current.append(u)
    return batches + ([current] if current else [])


def result_rows(result) -> Dict[str, str]:
    """One hypothesis (inference.Result, or None: no hypothesis) as each OUTPUTS file's value."""
    if result is None:
        return {"text": "", "token": "", "token_int": "", "score": "-inf"}
    return {"text": result.text, "token": " ".join(result.tokens),
            "token_int": " ".join(map(str, result.token_ids)), "score": f"{result.score:.6f}"}


def write_outputs(out: Path, nbests: Dict[str, list], nbest: Optional[int]) -> None:
    """OUTPUTS of the best hypothesis in `out`, and of the k-th in <k>best_recog."""
    for name in OUTPUTS:
        write_table(out / name, {u: result_rows(h[0] if h else None)[name] for u, h in nbests.items()})
    for k in range(1, (nbest or 0) + 1):
        (out / f"{k}best_recog").mkdir()
        for name in OUTPUTS:
            write_table(out / f"{k}best_recog" / name,
                        {u: result_rows(h[k - 1])[name] for u, h in nbests.items() if len(h) >= k})


def durations(data: Path, entries: Dict[str, str]) -> Dict[str, float]:
    """Seconds per utterance: from speech_shape in formatted dirs, else from the entries'
    headers (a user's own dir)."""
    if (data / speech_format.SHAPE_FILE).is_file():
        return speech_format.durations(data)
    probes = {u: probe_entry(e) for u, e in entries.items()}
    return {u: speech_format.seconds(speech_format.frames(p.kind, p.length)) for u, p in probes.items()}


def get_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="packed .zip, exp dir, model .pth in an exp dir, unpacked zip, "
                   "or a Hub repo id org/name[@revision] (a local path that exists wins)")
    p.add_argument("--data", required=True, type=Path)
    p.add_argument("--task", choices=["asr", "st"], required=True)
    p.add_argument("--output", required=True, type=Path)
    p.add_argument("--config", type=Path, help="decoding options yaml (beam_size, ctc_weight, ...)")
    p.add_argument("--batch_seconds", type=float, default=200.0,
                   help="padded audio per batched search: utterances sorted by length, batched while "
                        "count x longest <= this (a batch that runs out of memory is split and retried)")
    p.add_argument("--nbest", type=int, help="also write the N best hypotheses in OUT/<k>best_recog "
                   "(the search keeps at least N)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "int8"],
                   help="int8: linear layers dynamically quantised (CPU), e.g. --inference_args '--dtype int8'")
    p.add_argument("--check", action="store_true", help="exit 0 if OUT is current, 1 if not; decode nothing")
    decoding_options.add_arguments(p)
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    a = get_parser().parse_args(argv)
    try:
        options = decoding_options.from_args(a)
        if a.nbest is not None and a.nbest < 1:
            raise ValueError(f"--nbest must be at least 1, got {a.nbest}")
        if a.nbest:
            options["nbest"] = max(a.nbest, options.get("nbest", 1))
        made = made_from(a.model, a.data, a.task, options, a.dtype, a.nbest)
    except (ValueError, FileNotFoundError) as e:
        return fail("decode", e)
    if provenance.is_current(a.output, made):
        logging.info(f"{a.output} is current (same model, data and decoding options)")
        return 0
    if a.check:
        return 1
    entries = read_table(a.data / "wav.scp")
    langs = read_table(a.data / ("utt2lang" if a.task == "asr" else "utt2tgtlang"))
    missing = sorted(set(entries) - set(langs))
    if missing:
        return fail("decode", f"{a.data}: no language for {len(missing)} utterances, e.g. {missing[:5]}")
    # Imported only to decode: a rerun's check stays free of torch and ESPnet.
    from fama_espnet.inference import FamaSpeech2Text

    s2t = FamaSpeech2Text.from_pretrained(a.model, device=a.device, dtype=a.dtype, **options)
    # Sorting by duration keeps padding (and wasted compute) low inside each batch.
    seconds = durations(a.data, entries)
    batches = length_batches(sorted(entries, key=lambda u: seconds[u]), seconds, a.batch_seconds)
    nbests = {}
    for chunk in tqdm(batches, desc=f"decode {a.data.name} {a.task}", unit="batch"):
        speech = [load_entry(entries[u]) for u in chunk]
        nbests.update(zip(chunk, s2t.batch_decode(speech, [langs[u] for u in chunk])))
    # Built beside, then swapped in: a killed decode leaves the old output or none.
    with building_dir(a.output, provenance.stamp(made)) as tmp:
        write_outputs(tmp, nbests, a.nbest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
