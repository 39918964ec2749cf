"""Files and dirs written so that a reader, a rerun or a crash never meets half of one.

Everything is built under a sibling temporary name and renamed into place (atomic within
a directory): a path holds its old content or its new content, never a torn file, and a
stage killed midway leaves only a temporary that the next run replaces. A finished stage
dir carries `.done`, which holds what it was made from (fama_espnet/provenance.py). Every
stage writes through here.
"""
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

DONE_MARK = ".done"
PathLike = Union[str, Path]


def temporary(path: PathLike, keep_suffix: bool = False) -> Path:
    """The sibling a write of `path` goes to: `<name>.tmp`, or `<stem>.tmp<suffix>` for
    writers that pick a format by the suffix (torch's zip, ESPnet's packer, soundfile)."""
    path = Path(path)
    return path.with_name(f"{path.stem}.tmp{path.suffix}" if keep_suffix else f"{path.name}.tmp")


@contextmanager
def replacing(path: PathLike, keep_suffix: bool = False) -> Iterator[Path]:
    """Yields the temporary path to write; only a block that returns renames it over `path`."""
    path = Path(path)
    tmp = temporary(path, keep_suffix)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: PathLike, text: str) -> None:
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def is_done(out: PathLike) -> bool:
    return (Path(out) / DONE_MARK).exists()


@contextmanager
def replacing_dir(dst: PathLike) -> Iterator[Path]:
    """Yields an empty `<dst>.tmp`; only a block that returns renames it over dst (a dir
    with no done mark: one a user reads as it is, such as an imported model's exp dir)."""
    dst = Path(dst)
    tmp = temporary(dst)
    shutil.rmtree(tmp, ignore_errors=True)  # left by a killed run
    tmp.mkdir(parents=True)
    try:
        yield tmp
        if dst.exists():
            old = dst.with_name(dst.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            os.rename(dst, old)
            os.rename(tmp, dst)
            shutil.rmtree(old)
        else:
            os.rename(tmp, dst)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def building_dir(dst: PathLike, stamp: str = "") -> Iterator[Path]:
    """Yields an empty `<dst>.tmp` to build dst in.

    Only a build that returns becomes dst, marked done (the mark holds `stamp`), so
    a stage that fails or is killed never leaves a half-written dst to be reused;
    an unmarked dst (e.g. after deleting .done to force a rerun) is replaced.
    """
    with replacing_dir(dst) as tmp:
        yield tmp
        (tmp / DONE_MARK).write_text(stamp, encoding="utf-8")
