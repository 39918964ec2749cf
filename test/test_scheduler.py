"""FAMA's LR schedules are ESPnet's PiecewiseLinearWarmupLR with the configs' values.

The expected values are FBK-fairseq's formulas (piecewise_warmup, inverse_sqrt),
written out here independently. One convention differs: fairseq runs update k
with lr(k - 1), so its first update has lr(0) = 0; ESPnet runs update k with
lr(k), k >= 1 (lr(0) is never used, and ESPnet cannot evaluate it)."""
import math
from pathlib import Path

import pytest
import torch

from espnet2.tasks.abs_task import scheduler_classes

from fama_espnet.task import load_config

CONF = Path(__file__).resolve().parents[1] / "conf"
STEPS = [1, 25_000, 50_000, 200_000]


def fairseq_piecewise(n):  # FAMA-medium step 1
    if n < 25_000:
        return n * 2e-5 / 25_000
    if n < 50_000:
        return 2e-5 + (n - 25_000) * (2e-4 - 2e-5) / 25_000
    return 2e-4 * math.sqrt(50_000) / math.sqrt(n)


def fairseq_inverse_sqrt(n):  # FAMA-small step 1
    return n * 2e-3 / 25_000 if n < 25_000 else 2e-3 * math.sqrt(25_000) / math.sqrt(n)


def lr_at(config, n):
    args = load_config(CONF / config)
    opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], **args.optim_conf)
    sched = scheduler_classes[args.scheduler](opt, **args.scheduler_conf)
    sched.last_epoch = n - 1  # ESPnet's get_lr() evaluates step last_epoch + 1
    return sched.get_lr()[0]


@pytest.mark.parametrize("config,formula", [("train_fama_medium_asr.yaml", fairseq_piecewise),
                                            ("train_fama_small_asr.yaml", fairseq_inverse_sqrt)])
@pytest.mark.parametrize("n", STEPS)
def test_step1_schedule(config, formula, n):
    assert lr_at(config, n) == pytest.approx(formula(n), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("config,formula", [("train_fama_medium_asr.yaml", fairseq_piecewise),
                                            ("train_fama_small_asr.yaml", fairseq_inverse_sqrt)])
def test_step0_and_first_update(config, formula):
    """Before any update the optimizer holds lr(1): fairseq's lr(0) = 0 update is skipped."""
    assert formula(0) == 0.0
    args = load_config(CONF / config)
    opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], **args.optim_conf)
    scheduler_classes[args.scheduler](opt, **args.scheduler_conf)
    assert opt.param_groups[0]["lr"] == pytest.approx(formula(1), rel=1e-9)


def test_medium_landmarks():
    assert lr_at("train_fama_medium_asr.yaml", 25_000) == pytest.approx(2e-5)
    assert lr_at("train_fama_medium_asr.yaml", 50_000) == pytest.approx(2e-4)
    assert lr_at("train_fama_medium_asr.yaml", 200_000) == pytest.approx(1e-4)


def test_espnet_steps_it_per_update():
    from espnet2.schedulers.abs_scheduler import AbsBatchStepScheduler
    assert issubclass(scheduler_classes["piecewiselinearwarmuplr"], AbsBatchStepScheduler)


@pytest.mark.parametrize("config,lr", [("train_fama_small.yaml", 1e-4), ("train_fama_medium.yaml", 1e-5)])
def test_step2_is_fixed(config, lr):
    args = load_config(CONF / config)
    assert args.scheduler is None and args.optim_conf["lr"] == lr
