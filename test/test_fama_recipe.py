"""egs2/fama/s2t1, the FAMA recipe for the real corpora: its scripts parse, local/data.sh
builds every set from tiny stand-ins of FBK's manifests and of the corpora's releases (or
names, in one message, every corpus it lacks), and run.sh hands fama.sh the right stages,
sets, configs and launch options (dry runs)."""
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest
import soundfile as sf
import yaml

from fama_espnet.data import fairseq_tsv
from fama_espnet.data.kaldi_dir import read_table
from fama_espnet.data.tts import speak

from helpers import make_releases

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "egs2" / "fama" / "s2t1"
HEADER = "id\taudio\tn_frames\ttgt_text\tsrc_text\tspeaker\tsrc_lang\ttgt_lang"
SCRIPTS = ["run.sh", "db.sh", "cmd.sh", "path.sh", "local/data.sh", "local/multinode.sh", "local/launch.sh"]


def bash(*args, cwd=RECIPE, env=None):
    return subprocess.run(["bash", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "FAMA_ROOT": str(ROOT), **(env or {})})


@pytest.mark.parametrize("script", SCRIPTS)
def test_scripts_parse(script):
    done = bash("-n", RECIPE / script)
    assert done.returncode == 0, done.stderr


def test_recipe_links_fama_configs():
    for name in ("train_fama_small_asr", "train_fama_small", "train_fama_medium_asr", "train_fama_medium",
                 "decode_fama", "decode_fama_joint_ctc"):
        link = RECIPE / "conf" / f"{name}.yaml"
        assert link.is_symlink() and link.resolve() == ROOT / "conf" / f"{name}.yaml"
    assert (RECIPE / "fama.sh").resolve() == ROOT / "egs2" / "TEMPLATE" / "s2t1" / "fama.sh"


def data_sh_lists() -> Dict[str, List[str]]:
    text = (RECIPE / "local" / "data.sh").read_text()
    return {m.group(1): m.group(2).split() for m in re.finditer(r'^(\w+)="([^"]*)"', text, re.M)}


def test_subsets_are_fbk_commands():
    """The subsets of fbk_works/FAMA.md's commands: 18 step-1, 19 step-2 (human CoVoST 2
    it->en included), the same as the TSV import knows."""
    lists = data_sh_lists()
    assert len(lists["STEP1_TRAIN"]) == 18 and len(lists["STEP2_TRAIN"]) == 19
    assert "train_st_covost2-it_en_gold" in lists["STEP2_TRAIN"]
    assert tuple(lists["STEP1_TRAIN"]) == fairseq_tsv.FAMA_STEP1_TRAIN
    assert tuple(lists["STEP2_TRAIN"]) == fairseq_tsv.FAMA_STEP2_TRAIN
    assert tuple(lists["STEP2_DEV"]) == fairseq_tsv.FAMA_DEV
    assert lists["STEP1_DEV"] == ["dev_commonvoice-en", "dev_commonvoice-it"]


def recipe_copy(tmp: Path, db: Dict[str, str]) -> Path:
    d = tmp / "s2t1"
    (d / "local").mkdir(parents=True)
    for name in ("path.sh", "local/data.sh"):
        shutil.copy(RECIPE / name, d / name)
    (d / "utils").symlink_to(RECIPE / "utils")
    lines = [f"{k}={shlex.quote(str(v))}" for k, v in db.items()]
    (d / "db.sh").write_text("\n".join(lines) + "\n")
    return d


def write_manifests(root: Path, names: List[str]) -> None:
    """One utterance per subset, as FBK's manifests (ASR rows: tgt_text = src_text)."""
    root.mkdir(parents=True, exist_ok=True)
    text = {"en": "the red cat sleeps", "it": "il gatto rosso dorme"}
    for lang in text:
        sf.write(root / f"{lang}.wav", speak(text[lang], voice=lang), 16000, subtype="PCM_16")
    for name in names:
        src, tgt = fairseq_tsv.subset_languages(name)
        n = sf.info(root / f"{src}.wav").frames
        row = [f"{name}_1", f"{src}.wav", str(n), text[tgt], text[src], "spk1", src, tgt]
        (root / f"{name}.tsv").write_text(HEADER + "\n" + "\t".join(row) + "\n", encoding="utf-8")


def test_data_sh_names_every_missing_corpus_once(tmp_path):
    lists = data_sh_lists()
    manifests = tmp_path / "fama_data"
    present = [n for n in lists["STEP1_TRAIN"] + lists["STEP2_TRAIN"] + lists["STEP2_DEV"]
               if "mls" not in n and "youtubecommons" not in n]
    write_manifests(manifests, present)
    recipe = recipe_copy(tmp_path, {"FAMA_DATA": manifests, "COMMONVOICE_IT": tmp_path / "no_such_dir"})
    done = bash("local/data.sh", "--test_sets", "test_commonvoice_it test_mls_en test_fleurs_en", cwd=recipe)
    assert done.returncode == 1
    err = done.stderr.strip().splitlines()
    assert err[0].endswith("db.sh does not give every corpus the asked-for sets need "
                           "(steps '1 2', test sets 'test_commonvoice_it test_mls_en test_fleurs_en'):")
    assert err[1:-1] == [
        f"  FAMA_DATA={manifests}: no manifest of mls: train_mls-en.tsv train_mls-it.tsv "
        "train_st_mls-en_it.tsv train_st_mls-it_en.tsv",
        f"  FAMA_DATA={manifests}: no manifest of youtubecommons: train_youtubecommons-en_filtered.tsv "
        "train_youtubecommons-it.tsv train_st_youtubecommons-en_it.tsv train_st_youtubecommons-it_en.tsv",
        f"  COMMONVOICE_IT={tmp_path / 'no_such_dir'}: no such directory; needed by test_commonvoice_it",
        "  FLEURS: not set; needed by test_fleurs_en",
        "  MLS_EN: not set; needed by test_mls_en",
    ]
    assert err[-1].startswith("Set these in") and not (recipe / "data").exists()

    # Without FAMA_DATA, and test sets picked from what db.sh gives (auto): a corpus it does
    # not name is skipped, one it names wrongly is an error.
    recipe = recipe_copy(tmp_path / "b", {"COMMONVOICE_IT": tmp_path / "no_such_dir"})
    done = bash("local/data.sh", "--steps", "1", cwd=recipe)
    assert done.returncode == 1
    assert "  FAMA_DATA: not set; FBK's fairseq data root with the <subset>.tsv manifests of steps 1" in done.stderr
    assert "needed by test_commonvoice_it" in done.stderr
    assert "FLEURS" not in done.stderr and "MLS_EN" not in done.stderr
    # With what it needs, the sets whose corpus db.sh does not name are skipped and said so.
    recipe = recipe_copy(tmp_path / "c", {"LIBRISPEECH": make_releases(tmp_path / "rel")["librispeech"]})
    done = bash("local/data.sh", "--steps", "", cwd=recipe)
    assert done.returncode == 0, done.stderr
    assert "test sets skipped, db.sh gives no corpus for them: test_commonvoice_en (COMMONVOICE_EN)" in done.stderr
    assert "test_covost2_it_en (COVOST2 COVOST2_CLIPS_IT)" in done.stderr
    assert sorted(p.name for p in (recipe / "data").iterdir()) == ["test_librispeech_clean", "test_librispeech_other"]


def test_data_sh_builds_every_set(tmp_path):
    lists = data_sh_lists()
    manifests = tmp_path / "fama_data"
    write_manifests(manifests, sorted(set(lists["STEP1_TRAIN"] + lists["STEP2_TRAIN"] + lists["STEP2_DEV"])))
    rel = make_releases(tmp_path / "releases")
    db = {"FAMA_DATA": manifests, "COMMONVOICE_EN": rel["cv_en"], "COMMONVOICE_IT": rel["cv_it"],
          "LIBRISPEECH": rel["librispeech"], "MLS_EN": rel["mls_en"], "MLS_IT": rel["mls_it"],
          "VOXPOPULI": rel["voxpopuli"], "FLEURS": rel["fleurs"], "COVOST2": rel["covost"]}
    recipe = recipe_copy(tmp_path, db)
    done = bash("local/data.sh", cwd=recipe)
    assert done.returncode == 0, done.stderr[-3000:]
    data = recipe / "data"

    asr = read_table(data / "train_asr" / "text")
    assert sorted(asr) == sorted(f"{n}-{n}_1" for n in lists["STEP1_TRAIN"])
    assert not (data / "train_asr" / "text_tgt").exists()
    st_text, st_tgt = read_table(data / "train_st" / "text"), read_table(data / "train_st" / "text_tgt")
    assert len(st_text) == 19 and st_tgt["train_st_covost2-it_en_gold-train_st_covost2-it_en_gold_1"] \
        == "the red cat sleeps"
    assert st_text["train_st_covost2-it_en_gold-train_st_covost2-it_en_gold_1"] == "il gatto rosso dorme"
    assert sorted(read_table(data / "dev_asr" / "text")) == ["dev_commonvoice-en-dev_commonvoice-en_1",
                                                             "dev_commonvoice-it-dev_commonvoice-it_1"]
    dev_tgt, dev_lang = read_table(data / "dev_st" / "text_tgt"), read_table(data / "dev_st" / "utt2tgtlang")
    assert dev_tgt["dev_commonvoice-it-dev_commonvoice-it_1"] == "il gatto rosso dorme"
    assert dev_lang == {"dev_commonvoice-en-dev_commonvoice-en_1": "en",
                        "dev_commonvoice-it-dev_commonvoice-it_1": "it",
                        "dev_st_covost2-it_en-dev_st_covost2-it_en_1": "en",
                        "dev_st_fleurs-en_it-dev_st_fleurs-en_it_1": "it"}
    tests = sorted(p.name for p in data.glob("test_*") if (p / ".done").exists())
    assert tests == sorted(data_sh_lists()["ALL_TESTS"])
    assert read_table(data / "test_covost2_it_en" / "utt2tgtlang") == {"common_voice_it_201": "en",
                                                                       "common_voice_it_202": "en"}
    again = bash("local/data.sh", cwd=recipe)
    assert again.returncode == 0 and again.stderr.count("skipped") >= 4 + 13


# ---- run.sh: dry runs print the commands (nothing runs, nothing is written)

def dry(*args, env=None) -> List[List[str]]:
    done = bash("run.sh", "--dry_run", "true", *args, env={"FAMA_BACKEND": "local", **(env or {})})
    assert done.returncode == 0, done.stderr
    return [shlex.split(line) for line in done.stdout.splitlines()]


def options(words: List[str]) -> Dict[str, str]:
    """--name value pairs of a command line (the last one wins, as parse_options.sh)."""
    return {w[2:]: v for w, v in zip(words, words[1:]) if w.startswith("--")}


def test_run_sh_trains_each_step_on_its_own_sets():
    cmds = dry("--model_size", "medium", "--", "--inference_nj", "4")
    configs, fama = cmds[:2], [options(c) for c in cmds[2:]]
    assert [c[:3] for c in configs] == [["python", "-m", "fama_espnet.bin.make_train_config"]] * 2
    assert options(configs[0])["config"] == "conf/train_fama_medium_asr.yaml"
    assert options(configs[1])["config"] == "conf/train_fama_medium.yaml"
    assert all(options(c)["gpus"] == "1" and options(c)["ref_gpus"] == "16" for c in configs)
    # One fama.sh run, all stages; each step has its own training and validation set.
    assert [(o["stage"], o["stop_stage"]) for o in fama] == [("1", "13")]
    o = fama[0]
    assert (o["step1_train_set"], o["step1_valid_set"], o["step2_train_set"], o["step2_valid_set"]) == \
        ("train_asr", "dev_asr", "train_st", "dev_st")
    assert o["step1_config"] == "exp/fama_medium/conf/step1.yaml"
    assert o["step2_config"] == "exp/fama_medium/conf/step2.yaml"
    assert (o["avg_num"], o["nbpe"], o["ngpu"], o["inference_nj"]) == ("25", "16000", "1", "4")
    assert o["expdir"] == "exp/fama_medium" and o["train_cmd"] == "utils/run.sh"
    assert o["test_sets"] == "auto" and o["step1_args"] == "" and "steps" not in o


def test_run_sh_stage_ranges_and_batch_options():
    cmds = dry("--stage", "7", "--stop_stage", "8", "--keep_batch", "false", "--bpemodel", "spm.model")
    assert "--gpus" not in cmds[0] and [options(c)["stage"] for c in cmds[2:]] == ["7"]
    assert [options(c)["stop_stage"] for c in cmds[2:]] == ["8"]
    assert not any("prepare_token_list" in " ".join(c) for c in cmds)  # stage 4 not asked for
    cmds = dry("--stage", "4", "--stop_stage", "4", "--bpemodel", "spm.model")
    assert cmds[0][:3] == ["python", "-m", "fama_espnet.bin.prepare_token_list"]
    assert [(options(c)["step1_train_set"], options(c)["step2_train_set"]) for c in cmds[1:]] == \
        [("train_asr", "train_st")]


def test_run_sh_multi_node_uses_srun_and_espnet_slurm_launcher():
    cmds = dry("--ngpu", "8", "--num_nodes", "2", "--stage", "6", "--stop_stage", "8", env={"FAMA_BACKEND": "slurm"})
    assert options(cmds[0])["gpus"] == "16"
    step1 = step2 = options(cmds[2])
    assert step1["train_cmd"].startswith("local/multinode.sh --nodes 2 --time")
    assert re.fullmatch(r"--dist_launcher slurm --dist_init_method file://\S+/exp/fama_small/\.dist_init\.step1\.\d+",
                        step1["step1_args"])
    assert ".dist_init.step2." in step2["step2_args"]  # a fresh rendezvous file per launch
    done = bash("run.sh", "--dry_run", "true", "--num_nodes", "2", env={"FAMA_BACKEND": "local"})
    assert done.returncode == 1 and "needs the Slurm backend" in done.stderr


def test_multinode_job_runs_srun_once_per_node(tmp_path):
    done = bash(RECIPE / "local" / "multinode.sh", "--nodes", "2", "--dry_run", "true", "--gpu", "8",
                "--time", "7-00:00:00", "exp/s2t_step1/train.log", "python", "-m", "fama_espnet.bin.train",
                "--ngpu", "8", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    words = done.stdout.split()
    for option in ("--nodes=2", "--ntasks-per-node=1", "--gres=gpu:8", "--time=7-00:00:00"):
        assert option in words
    assert words[-9:] == [str(RECIPE / "utils" / "run.sh"), "exp/s2t_step1/train.log", "srun", "--export=ALL",
                          "python", "-m", "fama_espnet.bin.train", "--ngpu", "8"]
    assert bash(RECIPE / "local" / "multinode.sh", "x.log", "true", cwd=tmp_path).returncode == 1


@pytest.fixture
def fama_model(tmp_path):
    d = tmp_path / "fama_small"
    d.mkdir()
    for f in ("config.yaml", "model.pth", "bpe.model"):
        (d / f).write_text("")
    return d


@pytest.mark.parametrize("task", ["asr", "st"])
def test_run_sh_finetunes_a_fama_model(fama_model, task):
    cmds = dry("--finetune_from", fama_model, "--finetune_task", task, "--train_set", "my_train",
               "--valid_set", "my_dev", "--test_sets", "my_test", "--ngpu", "2")
    derive, tokens = options(cmds[0]), options(cmds[1])
    expdir = f"exp/finetune_fama_small_{task}"
    assert derive == {"config": f"conf/finetune_fama_{task}.yaml", "out": f"{expdir}/conf/finetune.yaml",
                      "gpus": "2", "ref_gpus": "1", "base_config": f"{fama_model}/config.yaml"}
    assert tokens == {"spm_model": f"{fama_model}/bpe.model", "model_config": f"{fama_model}/config.yaml",
                      "outdir": "data/token_list"}
    fama = [options(c) for c in cmds[2:] if c[0] == "./fama.sh"]
    for o in fama:
        assert (o["train_set"], o["valid_set"], o["test_sets"], o["expdir"], o["avg_num"]) == \
            ("my_train", "my_dev", "my_test", expdir, "5")
    init = f"--init_param {fama_model}/model.pth "
    # One fama.sh run from stage 2 (stage 1 is FAMA's corpora) training one step; no links between steps.
    assert [(o["stage"], o["stop_stage"]) for o in fama] == [("2", "13")]
    assert not any(c[0] == "ln" for c in cmds)
    if task == "asr":  # step 1 alone: trained, then decoded and packed
        assert fama[0]["steps"] == "1" and fama[0]["decode_tasks"] == "asr"
        assert fama[0]["step1_config"] == f"{expdir}/conf/finetune.yaml" and fama[0]["step1_args"] == init
    else:  # step 2 alone, from the given model
        assert fama[0]["steps"] == "2"
        assert fama[0]["step2_config"] == f"{expdir}/conf/finetune.yaml" and fama[0]["step2_args"] == init


def test_run_sh_finetunes_for_asr_end_to_end(corpus, tiny_exp, tmp_path):
    """The fine-tuning path really run (tiny sizes, CPU): a trained model and a user's
    Kaldi dirs -> stages 2-7 and 10-12: formatted data, the model's vocabulary, training
    initialised from the model, decoding, scoring and a packed model that loads."""
    data_dir, _, spm = corpus
    model = tmp_path / "my_fama"
    shutil.copytree(tiny_exp, model)
    shutil.copy(spm, model / "bpe.model")
    recipe = tmp_path / "s2t1"
    (recipe / "conf").mkdir(parents=True)
    for name in ("run.sh", "cmd.sh", "path.sh"):
        shutil.copy(RECIPE / name, recipe / name)
    for name in ("utils", "fama.sh", "local"):
        (recipe / name).symlink_to((RECIPE / name).resolve())
    overlay = yaml.safe_load((RECIPE / "conf" / "finetune_fama_asr.yaml").read_text())
    overlay.update(batch_bins=1875, accum_grad=1, num_iters_per_epoch=2, max_epoch=2, num_workers=0)
    (recipe / "conf" / "finetune_fama_asr.yaml").write_text(yaml.safe_dump(overlay))
    decode = yaml.safe_load((ROOT / "conf" / "decode_fama_joint_ctc.yaml").read_text())
    decode.update(beam_size=2, max_len=8)
    (recipe / "conf" / "decode.yaml").write_text(yaml.safe_dump(decode))
    for name in ("my_train", "my_dev", "my_test"):
        shutil.copytree(data_dir, recipe / "data" / name)
        (recipe / "data" / name / "speech_shape").unlink()
    done = bash("run.sh", "--finetune_from", model, "--train_set", "my_train", "--valid_set", "my_dev",
                "--test_sets", "my_test", "--ngpu", "0", "--finetune_avg_num", "2", "--decode_config",
                "conf/decode.yaml", "--", "--nj", "1", "--inference_nj", "1", cwd=recipe, env={"FAMA_BACKEND": "local"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    exp = recipe / "exp" / "finetune_my_fama_asr"
    assert (recipe / "data" / "token_list" / "tokens.txt").read_text().splitlines() == \
        yaml.safe_load((model / "config.yaml").read_text())["token_list"]
    log = (exp / "s2t_step1" / "train.log").read_text()
    assert f"Loading pretrained params from {model}/model.pth" in log
    assert not (exp / "s2t_step2").exists()  # an ASR fine-tune is step 1 alone; its model is decoded
    decodes = exp / "s2t_step1" / "decode_model"
    assert len(read_table(decodes / "my_test_asr" / "text")) == 12
    assert not (decodes / "my_test_st").exists()
    assert "| my_test | ASR | en | WER" in (recipe / "RESULTS.md").read_text()
    assert (exp / "finetune_my_fama_asr.zip").exists()


def test_run_sh_refuses_bad_options(fama_model):
    for args, message in ((["--model_size", "large"], "--model_size is small or medium"),
                          (["--ngpu", "two"], "--ngpu takes a number"),
                          (["--finetune_task", "mt"], "--finetune_task is asr or st"),
                          (["--nj", "4"], "unknown option --nj"),
                          (["--finetune_from", fama_model], "needs --train_set and --valid_set"),
                          (["--finetune_from", fama_model.parent, "--train_set", "a", "--valid_set", "b"],
                           "config.yaml not found")):
        done = bash("run.sh", "--dry_run", "true", *args, env={"FAMA_BACKEND": "local"})
        assert done.returncode == 1 and message in done.stderr, (args, done.stderr)
    shown = bash("run.sh", "--help")
    assert shown.returncode == 0 and "--finetune_from exp/fama_small" in shown.stdout


# ---- the real recipe end to end at tiny sizes: FBK's manifests with zipped fbank (step 1,
# step 2), tiny dims, averaging, decoding a test set from its release layout (waveforms),
# scoring, RESULTS.md, packing; then a rerun with another decoding config.

TINY_ARGS = " ".join(
    [f"--{section} {k}={v}" for section, conf in (
        ("encoder_conf", dict(output_size=32, attention_heads=4, linear_units=64, num_blocks=2, conv_channels=48,
                              interctc_layer_idx="[1]")),
        ("decoder_conf", dict(attention_heads=4, linear_units=64, num_blocks=1))) for k, v in conf.items()]
    + ["--batch_bins 1875 --accum_grad 1 --num_iters_per_epoch 2 --max_epoch 2 --keep_nbest_models 2",
       "--num_workers 0 --use_amp false"])


def fbk_dataroot(corpus, root: Path) -> Path:
    """FBK's $DATAROOT at tiny size: a manifest per subset of FAMA's commands (2 rows each),
    its audio the 80-dim fbank .npy of the corpus utterances in one stored zip, as FBK's
    preprocessing writes it (entries relative to the data root)."""
    from helpers import fbank, npy_bytes, write_tsv, zip_entries

    data = corpus[0]
    root.mkdir(parents=True)
    wavs = {u: sf.read(p, dtype="float32")[0] for u, p in read_table(data / "wav.scp").items()}
    feats = {u: fbank(w) for u, w in wavs.items()}
    entries = zip_entries(root / "fbank80.zip", {f"{u}.npy": npy_bytes(x) for u, x in feats.items()})
    text, translation = read_table(data / "text"), read_table(data / "text_tgt")
    lists = data_sh_lists()
    for i, name in enumerate(sorted(set(lists["STEP1_TRAIN"] + lists["STEP2_TRAIN"] + lists["STEP2_DEV"]))):
        src, tgt = fairseq_tsv.subset_languages(name)
        utts = [f"{src}{(i + k) % 6:02d}" for k in range(2)]
        rows = [[f"{name}_{u}", entries[u], len(feats[u]), text[u] if src == tgt else translation[u], text[u],
                 "spk1", src, tgt] for u in utts]
        write_tsv(root / f"{name}.tsv", rows)
    return root


def full_recipe_copy(tmp: Path, db: Dict[str, str]) -> Path:
    d = tmp / "s2t1"
    (d / "conf").mkdir(parents=True)
    for name in ("run.sh", "cmd.sh", "path.sh", "local"):
        src = RECIPE / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src.resolve(), d / name)
    for name in ("utils", "fama.sh"):
        (d / name).symlink_to((RECIPE / name).resolve())
    for conf in (RECIPE / "conf").iterdir():
        (d / "conf" / conf.name).symlink_to(conf.resolve())
    (d / "db.sh").write_text("".join(f"{k}={shlex.quote(str(v))}\n" for k, v in db.items()))
    for name, beam in (("decode_a", 2), ("decode_b", 1)):
        decode = yaml.safe_load((ROOT / "conf" / "decode_fama_joint_ctc.yaml").read_text())
        decode.update(beam_size=beam, max_len=8)
        (d / "conf" / f"{name}.yaml").write_text(yaml.safe_dump(decode))
    return d


def test_real_recipe_end_to_end_from_fbk_manifests(corpus, tmp_path):
    dataroot = fbk_dataroot(corpus, tmp_path / "fama_data")
    rel = make_releases(tmp_path / "releases")
    recipe = full_recipe_copy(tmp_path, {"FAMA_DATA": dataroot, "FLEURS": rel["fleurs"]})
    env = {"FAMA_BACKEND": "local"}
    common = ["--ngpu", "0", "--avg_num", "2", "--nbpe", "60", "--local_data_opts", "--test_sets test_fleurs_en_it"]
    tail = ["--", "--nj", "1", "--inference_nj", "1", "--step1_args", TINY_ARGS, "--step2_args", TINY_ARGS]
    done = bash("run.sh", *common, "--decode_config", "conf/decode_a.yaml", *tail, cwd=recipe, env=env)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]

    exp = recipe / "exp" / "fama_small"
    # Both steps read the zipped fbank in place and train without a front-end.
    assert (recipe / "dump" / "raw" / "train_asr" / "feats_type").read_text().strip() == "fbank"
    for step in ("s2t_step1", "s2t_step2"):
        config = yaml.safe_load((exp / step / "config.yaml").read_text())
        assert config["frontend"] is None and config["input_size"] == 80, step
        assert (exp / step / "model.pth").exists()
    assert "Loading pretrained params from exp/fama_small/s2t_step1/model.pth" in \
        (exp / "s2t_step2" / "train.log").read_text()
    # The FLEURS en->it test set, waveforms from its release layout, decoded by that model.
    assert (recipe / "dump" / "raw" / "test_fleurs_en_it" / "feats_type").read_text().strip() == "waveform"
    first = exp / "s2t_step2" / "decode_a_model"
    for task in ("asr", "st"):
        assert len(read_table(first / f"test_fleurs_en_it_{task}" / "text")) == 3
    results, index = (exp / "RESULTS.md").read_text(), (recipe / "RESULTS.md").read_text()
    for row in ("| test_fleurs_en_it | ASR | en | WER", "| test_fleurs_en_it | ST | en-it | BLEU"):
        assert row in results and row in index
    assert "decoding: beam_size 2, ctc_weight 0.2" in results and "[exp/fama_small](exp/fama_small/RESULTS.md)" in index
    assert (exp / "fama_small.zip").exists()

    # Another decoding config: new results beside the old ones, which stay as they were.
    before = {p: p.read_bytes() for p in first.rglob("*") if p.is_file()}
    again = bash("run.sh", *common, "--stage", "10", "--stop_stage", "11", "--decode_config", "conf/decode_b.yaml",
                 *tail, cwd=recipe, env=env)
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-4000:]
    assert {p: p.read_bytes() for p in first.rglob("*") if p.is_file()} == before
    second = exp / "s2t_step2" / "decode_b_model"
    assert len(read_table(second / "test_fleurs_en_it_st" / "text")) == 3
    index = (recipe / "RESULTS.md").read_text()
    results = (exp / "RESULTS.md").read_text()
    assert "### s2t_step2/decode_a_model" in results and "### s2t_step2/decode_b_model" in results
    assert "### exp/fama_small/s2t_step2/decode_a_model" in index and "decode_b_model" in index


def test_run_sh_scores_a_given_model(corpus, tiny_exp, tmp_path):
    """`run.sh --decode_model DIR` (an imported FAMA dir: config.yaml, model.pth,
    bpe.model): the test sets only, decoded with the decoding config and --inference_args
    into the model's own dir, scored into its RESULTS.md; nothing is trained or packed."""
    model = tmp_path / "fama_import"
    shutil.copytree(tiny_exp, model)
    shutil.copy(corpus[2], model / "bpe.model")
    rel = make_releases(tmp_path / "releases")
    recipe = full_recipe_copy(tmp_path, {"FLEURS": rel["fleurs"]})
    done = bash("run.sh", "--decode_model", model, "--decode_config", "conf/decode_a.yaml",
                "--inference_args", "--beam_size 1", "--local_data_opts", "--test_sets test_fleurs_en_it",
                "--inference_nj", "1", "--", "--nj", "1", cwd=recipe, env={"FAMA_BACKEND": "local"})
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    decodes = model / "decode_a_model_beam_size1"
    for task in ("asr", "st"):
        assert len(read_table(decodes / f"test_fleurs_en_it_{task}" / "text")) == 3
    made = yaml.safe_load((decodes / "test_fleurs_en_it_st" / ".done").read_text())
    assert made["decoding"]["beam_size"] == 1 and made["decoding"]["ctc_weight"] == 0.2
    assert "| test_fleurs_en_it | ST | en-it | BLEU" in (model / "RESULTS.md").read_text()
    assert "(../fama_import/RESULTS.md)" in (recipe / "RESULTS.md").read_text()
    assert not (recipe / "dump" / "raw" / "train_asr").exists() and not list(model.glob("*.zip"))
