"""The import CLI for released FAMA checkpoints: what it writes, how it is used, and
what it refuses. Exactness of the imported weights is in test_fidelity.py."""
import os

import numpy as np
import pytest
import soundfile as sf
import torch
import torchaudio.functional

from fama_espnet.bin.import_fairseq import main as import_fairseq
from fama_espnet.data.tts import speak
from fama_espnet.import_fairseq import load_fairseq_checkpoint
from fama_espnet.inference import FamaSpeech2Text
from fama_espnet.tokenizer import train_sentencepiece

from helpers import ORACLE, infer_texts, run_cli

CKPT, SPM, DICT = ORACLE / "fama_tiny_asr_avg3.pt", ORACLE / "spm_en_it_200_lid.model", ORACLE / "spm_en_it_200_lid.txt"


def run_import(outdir, checkpoint=CKPT, spm_model=SPM, dictionary=DICT, *extra):
    run_cli(import_fairseq, ["--checkpoint", str(checkpoint), "--spm_model", str(spm_model), "--dict", str(dictionary),
                             "--outdir", str(outdir), *extra])


@pytest.fixture(scope="module")
def recipe_dir(tmp_path_factory):
    """An import run from a recipe dir, as the README does: relative --outdir."""
    root = tmp_path_factory.mktemp("recipe")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        run_import("exp/fama_tiny", CKPT, SPM, DICT, "--config", str(ORACLE / "config.yaml"))
    finally:
        os.chdir(cwd)
    return root


@pytest.fixture(scope="module")
def wav_en(tmp_path_factory):
    path = tmp_path_factory.mktemp("wav") / "hello.wav"
    sf.write(path, speak("does the dog want a cup of coffee", "en"), 16000, subtype="PCM_16")
    return path


def test_writes_exp_dir_and_self_contained_zip(recipe_dir, wav_en, tmp_path, monkeypatch):
    exp = recipe_dir / "exp" / "fama_tiny"
    assert sorted(p.name for p in exp.iterdir()) == ["bpe.model", "config.yaml", "fama_tiny.zip", "model.pth"]
    monkeypatch.chdir(recipe_dir)
    from_dir = FamaSpeech2Text.from_pretrained("exp/fama_tiny", nbest=3)
    # The zip is used from elsewhere, unpacked by espnet_model_zoo into its cache.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ESPNET_MODEL_ZOO_CACHE", str(tmp_path / "cache"))
    from_zip = FamaSpeech2Text.from_pretrained(exp / "fama_tiny.zip", nbest=3)
    wav = sf.read(wav_en, dtype="float32")[0]
    for lang in ("en", "it"):
        a, b = from_dir(wav, lang), from_zip(wav, lang)
        assert [h.token_ids for h in a] == [h.token_ids for h in b] and len(a) == 3
        assert all("<lang:" not in h.text and "</s>" not in h.text for h in a)


def test_infer_cli_converts_audio_and_matches_the_api(recipe_dir, wav_en, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(recipe_dir)
    wav = sf.read(wav_en, dtype="float32")[0]
    direct = FamaSpeech2Text.from_pretrained("exp/fama_tiny")(wav, "it")[0].text
    assert infer_texts(["--model", "exp/fama_tiny", "--tgt_lang", "it", str(wav_en)]) == [direct]
    assert capsys.readouterr().out == f"{wav_en}\t{direct}\n"
    # 44.1 kHz stereo in: converted to the 16 kHz mono the model expects.
    hi = torchaudio.functional.resample(torch.from_numpy(wav), 16000, 44100).numpy()
    stereo = tmp_path / "stereo.wav"
    sf.write(stereo, np.stack([hi, hi], 1), 44100, subtype="PCM_16")
    (text,) = infer_texts(["--model", "exp/fama_tiny", "--tgt_lang", "it", str(stereo)])
    assert isinstance(text, str) and "<lang:" not in text


def other_architecture(tmp_path):
    ckpt = load_fairseq_checkpoint(str(CKPT))
    ckpt["cfg"]["model"].arch = "s2t_transformer_s"
    path = tmp_path / "transformer.pt"
    torch.save(ckpt, path)
    return dict(checkpoint=path), [str(path), "'s2t_transformer_s'", "conformer_joint_ctc"]


def short_dictionary(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("".join(DICT.read_text().splitlines(keepends=True)[:-3]))
    return dict(dictionary=path), [str(path), "198 tokens", "201"]


def spm_without_tags(tmp_path):
    model = train_sentencepiece(["il gatto dorme", "the cat sleeps"] * 20, str(tmp_path / "notags"),
                                vocab_size=30, languages=())
    return dict(spm_model=model), [str(model), "<lang:en>", "<lang:it>"]


def missing_file(tmp_path):
    return dict(spm_model=tmp_path / "absent.model"), ["--spm_model", str(tmp_path / "absent.model")]


@pytest.mark.parametrize("case", [other_architecture, short_dictionary, spm_without_tags, missing_file])
def test_bad_input_names_the_file_and_writes_nothing(case, tmp_path):
    kwargs, expected = case(tmp_path)
    outdir = tmp_path / "out" / "fama"
    with pytest.raises(SystemExit) as err:
        run_import(outdir, **{**dict(checkpoint=CKPT, spm_model=SPM, dictionary=DICT), **kwargs})
    for text in expected:
        assert text in str(err.value)
    assert not outdir.exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_refuses_a_non_empty_outdir(tmp_path):
    (tmp_path / "keep.txt").write_text("user data")
    with pytest.raises(SystemExit, match="not empty"):
        run_import(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
