"""Average the last N epoch checkpoints of an ESPnet exp dir (FAMA: the last 25):
`python -m fama_espnet.bin.average_checkpoints --exp_dir EXP --num 25 --output EXP/model.pth`.

Float tensors (BatchNorm statistics included) are averaged; integer buffers
(num_batches_tracked, the task-draw counter) take the floor of the mean, as
fairseq's average_checkpoints.py does. The output is written atomically, with
<output>.done naming the checkpoints it averages: a rerun over the same checkpoints
keeps it (and so what was decoded from it)."""
import argparse
import re
import sys
from pathlib import Path
from typing import List, Optional, Sequence

import torch

from fama_espnet import provenance
from fama_espnet.cli import fail
from fama_espnet.files import replacing


def epoch_checkpoints(exp_dir: Path) -> List[Path]:
    found = [(int(m.group(1)), p) for p in exp_dir.glob("*epoch.pth")
             if (m := re.fullmatch(r"(\d+)epoch\.pth", p.name))]
    return [p for _, p in sorted(found)]


def average(paths: List[Path]) -> dict:
    avg = None
    for path in paths:
        state = torch.load(path, map_location="cpu", weights_only=True)
        if avg is None:
            avg = {k: v.clone().double() if v.is_floating_point() else v.clone().long() for k, v in state.items()}
            continue
        if set(state) != set(avg):
            raise ValueError(f"{path} has other parameters than {paths[0]}")
        for k, v in state.items():
            avg[k] += v.double() if v.is_floating_point() else v.long()
    ref = torch.load(paths[0], map_location="cpu", weights_only=True)
    return {k: (v / len(paths)).to(ref[k].dtype) if ref[k].is_floating_point()
            else torch.div(v, len(paths), rounding_mode="floor").to(ref[k].dtype) for k, v in avg.items()}


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--exp_dir", required=True, type=Path)
    p.add_argument("--num", type=int, default=25)
    p.add_argument("--output", required=True, type=Path)
    a = p.parse_args(argv)
    paths = epoch_checkpoints(a.exp_dir)[-a.num:]
    if not paths:
        return fail("average_checkpoints", f"{a.exp_dir}: no <N>epoch.pth checkpoints to average")
    made_from = {"checkpoints": [provenance.file_identity(p) for p in paths]}
    if provenance.is_current_file(a.output, made_from):
        print(f"{a.output} is already the average of {[p.name for p in paths]}")
        return 0
    try:
        averaged = average(paths)
    except ValueError as e:
        return fail("average_checkpoints", e)
    with replacing(a.output) as tmp:
        torch.save(averaged, tmp)
    provenance.mark_file(a.output, made_from)
    print(f"averaged {[p.name for p in paths]} -> {a.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
