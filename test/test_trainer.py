"""A training killed at any moment of its checkpoint save resumes, with the same
command, to the weights and files of a run never killed. The first kill is real
(SIGKILL of the training process half-way through the bytes of `checkpoint.pth`, at
epoch 2 of 3); the second stops the resumed run after `checkpoint.pth` of epoch 3 is
in place, before `3epoch.pth` (the last file averaging reads) is written."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.serialization as ser

from helpers import NO_PLOTS, STEP2, train, train_args

KILLER = Path(__file__).with_name("kill_in_save.py")


class Died(BaseException):
    """Stands for a kill in this process: nothing after it runs, no handler catches it."""


def die_on_opening(prefix: str, monkeypatch) -> None:
    """Make `torch.save` die when it opens a file whose name starts with `prefix`."""
    plain = ser._open_zipfile_writer_file

    def opener(name):
        if Path(name).name.startswith(prefix):
            raise Died(name)
        return plain(name)

    monkeypatch.setattr(ser, "_open_zipfile_writer_file", opener)


def model_files(exp: Path) -> dict:
    """Each checkpoint-like entry of an exp dir: a symlink's target, or 'file'."""
    return {p.name: os.readlink(p) if p.is_symlink() else "file" for p in exp.glob("*.pth*")}


def assert_same_weights(a: Path, b: Path) -> None:
    x, y = torch.load(a, map_location="cpu"), torch.load(b, map_location="cpu")
    assert x.keys() == y.keys(), a.name
    for k in x:
        assert torch.equal(x[k], y[k]), (a.name, k)


def test_killed_inside_save_resumes_to_the_same_weights(corpus, straight_exp, tmp_path, monkeypatch):
    config, ref = straight_exp
    exp = tmp_path / "exp"
    run = (corpus, config, exp, STEP2, "--max_epoch", "3", "--resume", "true", *NO_PLOTS)
    cmd = train_args(*run)

    # 1. SIGKILL inside the second write of checkpoint.pth (epoch 2).
    env = dict(os.environ, KILL_IN="checkpoint.pth", KILL_AT="2")
    killed = subprocess.run([sys.executable, str(KILLER), *cmd], env=env, cwd=tmp_path,
                            capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert (exp / "1epoch.pth").exists() and not (exp / "2epoch.pth").exists()

    # 2. The same command resumes (epoch 2 again, then 3) and dies as 3epoch.pth is opened,
    #    after checkpoint.pth of epoch 3 is in place.
    with monkeypatch.context() as m:
        die_on_opening("3epoch.pth", m)
        with pytest.raises(Died):
            train(*run)
    assert not (exp / "3epoch.pth").exists()

    # 3. The same command again: only the end of epoch 3 is left to do.
    train(*run)
    for name in ("2epoch.pth", "3epoch.pth", "valid.total_count.ave_2best.pth"):
        assert_same_weights(ref / name, exp / name)
    assert model_files(exp) == model_files(ref)
