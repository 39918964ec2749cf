"""The mini_fama recipe end to end at tiny sizes: every stage, then a rerun that skips."""
import os
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "egs2" / "mini_fama" / "s2t1"
TINY_MODEL = {
    "encoder_conf": dict(output_size=32, attention_heads=4, linear_units=64, num_blocks=2, conv_channels=64,
                         interctc_layer_idx=[1]),
    "decoder_conf": dict(attention_heads=4, linear_units=64, num_blocks=1),
}


def tiny_recipe(tmp: Path) -> Path:
    """A copy of the recipe with tiny models (the data and stages are the real ones)."""
    d = tmp / "s2t1"
    d.mkdir()
    for name in ("run.sh", "cmd.sh", "path.sh", "local"):
        src = RECIPE / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, d / name)
    (d / "utils").symlink_to(ROOT / "egs2" / "TEMPLATE" / "s2t1" / "utils")
    (d / "fama.sh").symlink_to(ROOT / "egs2" / "TEMPLATE" / "s2t1" / "fama.sh")
    (d / "conf").mkdir()
    for step in ("train_step1.yaml", "train_step2.yaml"):
        conf = yaml.safe_load((RECIPE / "conf" / step).read_text())
        for key, value in TINY_MODEL.items():
            conf[key].update(value)
        conf.update(num_iters_per_epoch=2, max_epoch=2, batch_bins=1875, num_workers=0)
        (d / "conf" / step).write_text(yaml.safe_dump(conf))
    decode = yaml.safe_load((RECIPE / "conf" / "decode.yaml").read_text())
    decode.update(beam_size=2, max_len=8)
    (d / "conf" / "decode.yaml").write_text(yaml.safe_dump(decode))
    return d


def run(recipe: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FAMA_ROOT": str(ROOT)}
    return subprocess.run(["./run.sh", *args], cwd=recipe, env=env, capture_output=True, text=True)


def test_every_stage_then_rerun_skips(tmp_path):
    recipe = tiny_recipe(tmp_path)
    opts = ["--local_data_opts", "--num_pairs 24 --dev_pairs 4 --test_pairs 4", "--nbpe", "60", "--avg_num", "2"]
    first = run(recipe, *opts)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    index, results = (recipe / "RESULTS.md").read_text(), (recipe / "exp" / "RESULTS.md").read_text()
    for row in ("| test | ASR | en | WER", "| test | ASR | it | WER", "| test | ST | en-it | BLEU",
                "| test | ST | it-en | BLEU", "| test | ST | all | BLEU",
                "| test | ASR | en held_out_voice | WER", "| test | ST | it-en seen_voice | BLEU"):
        assert row in results and row in index, row
    assert "![loss]" in results and "Wall time per stage" in results
    assert "[exp](exp/RESULTS.md)" in index and "### exp/s2t_step2/decode_model" in index
    assert (recipe / "exp" / "fama_mini.zip").exists()
    assert (recipe / "dump" / "raw" / "train" / "format_report.txt").exists()
    # run.sh --feats_type fbank: features computed once in stage 2; training reads them.
    assert (recipe / "dump" / "fbank" / "train_filtered" / "filter_report.txt").exists()
    assert (recipe / "dump" / "fbank" / "train" / "feats_type").read_text().strip() == "fbank"
    assert "--input_size 80" in (recipe / "exp" / "s2t_step1" / "train.log").read_text()
    decodes = recipe / "exp" / "s2t_step2" / "decode_model"
    hyps = (decodes / "test_st" / "text").read_bytes()

    again = run(recipe, *opts, "--stage", "1", "--stop_stage", "10")
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("already trained") == 2 and again.stdout.count("is current") == 2
    assert (decodes / "test_st" / "text").read_bytes() == hyps

    # A data stage rerun with another option refuses, naming it and the dir to remove.
    changed = run(recipe, *opts, "--stage", "3", "--stop_stage", "3", "--max_wav_duration", "20")
    assert changed.returncode != 0
    assert "max_seconds: 30.0 then, 20.0 now" in changed.stderr and "train_filtered" in changed.stderr
