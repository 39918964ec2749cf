"""A stage output's provenance, for recipe scripts (fama_espnet/provenance.py):

  python -m fama_espnet.bin.made_from --out exp/s2t_step1 --stage "step-1 training" \\
      --config config=conf/train_step1.yaml --dir train=dump/raw/train_filtered --value args="..."
      exit 0: OUT is finished from exactly these inputs (skip it); 1: not finished (run it);
      2: finished from others (the message names each difference)
  ... --mark    records these inputs in OUT/.done (after the stage succeeded)
"""
import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from fama_espnet import provenance
from fama_espnet.cli import fail
from fama_espnet.files import DONE_MARK, write_text


def pairs(values: Optional[List[str]]) -> Dict[str, str]:
    out = {}
    for v in values or []:
        key, sep, value = v.partition("=")
        if not sep:
            raise ValueError(f"expected NAME=VALUE, got {v!r}")
        out[key] = value
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--stage", default="stage")
    p.add_argument("--file", action="append", help="NAME=PATH: a file input (path, size, modification time)")
    p.add_argument("--config", action="append", help="NAME=PATH: a text input, identified by its content")
    p.add_argument("--dir", action="append", help="NAME=DIR: a data dir input")
    p.add_argument("--value", action="append", help="NAME=VALUE: an option")
    p.add_argument("--mark", action="store_true")
    a = p.parse_args(argv)
    try:
        made = {**{k: provenance.file_identity(v) for k, v in pairs(a.file).items()},
                **{k: provenance.content_identity(v) for k, v in pairs(a.config).items()},
                **{k: provenance.dir_identity(v) for k, v in pairs(a.dir).items()}, **pairs(a.value)}
    except ValueError as e:
        return fail("made_from", e)  # not 2: fama.sh reads 2 as "made from other inputs"
    if a.mark:
        write_text(a.out / DONE_MARK, provenance.stamp(made))
        return 0
    try:
        return 0 if provenance.check_data_output(a.out, made, a.stage) else 1
    except provenance.StaleOutput as e:
        return fail("made_from", e, 2)


if __name__ == "__main__":
    sys.exit(main())
