"""ASR/ST task draw for FAMA's step 2 (FBK-fairseq `--p-sampling-asr`).

Modes: `batch` (FAMA's: one task per micro-batch), `sample` (one per utterance), and
`both` (ours, no draw, p_asr unused: every utterance trains its transcript and its
translation, one encoder pass feeding the decoder twice; on a small model, whose encoder
is most of an update, an update then carries both tasks for 1.0-1.1x the cost of one).

The reference draws ASR or ST once per micro-batch from Python's global RNG, so
its runs cannot be replayed. Here every draw is a pure function of
(seed, rank, draw index): the index is a model buffer, saved in every ESPnet
checkpoint, so `--resume` continues the exact sequence, and each rank of a
multi-GPU run gets its own stream.
"""
from typing import Literal

import numpy as np
import torch


class TaskSampler:
    """Draws which samples of a micro-batch are trained as ASR (True) or ST (False)."""

    def __init__(self, p_asr: float = 0.5, seed: int = 1, mode: Literal["batch", "sample", "both"] = "batch"):
        if not 0.0 <= p_asr <= 1.0:
            raise ValueError(f"p_asr must be in [0, 1], got {p_asr}")
        if mode not in ("batch", "sample", "both"):
            raise ValueError(f"task_sampling must be 'batch', 'sample' or 'both', got {mode!r}")
        self.p_asr, self.seed, self.mode = p_asr, seed, mode

    def draw(self, index: int, batch_size: int, rank: int = 0) -> torch.Tensor:
        """(batch_size,) bool: `mode=batch` gives one task for the whole micro-batch."""
        if self.mode == "both":
            raise ValueError("task_sampling 'both' trains every task: there is nothing to draw")
        rng = np.random.default_rng([self.seed, rank, index])
        n = batch_size if self.mode == "sample" else 1
        is_asr = torch.from_numpy(rng.random(n) < self.p_asr)
        return is_asr.expand(batch_size).clone() if n == 1 else is_asr


def current_rank() -> int:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank()
    return 0
