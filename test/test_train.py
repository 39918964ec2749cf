"""ESPnet's own trainer runs FAMA step 1 and step 2 end to end, resumes, and refuses
bad data before the first update."""

import os
import subprocess
import sys

import pytest
import torch

from fama_espnet.data.kaldi_dir import read_table, write_table

from helpers import NO_PLOTS, STEP1, STEP2, tiny_config, train, train_args


def test_step1_then_step2_then_resume(corpus, tmp_path):
    exp1 = tmp_path / "exp_step1"
    train(corpus, tiny_config(tmp_path, "_asr"), exp1, STEP1, "--max_epoch", "2", "--plot_every_epoch", "false")
    avg = exp1 / "valid.total_count.ave_2best.pth"
    assert avg.exists()
    # The curves are drawn once, when training ends (ESPnet draws them after every epoch).
    for stat in ("loss", "loss_ctc_inter", "acc", "optim0_lr0"):
        assert (exp1 / "images" / f"{stat}.png").exists(), stat

    exp2 = tmp_path / "exp_step2"
    train(corpus, tiny_config(tmp_path, ""), exp2, STEP2, "--max_epoch", "2", "--init_param", str(avg))
    first = torch.load(exp2 / "2epoch.pth", map_location="cpu")
    assert first["num_task_draws"] == 4  # 2 epochs x 2 micro-batches
    step1 = torch.load(exp1 / "2epoch.pth", map_location="cpu")
    assert not torch.equal(first["ctc.ctc_lo.weight"], step1["ctc.ctc_lo.weight"])

    # Re-running with a larger max_epoch continues from checkpoint.pth.
    train(corpus, tiny_config(tmp_path, ""), exp2, STEP2, "--max_epoch", "3", "--resume", "true")
    final = torch.load(exp2 / "3epoch.pth", map_location="cpu")
    assert final["num_task_draws"] == 6
    # ESPnet plots every reported stat, train and valid: per-term losses, per-task losses, LR.
    for stat in ("loss_asr", "loss_st", "loss_ctc_inter", "loss_att", "loss_ctc", "acc_st", "optim0_lr0"):
        assert (exp2 / "images" / f"{stat}.png").exists(), stat


def test_step2_without_translations_fails_before_training(corpus, tmp_path):
    out = tmp_path / "exp"
    with pytest.raises(RuntimeError, match=r"needs \['text_tgt', 'tgt_lang'\]"):
        train(corpus, tiny_config(tmp_path, ""), out, STEP1, "--max_epoch", "1")
    assert not (out / "checkpoint.pth").exists()


def test_missing_rows_are_named(corpus, tmp_path):
    data_dir = corpus[0]
    broken = tmp_path / "data"
    broken.mkdir()
    for f in data_dir.iterdir():
        (broken / f.name).write_text(f.read_text())
    rows = read_table(data_dir / "text_tgt")
    del rows["it03"]
    write_table(broken / "text_tgt", rows)
    with pytest.raises(RuntimeError, match=r"text_tgt \(text_tgt\) has no row for 1 of 12 utterances: it03"):
        train(corpus, tiny_config(tmp_path, ""), tmp_path / "exp", STEP2, "--max_epoch", "1", data=broken)


def test_resumed_training_equals_uninterrupted(corpus, straight_exp, tmp_path):
    """Stopping after epoch 2 and resuming gives the same weights as never stopping:
    no update lost or repeated, the same batches, the same task draws."""
    config, straight = straight_exp
    resumed = tmp_path / "resumed"
    train(corpus, config, resumed, STEP2, "--max_epoch", "2", *NO_PLOTS)
    train(corpus, config, resumed, STEP2, "--max_epoch", "3", "--resume", "true", *NO_PLOTS)
    a = torch.load(straight / "3epoch.pth", map_location="cpu")
    b = torch.load(resumed / "3epoch.pth", map_location="cpu")
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_distributed_training_on_two_processes(corpus, tmp_path):
    """ESPnet's DDP path (here two CPU processes over gloo, launched as torchrun launches
    a multi-GPU job) averages the model's loss, stats and weight across workers: it needs
    ESPnet's 1-dim outputs, and failed on the first update with a 0-dim weight."""
    out = tmp_path / "exp"
    args = train_args(corpus, tiny_config(tmp_path, ""), out, STEP2, "--max_epoch", "1", *NO_PLOTS,
                      "--multiprocessing_distributed", "false", "--dist_backend", "gloo",
                      # SyncBatchNorm runs on GPUs only; on the CPU each worker keeps its own statistics.
                      "--encoder_conf", "sync_batchnorm=false")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           "-m", "fama_espnet.bin.train", *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "1epoch.pth").exists() and "1epoch results" in done.stderr
