"""The one worker pool of the data stages: jobs run in `nj` spawned processes (or in
this one for nj <= 1), results come back as they finish, with a progress bar.

Each job must write only its own files, so what a stage produces does not depend on nj.
Workers run torch single-threaded: the jobs are the parallelism, and torch's own
threads would oversubscribe the cores.
"""
import multiprocessing
import os
import sys
from typing import Callable, Iterable, Iterator, Sequence, TypeVar

from tqdm import tqdm

Job = TypeVar("Job")
Result = TypeVar("Result")


def _init_worker() -> None:
    os.environ["OMP_NUM_THREADS"] = "1"  # read when the worker first imports torch
    if "torch" in sys.modules:  # already imported with the spawned main module
        sys.modules["torch"].set_num_threads(1)


def run_jobs(work: Callable[[Job], Result], jobs: Sequence[Job], nj: int, *, desc: str, unit: str = "utt",
             size: Callable[[Job], int] = lambda job: 1, progress: bool = True) -> Iterator[Result]:
    """Yields work(job) for every job, in completion order; the bar counts size(job) units
    (e.g. the utterances of a job) as each job finishes. `work` must be picklable."""
    units = sum(size(j) for j in jobs)
    bar = tqdm(total=units, unit=unit, desc=desc, disable=not progress, mininterval=1.0)
    pool = None
    try:
        if min(nj, len(jobs)) <= 1:
            pairs: Iterable = ((j, work(j)) for j in jobs)
        else:
            nj = min(nj, len(jobs))
            # spawn, not fork: the caller may hold threads (torch) that fork would copy mid-state.
            pool = multiprocessing.get_context("spawn").Pool(nj, initializer=_init_worker)
            # Chunks of at most 32 units and 1/8 of a worker's share: a worker that takes the
            # last chunk finishes soon after the others.
            chunk_units = min(32, units // (nj * 8))
            chunk_jobs = max(1, chunk_units * len(jobs) // max(1, units))
            pairs = pool.imap_unordered(_Paired(work), jobs, chunksize=chunk_jobs)
        for job, result in pairs:
            bar.update(size(job))
            yield result
        if pool is not None:
            pool.close()
            pool.join()
    finally:
        if pool is not None:
            pool.terminate()
        bar.close()


class _Paired:
    """work(job) -> (job, result), picklable, so the parent can count the job's size."""

    def __init__(self, work: Callable):
        self.work = work

    def __call__(self, job):
        return job, self.work(job)
