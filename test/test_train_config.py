"""Training configs derived per run: FAMA's batch on fewer GPUs, and fine-tuning a trained
model with its own network and vocabulary; each derived config trains with ESPnet."""
from pathlib import Path

import pytest
import torch
import yaml

from fama_espnet.bin.make_train_config import main as make_train_config
from fama_espnet.bin.prepare_token_list import main as prepare_token_list
from fama_espnet.task import FamaTask, load_config
from fama_espnet.tokens import read_token_list
from fama_espnet.train_config import ConfigError, finetune_config, install_token_list, scale_batch

from helpers import STEP1, STEP2, TINY, train

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"
RECIPE_CONF = ROOT / "egs2" / "fama" / "s2t1" / "conf"
FAMA = ["small_asr", "small", "medium_asr", "medium"]
# fbk_works/FAMA.md: --max-tokens (frames per GPU) x --update-freq on 16 GPUs
FRAMES_PER_GPU = {"small_asr": (10000, 2), "small": (10000, 2), "medium_asr": (5500, 5), "medium": (4500, 6)}


def load(path):
    return yaml.safe_load(Path(path).read_text())


@pytest.mark.parametrize("name", FAMA)
@pytest.mark.parametrize("gpus", [1, 2, 4, 8, 16])
def test_fewer_gpus_keep_the_update(name, gpus):
    conf = load(CONF / f"train_fama_{name}.yaml")
    scaled, line = scale_batch(conf, gpus, 16)
    frames, update_freq = FRAMES_PER_GPU[name]
    # The same micro-batch per GPU, the same samples per update, the same updates per checkpoint.
    assert scaled["batch_bins"] // gpus == frames  # batch_bins counts 10 ms frames, as --max-tokens
    assert scaled["batch_bins"] * scaled["accum_grad"] == frames * 16 * update_freq
    assert scaled["num_iters_per_epoch"] / scaled["accum_grad"] == conf["num_iters_per_epoch"] / conf["accum_grad"]
    assert f"accum_grad {update_freq} -> {update_freq * 16 // gpus}" in line


def test_gpu_counts_that_cannot_keep_the_update(tmp_path, capsys):
    with pytest.raises(ConfigError, match=r"accum_grad would be 2.5; use one of \[1, 2, 4, 5, 8, 10, 16, 20, 40, 80\]"):
        scale_batch(load(CONF / "train_fama_medium_asr.yaml"), 32, 16)
    assert make_train_config(["--config", str(CONF / "train_fama_small.yaml"), "--gpus", "3",
                              "--out", str(tmp_path / "x.yaml")]) == 1
    assert "3 GPUs cannot keep the update" in capsys.readouterr().err and not (tmp_path / "x.yaml").exists()


def tiny(conf: dict, path: Path) -> Path:
    """The derived config at test size: tiny dims, a one-update run."""
    for key, value in TINY.items():
        conf[key].update(value)
    conf.update(batch_bins=1875, accum_grad=1, num_iters_per_epoch=1, max_epoch=1, num_workers=0)
    path.write_text(yaml.safe_dump(conf))
    return path


def derive_single_gpu(name: str, out: Path) -> dict:
    assert make_train_config(["--config", str(CONF / f"train_fama_{name}.yaml"), "--gpus", "1",
                              "--out", str(out)]) == 0
    text = out.read_text()
    assert text.startswith(f"# Derived by fama_espnet.bin.make_train_config from {CONF}/train_fama_{name}.yaml")
    conf = load(out)
    assert conf["accum_grad"] == FRAMES_PER_GPU[name][1] * 16
    return conf


@pytest.mark.parametrize("name", FAMA)
def test_derived_single_gpu_configs_build(corpus, tmp_path, name):
    """What run.sh writes for one GPU parses with ESPnet's parser and builds the model."""
    derive_single_gpu(name, tmp_path / "step.yaml")
    args = load_config(tmp_path / "step.yaml", TINY, token_list=read_token_list(str(corpus[1])))
    assert args.batch_bins == FRAMES_PER_GPU[name][0]
    assert FamaTask.build_model(args).encoder.output_size() == TINY["encoder_conf"]["output_size"]


@pytest.mark.parametrize("name", ["medium_asr", "medium"])
def test_derived_medium_configs_train(corpus, tmp_path, name):
    """One update with ESPnet's trainer (test_train.py trains the small configs)."""
    conf = derive_single_gpu(name, tmp_path / "step.yaml")
    exp = tmp_path / "exp"
    train(corpus, tiny(conf, tmp_path / "tiny.yaml"), exp, STEP1 if name.endswith("_asr") else STEP2)
    assert (exp / "1epoch.pth").exists()


def model_config():
    return {"frontend": "kaldi_fbank", "frontend_conf": {"fs": 16000, "n_mels": 80}, "specaug": None,
            "encoder": "fama_conformer", "encoder_conf": {"output_size": 1024, "num_blocks": 12, "dropout_rate": 0.1,
                                                          "batch_unsafe_relative_shift": False},
            "decoder": "fama_transformer", "decoder_conf": {"num_blocks": 6},
            "model": "fama", "model_conf": {"p_asr": 1.0, "sym_blank": "<ctc_blank>", "sym_sos_eos": "</s>"},
            "token_list": ["<s>"], "token_type": "bpe", "bpemodel": "x.model", "train_data_path_and_name_and_type": []}


def test_finetune_config_takes_the_network_of_the_model():
    overlay = load(RECIPE_CONF / "finetune_fama_st.yaml")
    conf = finetune_config(model_config(), overlay)
    assert conf["encoder_conf"] == {"output_size": 1024, "num_blocks": 12, "dropout_rate": 0.1,
                                    "batch_unsafe_relative_shift": True, "attention_impl": "sdpa"}
    # An imported model's token conventions stay; the overlay adds the training task.
    assert conf["model_conf"] == {"p_asr": 0.5, "task_sampling": "batch", "task_seed": 1,
                                  "sym_blank": "<ctc_blank>", "sym_sos_eos": "</s>"}
    assert conf["specaug"] == "specaug" and conf["optim_conf"]["lr"] == 1e-5
    # Run-specific or inference-only keys of the model's config are not carried over.
    for key in ("token_list", "token_type", "bpemodel", "train_data_path_and_name_and_type"):
        assert key not in conf
    for bad, match in (({"encoder_conf": {"num_blocks": 24}}, r"encoder_conf \['num_blocks'\]"),
                       ({"decoder_conf": {"linear_units": 2048}}, r"decoder_conf \['linear_units'\]"),
                       ({"model_conf": {"sym_blank": "<blank>"}}, r"model_conf \['sym_blank'\]"),
                       ({"encoder": "conformer"}, "the overlay sets encoder")):
        with pytest.raises(ConfigError, match=match):
            finetune_config(model_config(), bad)
    assert finetune_config(model_config(), {"encoder_conf": {"num_blocks": 12}})["encoder_conf"]["num_blocks"] == 12


def test_token_list_of_the_model_in_its_order(corpus, tmp_path, capsys):
    _, tokens, spm = corpus
    listed = tokens.read_text().splitlines()
    # Imported models keep fairseq's order: another order than the sentencepiece model's.
    fairseq_order = (["<s>", "<pad>", "</s>", "<unk>"]
                     + [t for t in listed if t not in ("<blank>", "<unk>", "<sos/eos>")]
                     + ["<ctc_blank>"])
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"token_list": fairseq_order}))
    out = tmp_path / "token_list"
    args = ["--spm_model", str(spm), "--model_config", str(config), "--outdir", str(out)]
    assert prepare_token_list(args) == 0
    assert (out / "tokens.txt").read_text().splitlines() == fairseq_order
    assert (out / "bpe.model").read_bytes() == Path(spm).read_bytes()
    assert prepare_token_list(args) == 0  # a rerun finds it in place
    assert "already holds this vocabulary" in capsys.readouterr().err
    assert prepare_token_list(["--spm_model", str(spm), "--outdir", str(out)]) == 1  # another order
    assert "holds another vocabulary" in capsys.readouterr().err
    assert (out / "tokens.txt").read_text().splitlines() == fairseq_order
    # Without a model: the ESPnet token list of the sentencepiece model (FAMA's spm, from scratch).
    install_token_list(spm, tmp_path / "scratch")
    assert (tmp_path / "scratch" / "tokens.txt").read_text().splitlines() == listed
    config.write_text(yaml.safe_dump({"token_list": ["<s>", "a", "<lang:en>"]}))
    with pytest.raises(ConfigError, match=r"lacks \['<lang:it>'\]"):
        install_token_list(spm, tmp_path / "other", config)


def test_finetune_from_a_trained_model(corpus, tiny_exp, tmp_path):
    """run.sh's fine-tuning: the model's network and vocabulary, the overlay's training,
    initialised from the model even though fama.sh first passes its own --init_param."""
    data_dir, _, spm = corpus
    config = tmp_path / "finetune.yaml"
    assert make_train_config(["--config", str(RECIPE_CONF / "finetune_fama_st.yaml"), "--ref_gpus", "1",
                              "--gpus", "1", "--base_config", str(tiny_exp / "config.yaml"),
                              "--out", str(config)]) == 0
    conf = load(config)
    assert conf["encoder_conf"]["output_size"] == TINY["encoder_conf"]["output_size"]
    conf.update(batch_bins=1875, accum_grad=1, num_iters_per_epoch=1, max_epoch=1, num_workers=0)
    config.write_text(yaml.safe_dump(conf))
    token_dir = tmp_path / "token_list"
    assert prepare_token_list(["--spm_model", str(spm), "--model_config", str(tiny_exp / "config.yaml"),
                               "--outdir", str(token_dir)]) == 0
    exp = tmp_path / "exp"
    train((data_dir, token_dir / "tokens.txt", token_dir / "bpe.model"), config, exp, STEP2,
          "--init_param", str(tmp_path / "no_step1" / "model.pth"), "--init_param", str(tiny_exp / "model.pth"))
    start = torch.load(tiny_exp / "model.pth", map_location="cpu")
    tuned = torch.load(exp / "1epoch.pth", map_location="cpu")
    assert tuned.keys() == start.keys()
    # One update at lr 1e-5 from the model: every weight within a few lr of where it was.
    floats = [k for k in start if start[k].is_floating_point() and "running_" not in k]
    assert max((tuned[k] - start[k]).abs().max().item() for k in floats) < 1e-3
    assert any(not torch.equal(tuned[k], start[k]) for k in floats)
    assert int(tuned["num_task_draws"]) == int(start["num_task_draws"]) + 1
