"""Splits a data dir into N complete data dirs for job-parallel decoding:
<outdir>/1 ... <outdir>/N, each holding every utterance table restricted to its part.

Parts are contiguous runs of the sorted utterance ids whose sizes differ by at most
one, so a split is the same on every run. A split is reused only if it was made
from the same dir (provenance) into the same number of parts; otherwise it is
rebuilt (a split is derived and holds nothing of its own).
"""
from pathlib import Path
from typing import List, Optional, Sequence

from fama_espnet import provenance
from fama_espnet.data import speech_format
from fama_espnet.data.kaldi_dir import read_table, write_subset
from fama_espnet.files import DONE_MARK, building_dir


class SplitError(Exception):
    pass


def partition(ids: Sequence[str], n: int) -> List[List[str]]:
    """n contiguous parts of the sorted ids, the first len(ids) % n one longer."""
    ids = sorted(ids)
    size, extra = divmod(len(ids), n)
    parts, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        parts.append(ids[start:end])
        start = end
    return parts


def split_data(src: Path, nj: int, outdir: Optional[Path] = None) -> bool:
    """Writes the split (default outdir: <src>/split<nj>); False if it was already there."""
    src = Path(src).resolve()
    outdir = Path(outdir).resolve() if outdir else src / f"split{nj}"
    keyed = src / ("segments" if (src / "segments").is_file() else "wav.scp")
    if not keyed.is_file():
        raise SplitError(f"{src}: no {keyed.name}")
    try:
        ids = sorted(read_table(keyed))
    except ValueError as e:
        raise SplitError(str(e)) from e
    if not 1 <= nj <= len(ids):
        raise SplitError(f"cannot split the {len(ids)} utterances of {src} into {nj} parts")
    made_from = {"src": provenance.dir_identity(src), "nj": nj}
    if provenance.is_current(outdir, made_from):
        return False
    (outdir / DONE_MARK).unlink(missing_ok=True)  # made from other data or another nj: rebuilt below
    kind = speech_format.kind(src) if speech_format.is_recorded(src) else None
    with building_dir(outdir, provenance.stamp(made_from)) as tmp:
        for i, part in enumerate(partition(ids, nj), 1):
            (tmp / str(i)).mkdir()
            write_subset(src, tmp / str(i), part)
            if kind:
                speech_format.record(tmp / str(i), kind)
    return True
