"""Pack a FAMA model for the model zoo: `python -m fama_espnet.bin.pack --config EXP/config.yaml
--model_file EXP/model.pth --outpath EXP/fama.zip` (run from the recipe dir: paths in the
zip are relative to it). meta.yaml keys are FamaSpeech2Text's argument names, so
`FamaSpeech2Text.from_pretrained(zip)` and espnet_model_zoo's ModelDownloader load it."""
import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from fama_espnet import hub


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--model_file", required=True, type=Path)
    p.add_argument("--outpath", required=True, type=Path)
    p.add_argument("--option", action="append", default=[], type=Path, help="extra files (README, RESULTS.md)")
    a = p.parse_args(argv)
    hub.pack(a.config, a.model_file, a.outpath, a.option)
    return 0


if __name__ == "__main__":
    sys.exit(main())
