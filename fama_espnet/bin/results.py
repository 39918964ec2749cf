"""Collect every `scores.yaml` under a decode root into RESULTS.md:
`python -m fama_espnet.bin.results --decode_root exp/decode --train_dirs exp/s2t_step1 exp/s2t_step2
--out RESULTS.md`."""
import argparse
import os
import platform
from datetime import datetime
from pathlib import Path

import torch
import yaml

from fama_espnet.data.kaldi_dir import write_text

CURVES = ("loss", "loss_ctc_inter", "loss_att", "loss_ctc", "acc", "optim0_lr0")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{os.cpu_count()} x {cpu}, {gpu}, torch {torch.__version__}"


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--decode_root", required=True, type=Path)
    p.add_argument("--train_dirs", nargs="*", default=[], type=Path)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--command", default="./run.sh", help="the command that produced the results")
    p.add_argument("--timing", type=Path, help="stage timing file written by fama.sh")
    a = p.parse_args(argv)
    rows = []
    for f in sorted(a.decode_root.glob("*/scores.yaml")):
        s = yaml.safe_load(f.read_text())
        done = yaml.safe_load((f.parent / ".done").read_text()) if (f.parent / ".done").exists() else {}
        name, _, task = f.parent.name.rpartition("_")
        for group, g in s.items():
            metric = (f"WER {g['wer']:.1f} (raw {g['wer_raw']:.1f})" if "wer" in g
                      else f"BLEU {g['bleu']:.1f}, chrF {g['chrf']:.1f}")
            rows.append(f"| {name} | {task.upper()} | {group} | {metric} | {g['utterances']} "
                        f"| {done.get('ctc_weight', 0.0)} |")
    lines = ["# Results", "", f"- command: `{a.command}`", f"- date: {datetime.now():%Y-%m-%d %H:%M}",
             f"- machine: {machine()}", "",
             "| test set | task | language | score | utts | CTC weight |", "|---|---|---|---|---|---|",
             *rows, ""]
    if a.timing and a.timing.exists():
        lines += ["## Wall time per stage", "", "```", a.timing.read_text().rstrip(), "```", ""]
    for d in a.train_dirs:
        images = [c for c in CURVES if (d / "images" / f"{c}.png").exists()]
        if images:
            lines += [f"## Training curves: {d.name}", ""]
            lines += [f"![{c}]({os.path.relpath(d / 'images' / f'{c}.png', a.out.parent)})" for c in images] + [""]
    write_text(a.out, "\n".join(lines) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
