"""Decode a Kaldi-style data dir: `python -m fama_espnet.bin.decode --model M --data D
--task asr|st --output OUT [--config conf/decode_fama.yaml] [--batch_seconds 200]`.

ASR decodes into each utterance's source language (utt2lang), ST into its target
language (utt2tgtlang). Any model decodes any input kind (waveform or fbank dirs,
data/speech_format.py). Writes OUT/text (`utt hypothesis`) atomically, and OUT/.done
with what it was made from (model file identity, data dir, task, every decoding
option, dtype). A rerun with the same skips; with anything different it decodes again.
`--check` only answers whether OUT is current (exit 0) or not (exit 1).
"""
import argparse
import logging
import shutil
import sys
from pathlib import Path
from typing import Dict, Hashable, List

from tqdm import tqdm

from fama_espnet import provenance
from fama_espnet.data import speech_format
from fama_espnet.data.fairseq_audio import load_entry, probe_entry
from fama_espnet.data.kaldi_dir import read_table, write_table
from fama_espnet.inference import FamaSpeech2Text


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


def made_from(model: str, data: Path, task: str, options: dict, dtype: str) -> dict:
    """What a decode of `data` is made from: the one definition of a decode's identity."""
    return {"model": [provenance.file_identity(f) for f in FamaSpeech2Text.model_files(model)],
            "data": provenance.dir_identity(data), "task": task, "dtype": dtype,
            "decoding": FamaSpeech2Text.resolved_options(options)}


def durations(data: Path, entries: Dict[str, str]) -> Dict[str, float]:
    """Seconds per utterance: from speech_shape in formatted dirs, else from the entries'
    headers (a user's own dir)."""
    if (data / speech_format.SHAPE_FILE).is_file():
        return speech_format.durations(data)
    probes = {u: probe_entry(e) for u, e in entries.items()}
    return {u: speech_format.seconds(speech_format.frames(p.kind, p.length)) for u, p in probes.items()}


def get_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="packed .zip, exp dir, or model .pth in an exp dir")
    p.add_argument("--data", required=True, type=Path)
    p.add_argument("--task", choices=["asr", "st"], required=True)
    p.add_argument("--output", required=True, type=Path)
    p.add_argument("--config", type=Path, help="decoding options yaml (beam_size, ctc_weight, ...)")
    p.add_argument("--batch_seconds", type=float, default=200.0,
                   help="padded audio per batched search: utterances sorted by length, batched while "
                        "count x longest <= this (a batch that runs out of memory is split and retried)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    p.add_argument("--check", action="store_true", help="exit 0 if OUT is current, 1 if not; decode nothing")
    return p


def main(argv=None) -> int:
    a = get_parser().parse_args(argv)
    try:
        options = FamaSpeech2Text.read_decoding_config(a.config)
        made = made_from(a.model, a.data, a.task, options, a.dtype)
    except (ValueError, FileNotFoundError) as e:
        print(f"decode: error: {e}", file=sys.stderr)
        return 1
    if provenance.is_current(a.output, made):
        logging.info(f"{a.output} is current (same model, data and decoding options)")
        return 0
    if a.check:
        return 1
    entries = read_table(a.data / "wav.scp")
    langs = read_table(a.data / ("utt2lang" if a.task == "asr" else "utt2tgtlang"))
    missing = sorted(set(entries) - set(langs))
    if missing:
        print(f"decode: error: {a.data}: no language for {len(missing)} utterances, e.g. {missing[:5]}",
              file=sys.stderr)
        return 1
    s2t = FamaSpeech2Text.from_pretrained(a.model, device=a.device, dtype=a.dtype, **options)
    # Sorting by duration keeps padding (and wasted compute) low inside each batch.
    seconds = durations(a.data, entries)
    batches = length_batches(sorted(entries, key=lambda u: seconds[u]), seconds, a.batch_seconds)
    hyps = {}
    for chunk in tqdm(batches, desc=f"decode {a.data.name} {a.task}", unit="batch"):
        speech = [load_entry(entries[u]) for u in chunk]
        for u, nbest in zip(chunk, s2t.batch_decode(speech, [langs[u] for u in chunk])):
            hyps[u] = nbest[0].text if nbest else ""
    # Built beside, then swapped in: a killed decode leaves the old output or none.
    tmp = a.output.with_name(a.output.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    write_table(tmp / "text", hyps)
    (tmp / ".done").write_text(provenance.stamp(made), encoding="utf-8")
    shutil.rmtree(a.output, ignore_errors=True)
    tmp.rename(a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
