"""Drops the utterances of a formatted data dir that are too long or short, or
whose text is empty or too long.

  python -m fama_espnet.bin.filter_data --src dump/raw/train --dst dump/raw/train_filtered \\
      [--max_seconds 30] [--min_seconds 0.1] [--max_text_tokens N [--bpemodel bpe.model]]

Durations come from speech_format (10 ms frames for waveform and fbank dirs alike).
Writes <dst>/filter_report.txt; a finished <dst> made from the same src and options is
skipped, one made otherwise refused (naming what differs); exits 1, leaving <dst>
untouched, when nothing is left.
"""
import argparse
import sys
from typing import Optional, Sequence

from fama_espnet.cli import fail
from fama_espnet.data.filter_data import FilterError, filter_data
from fama_espnet.provenance import StaleOutput


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", required=True, help="formatted data dir (with speech_shape)")
    parser.add_argument("--dst", required=True, help="data dir to write")
    parser.add_argument("--max_seconds", type=float, default=30.0, help="FAMA trains on at most 30 s")
    parser.add_argument("--min_seconds", type=float, default=0.1)
    parser.add_argument("--max_text_tokens", type=int, default=None,
                        help="drop utterances whose transcript or translation is longer")
    parser.add_argument("--bpemodel", default=None,
                        help="count sentencepiece tokens of this model (default: words)")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = get_parser().parse_args(argv)
    try:
        result = filter_data(args.src, args.dst, args.max_seconds, args.min_seconds,
                             args.max_text_tokens, args.bpemodel)
    except (FilterError, StaleOutput) as e:
        return fail("filter_data", e)
    print(result.summary if result else f"filter_data: {args.dst} is complete (same src and options), skipped",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
