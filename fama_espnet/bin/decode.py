"""Decode a Kaldi-style data dir: `python -m fama_espnet.bin.decode --model M --data D
--task asr|st --output OUT [--config conf/decode_fama.yaml] [--batch_seconds 200]`.

ASR decodes into each utterance's source language (utt2lang), ST into its target
language (utt2tgtlang). Writes OUT/text (`utt hypothesis`) atomically; a finished
OUT (with .done) is skipped.
"""
import argparse
import logging
from pathlib import Path
from typing import Dict, Hashable, List

import yaml
from tqdm import tqdm

from fama_espnet.data.fairseq_audio import FBANK, load_entry, probe_entry
from fama_espnet.data.kaldi_dir import read_table, write_table, write_text
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


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="packed .zip or exp dir")
    p.add_argument("--data", required=True, type=Path)
    p.add_argument("--task", choices=["asr", "st"], required=True)
    p.add_argument("--output", required=True, type=Path)
    p.add_argument("--config", type=Path, help="decoding options yaml (beam_size, ctc_weight, ...)")
    p.add_argument("--batch_seconds", type=float, default=200.0,
                   help="padded audio per batched search: utterances sorted by length, batched while "
                        "count x longest <= this (a batch that runs out of memory is split and retried)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    a = p.parse_args(argv)
    if (a.output / ".done").exists():
        logging.info(f"{a.output} already decoded")
        return
    try:
        options = FamaSpeech2Text.read_decoding_config(a.config)
    except ValueError as e:
        raise SystemExit(str(e)) from None
    s2t = FamaSpeech2Text.from_pretrained(a.model, device=a.device, dtype=a.dtype, **options)
    wavs = read_table(a.data / "wav.scp")
    langs = read_table(a.data / ("utt2lang" if a.task == "asr" else "utt2tgtlang"))
    missing = sorted(set(wavs) - set(langs))
    if missing:
        raise SystemExit(f"{a.data}: no language for {len(missing)} utterances, e.g. {missing[:5]}")
    # Sorting by duration keeps padding (and wasted compute) low inside each batch; formatted
    # dirs carry the lengths in speech_shape, so audio headers are read only without one.
    shape_file = a.data / "speech_shape"
    if shape_file.exists():
        lengths = {u: int(n.split(",")[0]) / (100 if "," in n else 16000) for u, n in read_table(shape_file).items()}
    else:
        probes = {u: probe_entry(wavs[u]) for u in wavs}
        lengths = {u: p.length / (100 if p.kind == FBANK else 16000) for u, p in probes.items()}
    batches = length_batches(sorted(wavs, key=lambda u: lengths[u]), lengths, a.batch_seconds)
    hyps = {}
    for chunk in tqdm(batches, desc=f"decode {a.data.name} {a.task}", unit="batch"):
        speech = [load_entry(wavs[u]) for u in chunk]
        for u, nbest in zip(chunk, s2t.batch_decode(speech, [langs[u] for u in chunk])):
            hyps[u] = nbest[0].text if nbest else ""
    a.output.mkdir(parents=True, exist_ok=True)
    write_table(a.output / "text", hyps)
    write_text(a.output / ".done", yaml.safe_dump({"model": str(a.model), "data": str(a.data), "task": a.task,
                                                   **options}))


if __name__ == "__main__":
    main()
