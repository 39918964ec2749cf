"""The recipe shell utilities (egs2/TEMPLATE/s2t1/utils), driven through bash."""
import os
import re
import subprocess
import time
from pathlib import Path

UTILS = Path(__file__).resolve().parents[1] / "egs2" / "TEMPLATE" / "s2t1" / "utils"

SCRIPT = """#!/usr/bin/env bash
nj=4
use_gpu=false
feats_type=raw
empty=
help_message="Usage: $0 [--nj N] <dir>"
. {utils}/parse_options.sh || exit 1
echo "nj=$nj use_gpu=$use_gpu feats_type=$feats_type empty=$empty"
echo "rest=$*"
"""


def bash(*args, cwd=None, env=None):
    return subprocess.run(["bash", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env=None if env is None else {**os.environ, **env})


def options_script(tmp_path):
    script = tmp_path / "script.sh"
    script.write_text(SCRIPT.format(utils=UTILS))
    return script


def test_parse_options_defaults_and_overrides(tmp_path):
    script = options_script(tmp_path)
    out = bash(script).stdout.splitlines()
    assert out == ["nj=4 use_gpu=false feats_type=raw empty=", "rest="]
    out = bash(script, "--nj", "8", "--use-gpu", "true", "--feats_type=fbank", "--empty", "x y",
               "data/train", "--nj", "1").stdout.splitlines()
    assert out == ["nj=8 use_gpu=true feats_type=fbank empty=x y", "rest=data/train --nj 1"]
    assert bash(script, "--nj", "2", "--", "--not-an-option").stdout.splitlines()[1] == "rest=--not-an-option"


def test_parse_options_errors_and_help(tmp_path):
    script = options_script(tmp_path)
    bad = bash(script, "--nj", "2", "--num-jobs", "3")
    assert bad.returncode == 1 and "unknown option --num-jobs" in bad.stderr and not bad.stdout
    bad = bash(script, "--use_gpu", "yes")
    assert bad.returncode == 1 and "true or false" in bad.stderr
    bad = bash(script, "--nj")
    assert bad.returncode == 1 and "needs a value" in bad.stderr
    for flag in ("--help", "-h"):
        shown = bash(script, flag)
        assert shown.returncode == 0 and shown.stdout.strip() == f"Usage: {script} [--nj N] <dir>"


def test_parse_options_config_file(tmp_path):
    script = options_script(tmp_path)
    conf = tmp_path / "my.conf"
    conf.write_text("nj=16\nfeats_type=fbank_pitch\n")
    out = bash(script, "--nj", "2", "--config", conf, "dir").stdout.splitlines()
    assert out == ["nj=2 use_gpu=false feats_type=fbank_pitch empty=", "rest=dir"]  # the command line wins
    missing = bash(script, f"--config={tmp_path / 'none.conf'}")
    assert missing.returncode == 1 and "none.conf" in missing.stderr


def read_log(path):
    return Path(path).read_text().splitlines()


def test_run_parallel_jobs_with_logs(tmp_path):
    start = time.monotonic()
    done = bash(UTILS / "run.sh", "--max_jobs_run", "3", "--gpu", "1", "JOB=1:3", "log/part.JOB.log",
                "sleep 1; echo job JOB of 3 > out.JOB; echo said JOB; echo err JOB >&2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - start < 2.5  # three 1 s jobs at once, not one after another
    for i in (1, 2, 3):
        assert (tmp_path / f"out.{i}").read_text() == f"job {i} of 3\n"
        log = read_log(tmp_path / "log" / f"part.{i}.log")
        assert log[0] == f"# sleep 1; echo job {i} of 3 > out.{i}; echo said {i}; echo err {i} >&2"
        assert log[1].startswith("# Started at") and f"said {i}" in log and f"err {i}" in log
        assert log[-2].startswith("# Accounting: time=") and log[-1].startswith("# Ended (code 0) at")


def test_run_words_and_single_job(tmp_path):
    done = bash(UTILS / "run.sh", "one.log", "echo", "two words", "|", "tr", "a-z", "A-Z", cwd=tmp_path)
    assert done.returncode == 0
    assert "TWO WORDS" in read_log(tmp_path / "one.log")


def test_run_shares_the_threads_among_the_jobs_at_once(tmp_path):
    """Jobs that run together split the caller's OMP_NUM_THREADS (more threads than cores
    stall torch); a job alone keeps them all; --num_threads sets them."""
    def threads(*args, env):
        done = bash(UTILS / "run.sh", *args, "JOB=1:2", "t.JOB.log", "echo threads=$OMP_NUM_THREADS",
                    cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stderr
        return [next(x for x in read_log(tmp_path / f"t.{i}.log") if x.startswith("threads=")) for i in (1, 2)]

    assert threads(env={"OMP_NUM_THREADS": "4"}) == ["threads=2", "threads=2"]
    assert threads("--max_jobs_run", "1", env={"OMP_NUM_THREADS": "4"}) == ["threads=4", "threads=4"]
    assert threads(env={"OMP_NUM_THREADS": "1"}) == ["threads=1", "threads=1"]
    assert threads("--num_threads", "3", env={"OMP_NUM_THREADS": "4"}) == ["threads=3", "threads=3"]
    assert "threads=3" in read_log(tmp_path / "t.1.log")[-2]  # the accounting line says so too


def test_run_failure_names_the_failed_logs(tmp_path):
    done = bash(UTILS / "run.sh", "--max_jobs_run", "1", "JOB=1:4", "log/f.JOB.log",
                "echo start JOB; [ JOB -ne 2 ] && [ JOB -ne 4 ]", cwd=tmp_path)
    assert done.returncode == 1
    assert "2 / 4 failed" in done.stderr
    assert re.findall(r"log/f\.\d\.log", done.stderr) == ["log/f.2.log", "log/f.4.log"]
    assert read_log(tmp_path / "log" / "f.2.log")[-1].startswith("# Ended (code 1)")
    assert read_log(tmp_path / "log" / "f.3.log")[-1].startswith("# Ended (code 0)")


def test_slurm_dry_run_prints_sbatch_lines(tmp_path):
    done = bash(UTILS / "slurm.sh", "--dry_run", "true", "--gpu", "2", "--num_threads", "8", "--time", "4:00:00",
                "--mem=32G", "--partition", "a100", "--account", "fbk", "JOB=1:3", "exp/log/decode.JOB.log",
                "python", "-m", "decode", "--data", "dump/test/split3/JOB", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 3 and not (tmp_path / "exp").exists()
    for i, line in enumerate(lines, 1):
        words = line.split()
        assert words[:3] == ["sbatch", "--wait", "--parsable"]
        for option in ("--gres=gpu:2", "--cpus-per-task=8", "--time=4:00:00", "--mem=32G",
                       "--partition=a100", "--account=fbk", f"--job-name=decode.{i}",
                       f"--output=exp/log/q/decode.{i}.out"):
            assert option in words
        assert words[-7:] == [str(UTILS / "run.sh"), f"exp/log/decode.{i}.log", "python", "-m", "decode",
                              "--data", f"dump/test/split3/{i}"]
        assert "JOB" not in line


def test_slurm_config_and_env_options(tmp_path):
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "slurm.conf").write_text('partition=cpu\nmem=4G\nsbatch_opts="--qos=low --nice=10"\n')
    done = bash(UTILS / "slurm.sh", "--dry_run", "true", "--mem", "8G", "x.log", "true",
                cwd=tmp_path, env={"FAMA_SBATCH_OPTS": "--account=fbk"})
    words = done.stdout.split()
    assert "--partition=cpu" in words and "--mem=8G" in words and "--qos=low" in words
    assert "--account=fbk" in words
    assert "--nice=10" in words and "--cpus-per-task=1" in words
    assert not any(w.startswith("--gres") for w in words)


def test_slurm_runs_jobs_through_sbatch(tmp_path):
    """A stand-in sbatch that runs the job script at once shows the submitted lines
    run as they should, and that failures come back."""
    fake = tmp_path / "bin" / "sbatch"
    fake.parent.mkdir()
    fake.write_text('#!/usr/bin/env bash\nargs=()\nfor a in "$@"; do case "$a" in\n'
                    '  --output=*) out="${a#--output=}" ;; --*) ;; *) args+=("$a") ;; esac; done\n'
                    'echo 42\n"${args[@]}" >"$out" 2>&1\n')
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:{os.environ['PATH']}"}
    done = bash(UTILS / "slurm.sh", "JOB=1:3", "log/s.JOB.log", "echo hello JOB; [ JOB != 3 ]", cwd=tmp_path, env=env)
    assert done.returncode == 1
    assert "1 / 3 failed" in done.stderr and "log/s.3.log (Slurm: log/q/s.3.out)" in done.stderr
    assert "hello 1" in read_log(tmp_path / "log" / "s.1.log")
    assert read_log(tmp_path / "log" / "s.3.log")[-1].startswith("# Ended (code 1)")
