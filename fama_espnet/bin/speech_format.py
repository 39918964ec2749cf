"""What `speech` is in a data dir, for recipe scripts: `python -m fama_espnet.bin.speech_format DIR`
prints `waveform` or `fbank` (fama_espnet/data/speech_format.py); `--train_args` prints
the training options that kind needs (`--input_size 80` for fbank: no front-end)."""
import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from fama_espnet.cli import fail
from fama_espnet.data import speech_format


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("data", type=Path)
    p.add_argument("--train_args", action="store_true")
    a = p.parse_args(argv)
    try:
        kind = speech_format.kind(a.data)
    except speech_format.SpeechFormatError as e:
        return fail("speech_format", e)
    if a.train_args:
        print(f"--input_size {speech_format.N_MELS}" if kind == speech_format.FBANK else "")
    else:
        print(kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
