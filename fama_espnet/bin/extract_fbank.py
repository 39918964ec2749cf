"""Computes a formatted dir's fbank features once (fama.sh stage 2 with --feats_type fbank).

  python -m fama_espnet.bin.extract_fbank --src dump/raw/train --dst dump/fbank/train [--nj 2]

dst holds the same tables with wav.scp naming zipped .npy features (FBK's storage) and
feats_type fbank; a finished dst made from the same src is skipped, one made from
another refused (naming what differs). A dir that already holds fbank is adopted.
"""
import argparse
import sys
from typing import Optional, Sequence

from fama_espnet.cli import fail, str2bool
from fama_espnet.data.extract_fbank import extract_fbank
from fama_espnet.data.format_data import FormatError
from fama_espnet.provenance import StaleOutput


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", required=True, help="formatted waveform dir")
    parser.add_argument("--dst", required=True, help="data dir to write")
    parser.add_argument("--nj", type=int, default=1, help="parallel workers")
    parser.add_argument("--progress", type=str2bool, default=True, help="show a progress bar (true|false)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = get_parser().parse_args(argv)
    try:
        result = extract_fbank(args.src, args.dst, nj=args.nj, progress=args.progress)
    except (FormatError, StaleOutput) as e:
        return fail("extract_fbank", e)
    print(result.summary if result else f"extract_fbank: {args.dst} is complete (same src), skipped",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
