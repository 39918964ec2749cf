"""Formats a Kaldi-style data dir into 16 kHz mono 16-bit wavs that ESPnet trains on.

  python -m fama_espnet.bin.format_data --src data/train --dst dump/raw/train \\
      [--require_translation true|false] [--languages en it] [--src_lang en] [--nj 2]

Drops (and reports in <dst>/format_report.txt) the utterances that cannot be used,
converts audio of the wrong rate, channel count or encoding. A finished <dst> made from
the same src and options is skipped; one made otherwise is refused, naming what
differs. Exits 1, leaving <dst> untouched, when no utterance is usable.
"""
import argparse
import sys
from typing import Optional, Sequence

from fama_espnet.cli import fail, str2bool
from fama_espnet.data.format_data import FormatError, format_data
from fama_espnet.provenance import StaleOutput
from fama_espnet.tokens import LANGUAGES


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", required=True, help="Kaldi-style data dir to read")
    parser.add_argument("--dst", required=True, help="data dir to write")
    parser.add_argument("--require_translation", type=str2bool, default=False,
                        help="drop utterances without text_tgt/utt2tgtlang (they are always "
                             "required once some utterance has a translation)")
    parser.add_argument("--languages", nargs="+", default=list(LANGUAGES),
                        help="accepted language codes (`en it` or `en,it`)")
    parser.add_argument("--src_lang", default=None,
                        help="source language of every utterance when src has no utt2lang")
    parser.add_argument("--nj", type=int, default=1, help="parallel audio workers")
    parser.add_argument("--progress", type=str2bool, default=True, help="show a progress bar")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = get_parser().parse_args(argv)
    languages = [code for arg in args.languages for code in arg.split(",") if code]
    try:
        result = format_data(args.src, args.dst, languages=languages,
                             require_translation=args.require_translation, src_lang=args.src_lang,
                             nj=args.nj, progress=args.progress)
    except (FormatError, StaleOutput) as e:
        return fail("format_data", e)
    if result is None:
        print(f"format_data: {args.dst} is complete (same inputs and options), skipped", file=sys.stderr)
    else:
        print(result.summary, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
