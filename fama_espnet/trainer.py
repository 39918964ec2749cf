"""ESPnet's trainer, made safe to kill at any moment.

Why: ESPnet's `Trainer.run` ends each epoch by writing, in this order,
`checkpoint.pth` (model, optimiser, scheduler, reporter: what `--resume true`
reads), `<N>epoch.pth` (what checkpoint averaging reads), the `latest.pth` and
`<phase>.<key>.best.pth` symlinks (unlink, then link), and then deletes the
epoch files outside the n-best. Every write is in place, so a kill (OOM killer,
Slurm time limit, pre-emption) inside `torch.save` leaves a truncated
`checkpoint.pth` that `--resume true` cannot load, and a kill between the steps
leaves a checkpoint of epoch N with no `<N>epoch.pth` (averaging then misses or
fails on it), no `latest.pth`, or files that should be gone.

What: `FamaTrainer` keeps ESPnet's training logic untouched and adds three things.

1. While `run` executes, every `torch.save` to a path writes a sibling
   `<name>.partial`, fsyncs it, renames it over `<name>` (`os.replace`, atomic
   within a directory) and fsyncs the directory. A kill leaves the old file or
   the new one, never a torn one. This covers `checkpoint.pth`, `<N>epoch.pth`
   and ESPnet's n-best averages.
2. Before a resumed run starts, `complete_epoch` finishes what the killed run
   left undone after `checkpoint.pth` of epoch N was in place: it writes
   `<N>epoch.pth` from the checkpoint's model (the same state dict ESPnet saves
   there), points `latest.pth` and the best-model symlinks where ESPnet would,
   redoes the periodic n-best average (`--nbest_averaging_interval`), deletes
   the epoch files ESPnet would have deleted, and removes `.partial` leftovers.
   A kill before `checkpoint.pth` was replaced needs nothing: the
   resume starts over from epoch N-1's checkpoint, and ESPnet reseeds every
   epoch, so the redone epoch is the same epoch.
3. `--plot_every_epoch false` draws ESPnet's training-curve images
   (`<exp>/images/*.png`) once, when training ends, instead of after every epoch:
   the same images, without the seconds each drawing costs (a demo of many short
   epochs on a CPU spends ~5% of its training time on them).
"""
import argparse
import contextlib
import dataclasses
import logging
import os
from pathlib import Path
from typing import Iterator, Sequence

import torch

from espnet2.main_funcs.average_nbest_models import average_nbest_models
from espnet2.train.reporter import Reporter
from espnet2.train.trainer import Trainer, TrainerOptions
from espnet2.utils.build_dataclass import build_dataclass
from espnet2.utils.types import str2bool

PARTIAL = ".partial"


def fsync_path(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_torch_save() -> Iterator[None]:
    """Within the block, `torch.save(obj, path)` replaces `path` atomically; saves to
    file objects are left as they are."""
    plain_save = torch.save

    def save(obj, f, *args, **kwargs):
        if not isinstance(f, (str, os.PathLike)):
            return plain_save(obj, f, *args, **kwargs)
        target = Path(f)
        tmp = target.with_name(target.name + PARTIAL)
        plain_save(obj, tmp, *args, **kwargs)
        fsync_path(tmp)
        os.replace(tmp, target)
        fsync_path(target.parent, directory=True)

    torch.save = save
    try:
        yield
    finally:
        torch.save = plain_save


def relink(link: Path, target_name: str) -> None:
    """Point `link` at `target_name` (a sibling) by an atomic rename."""
    if link.is_symlink() and os.readlink(link) == target_name:
        return
    tmp = link.with_name(link.name + PARTIAL)
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(target_name)
    os.replace(tmp, link)


def complete_epoch(output_dir: Path, best_model_criterion: Sequence[Sequence[str]],
                   keep_nbest_models: Sequence[int], nbest_averaging_interval: int = 0) -> None:
    """Bring `output_dir` to the state ESPnet leaves after the epoch that `checkpoint.pth`
    records. Every step is idempotent: a kill in here is resumed the same way."""
    for leftover in output_dir.glob("*" + PARTIAL):
        leftover.unlink()
    checkpoint = output_dir / "checkpoint.pth"
    if not checkpoint.exists():
        return
    # mmap: the tensors are read from disk only if the epoch file has to be written.
    states = torch.load(checkpoint, map_location="cpu", mmap=True, weights_only=True)
    reporter = Reporter()
    reporter.load_state_dict(states["reporter"])
    epoch = reporter.get_epoch()
    if epoch == 0:
        return
    epoch_file = output_dir / f"{epoch}epoch.pth"
    if not epoch_file.exists():
        logging.warning(f"{checkpoint} is of epoch {epoch} but {epoch_file.name} is missing: writing it")
        with atomic_torch_save():
            torch.save(states["model"], epoch_file)
    relink(output_dir / "latest.pth", epoch_file.name)
    nbests = set()
    for phase, key, mode in best_model_criterion:
        if reporter.has(phase, key):
            best = reporter.get_best_epoch(phase, key, mode)
            relink(output_dir / f"{phase}.{key}.best.pth", f"{best}epoch.pth")
            nbests.update(reporter.sort_epochs(phase, key, mode)[:max(keep_nbest_models)])
    if nbest_averaging_interval > 0 and epoch % nbest_averaging_interval == 0:
        with atomic_torch_save():
            average_nbest_models(reporter=reporter, output_dir=output_dir, best_model_criterion=best_model_criterion,
                                 nbest=keep_nbest_models, suffix=f"till{epoch}epoch")
    for e in range(1, epoch):
        stale = output_dir / f"{e}epoch.pth"
        if e not in nbests and stale.exists():
            stale.unlink()


def plot_curves(output_dir: Path) -> None:
    """ESPnet's training-curve images of every reported value, from checkpoint.pth."""
    checkpoint = output_dir / "checkpoint.pth"
    if checkpoint.exists():
        reporter = Reporter()
        reporter.load_state_dict(torch.load(checkpoint, map_location="cpu", mmap=True,
                                            weights_only=True)["reporter"])
        reporter.matplotlib_plot(output_dir / "images")


@dataclasses.dataclass
class FamaTrainerOptions(TrainerOptions):
    plot_every_epoch: bool = True


class FamaTrainer(Trainer):
    """ESPnet's `Trainer` whose files survive a kill at any moment (see the module docstring)."""

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--plot_every_epoch", type=str2bool, default=True,
                            help="draw the training curves after every epoch (ESPnet's way), or only "
                                 "when training ends (false)")

    @classmethod
    def build_options(cls, args: argparse.Namespace) -> FamaTrainerOptions:
        return build_dataclass(FamaTrainerOptions, args)

    @classmethod
    def run(cls, *, trainer_options, distributed_option, **kwargs) -> None:
        rank0 = not distributed_option.distributed or distributed_option.dist_rank == 0
        if trainer_options.resume and rank0:
            keep = trainer_options.keep_nbest_models
            complete_epoch(Path(trainer_options.output_dir), trainer_options.best_model_criterion,
                           [keep] if isinstance(keep, int) else list(keep) or [1],
                           trainer_options.nbest_averaging_interval)
        plot_at_end = trainer_options.use_matplotlib and not getattr(trainer_options, "plot_every_epoch", True)
        if plot_at_end:
            trainer_options = dataclasses.replace(trainer_options, use_matplotlib=False)
        with atomic_torch_save():
            super().run(trainer_options=trainer_options, distributed_option=distributed_option, **kwargs)
        if plot_at_end and rank0:
            plot_curves(Path(trainer_options.output_dir))
