"""Concatenates Kaldi-style data dirs into one (utils/combine_data.sh), ids prefixed by
each input dir's name:

  python -m fama_espnet.bin.combine_data --out data/train_asr --translation drop data/train_commonvoice-en ...
  python -m fama_espnet.bin.combine_data --out data/dev_st --translation fill data/dev_commonvoice-en \\
      data/dev_st_covost2-it_en ...

--translation drop (ASR sets), require (ASR + ST sets: every input has text_tgt), fill
(inputs without translations get their transcript and source language, as FBK's ASR
manifests do). See fama_espnet/data/combine_data.py. A finished --out made from the same
inputs is skipped; one made from others is refused, naming what differs.
"""
import argparse
import sys
from typing import Optional, Sequence

from fama_espnet.cli import fail
from fama_espnet.data.combine_data import MODES, CombineError, combine_data
from fama_espnet.provenance import StaleOutput


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="data dir to write")
    p.add_argument("--translation", choices=MODES, default="require")
    p.add_argument("inputs", nargs="+", help="data dirs to combine")
    a = p.parse_args(argv)
    try:
        summary = combine_data(a.inputs, a.out, a.translation)
    except (CombineError, StaleOutput) as e:
        return fail("combine_data", e)
    print(summary or f"combine_data: {a.out} is complete (same inputs), skipped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
