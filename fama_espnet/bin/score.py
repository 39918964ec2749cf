"""Score one decoding: `python -m fama_espnet.bin.score --data D --task asr|st --decode_dir OUT`.
Writes OUT/scores.yaml (WER raw + normalised for ASR; BLEU + chrF for ST), for all
utterances and per language (ASR) or direction (ST, e.g. en-it)."""
import argparse
from pathlib import Path

import yaml

from fama_espnet.data.kaldi_dir import read_table, write_text
from fama_espnet.scoring import score_groups


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", required=True, type=Path)
    p.add_argument("--task", choices=["asr", "st"], required=True)
    p.add_argument("--decode_dir", required=True, type=Path)
    a = p.parse_args(argv)
    refs = read_table(a.data / ("text" if a.task == "asr" else "text_tgt"))
    src = read_table(a.data / "utt2lang")
    if a.task == "asr":
        groups = {u: src[u] for u in refs}
    else:
        tgt = read_table(a.data / "utt2tgtlang")
        groups = {u: f"{src[u]}-{tgt[u]}" for u in refs}
    scores = score_groups(refs, read_table(a.decode_dir / "text"), a.task, groups)
    write_text(a.decode_dir / "scores.yaml", yaml.safe_dump(scores, sort_keys=False))
    print(f"{a.decode_dir}: {scores}")


if __name__ == "__main__":
    main()
