"""Splits a data dir into N complete data dirs, one per decoding job.

  python -m fama_espnet.bin.split_data --src DIR --nj N [--outdir DIR/splitN]

Writes <outdir>/1 ... <outdir>/N (balanced by utterance count, deterministic);
does nothing if the same split is already there.
"""
import argparse
import sys
from typing import Optional, Sequence

from fama_espnet.cli import fail
from fama_espnet.data.split_data import SplitError, split_data


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", required=True, help="data dir to split")
    parser.add_argument("--nj", type=int, required=True, help="number of parts")
    parser.add_argument("--outdir", default=None, help="default: <src>/split<nj>")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = get_parser().parse_args(argv)
    try:
        made = split_data(args.src, args.nj, args.outdir)
    except SplitError as e:
        return fail("split_data", e)
    outdir = args.outdir or f"{args.src}/split{args.nj}"
    print(f"split_data: {args.src} -> {outdir}/{{1..{args.nj}}}" + ("" if made else " (already there)"),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
