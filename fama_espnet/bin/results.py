"""RESULTS.md per experiment, and the recipe's index of every experiment.

  python -m fama_espnet.bin.results --exp_dir exp/fama_small [--train_dirs D ...] \\
      [--timing exp/fama_small/timing.txt] [--command "./run.sh ..."]      -> exp/fama_small/RESULTS.md
  python -m fama_espnet.bin.results --index RESULTS.md --exp_root exp       -> RESULTS.md

An experiment's decodes live at <model dir>/<inference tag>/<set>_<task>/ under <exp_dir>
(scores.yaml from bin.score, .done from bin.decode); each (model dir, inference tag)
is one table, headed by the decoding options it was made with. The index links every
experiment's RESULTS.md under --exp_root and repeats its tables.
"""
import argparse
import os
import platform
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import List, Optional, Sequence

import torch
import yaml

from fama_espnet import provenance
from fama_espnet.files import write_text

CURVES = ("loss", "loss_ctc_inter", "loss_att", "loss_ctc", "acc", "optim0_lr0")
RESULTS = "RESULTS.md"
# Decoding options shown above each table (all are in the decode's .done).
SHOWN_OPTIONS = ("beam_size", "ctc_weight", "beam_semantics", "max_len", "search")


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


def environment(command: str) -> List[str]:
    """The environment block: the command and every version that made the results."""
    from importlib.metadata import PackageNotFoundError, version

    import sacrebleu

    import espnet

    def dist(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "unknown"

    return ["## Environment", "", f"- command: `{command}`", f"- date: {datetime.now():%Y-%m-%d %H:%M}",
            f"- machine: {machine()}", f"- python: {platform.python_version()} ({sys.executable})",
            f"- torch {torch.__version__}, espnet {espnet.__version__}, sacrebleu {sacrebleu.__version__}, "
            f"jiwer {dist('jiwer')}",
            f"- fama_espnet {dist('fama_espnet')}, git commit {git_commit()}", ""]


def git_commit() -> str:
    """This package's checkout commit (`+ local changes` when tracked files differ), or
    "unknown" outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + (" + local changes" if dirty else "")


def score_line(g: dict) -> str:
    if "wer" in g:
        return f"WER {g['wer']:.1f} (raw {g['wer_raw']:.1f})"
    return f"BLEU {g['bleu']:.1f}, chrF {g['chrf']:.1f}"


def errors_cell(g: dict) -> str:
    """Corr/Sub/Del/Ins/S.Err (%, normalised text) of an ASR row, as sclite's summary."""
    c = g.get("wer_counts")
    if not c:
        return "-"
    words = max(1, c["words"])
    pct = [100.0 * c[k] / words for k in ("corr", "sub", "del", "ins")] + [100.0 * c["s_err"] / max(1, c["sentences"])]
    return " / ".join(f"{p:.1f}" for p in pct)


def experiment_tables(exp_dir: Path, link_root: Path) -> List[str]:
    """Markdown tables of every scored decode of an experiment, one per (model dir,
    inference tag); paths shown relative to link_root."""
    lines, link_root = [], Path(link_root).resolve()
    # Resolved: a step dir that is a link to another (an ASR-only model) is listed once.
    for tag_dir in sorted({f.parent.parent.resolve() for f in Path(exp_dir).rglob("scores.yaml")}):
        decodes = sorted(tag_dir.glob("*/scores.yaml"))
        made = provenance.recorded(decodes[0].parent) or {}
        options = made.get("decoding", {})
        shown = ", ".join(f"{k} {options[k]}" for k in SHOWN_OPTIONS if k in options)
        model = (made.get("model") or ["?"])[-1].split(" (")[0]  # a file identity: "path (size, time)"
        lines += [f"### {os.path.relpath(tag_dir, link_root)}", "",
                  f"model: `{os.path.relpath(model, link_root)}`" + (f"; decoding: {shown}" if shown else ""), "",
                  "| test set | task | language | score | utts | Corr / Sub / Del / Ins / S.Err (%) |",
                  "|---|---|---|---|---|---|"]
        signatures = {}
        for f in decodes:
            name, _, task = f.parent.name.rpartition("_")
            for group, g in yaml.safe_load(f.read_text()).items():
                lines.append(f"| {name} | {task.upper()} | {group} | {score_line(g)} | {g['utterances']} "
                             f"| {errors_cell(g)} |")
                for metric in ("bleu", "chrf"):
                    if f"{metric}_signature" in g:
                        signatures.setdefault(metric, set()).add(g[f"{metric}_signature"])
        lines.append("")
        # sacrebleu's signature (tokeniser, casing, smoothing, version) makes a BLEU comparable.
        for metric, sigs in signatures.items():
            name = {"bleu": "BLEU", "chrf": "chrF"}[metric]
            lines += [f"{name} signature: " + ", ".join(f"`{x}`" for x in sorted(sigs)), ""]
    return lines


def write_experiment(exp_dir: Path, train_dirs: List[Path], timing: Path, command: str) -> Path:
    out = exp_dir / RESULTS
    lines = [f"# Results: {exp_dir.name}", "", *environment(command)]
    lines += experiment_tables(exp_dir, exp_dir) or ["No scored decodes yet.", ""]
    if timing and timing.exists():
        lines += ["## Wall time per stage", "", "```", timing.read_text().rstrip(), "```", ""]
    for d in train_dirs:
        images = [c for c in CURVES if (d / "images" / f"{c}.png").exists()]
        if images:
            lines += [f"## Training curves: {d.name}", ""]
            lines += [f"![{c}]({os.path.relpath(d / 'images' / f'{c}.png', exp_dir)})" for c in images] + [""]
    write_text(out, "\n".join(lines) + "\n")
    return out


# Under exp_root: experiments elsewhere (a given model's own dir) the index also lists.
ELSEWHERE = ".experiments_elsewhere"


def experiments(index: Path, exp_root: Path) -> List[Path]:
    """exp_root itself and its subdirs with a RESULTS.md, and the dirs listed in
    exp_root/ELSEWHERE that still have one; never the index itself."""
    listed = exp_root / ELSEWHERE
    elsewhere = [Path(x) for x in listed.read_text().split("\n") if x] if listed.is_file() else []
    found = {p.parent.resolve() for p in [exp_root / RESULTS, *exp_root.glob(f"*/{RESULTS}"),
                                          *(e / RESULTS for e in elsewhere)] if p.is_file()}
    return sorted(e for e in found if (e / RESULTS).resolve() != index.resolve())


def remember(exp_dir: Path, exp_root: Path) -> None:
    """Lists an experiment outside exp_root in exp_root/ELSEWHERE (once)."""
    exp_dir, listed = exp_dir.resolve(), exp_root / ELSEWHERE
    if exp_dir.is_relative_to(exp_root.resolve()):
        return
    known = listed.read_text().split("\n") if listed.is_file() else []
    if str(exp_dir) not in known:
        exp_root.mkdir(parents=True, exist_ok=True)
        write_text(listed, "\n".join([k for k in known if k] + [str(exp_dir)]) + "\n")


def write_index(index: Path, exp_root: Path, command: str = "./run.sh") -> None:
    index = index.resolve()
    lines = ["# Results", "", "Every experiment of this recipe; each links its own RESULTS.md (command, "
             "machine, wall times, training curves).", "", *environment(command)]
    for e in experiments(index, exp_root):
        lines += [f"## [{os.path.relpath(e, index.parent)}]({os.path.relpath(e / RESULTS, index.parent)})", ""]
        lines += experiment_tables(e, index.parent)
    write_text(index, "\n".join(lines) + "\n")


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--exp_dir", type=Path, help="write <exp_dir>/RESULTS.md")
    p.add_argument("--train_dirs", nargs="*", default=[], type=Path)
    p.add_argument("--command", default="./run.sh", help="the command that produced the results")
    p.add_argument("--timing", type=Path, help="stage timing file written by fama.sh")
    p.add_argument("--index", type=Path, help="write this index of every experiment under --exp_root")
    p.add_argument("--exp_root", type=Path, default=Path("exp"))
    a = p.parse_args(argv)
    if a.exp_dir:
        print(f"results: {write_experiment(a.exp_dir, a.train_dirs, a.timing, a.command)}")
        remember(a.exp_dir, a.exp_root)
    if a.index:
        write_index(a.index, a.exp_root, a.command)
        print(f"results: {a.index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
