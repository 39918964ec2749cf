"""FamaSpeech2Text and the decoding CLI on a model trained by ESPnet's trainer."""
import pytest
import soundfile as sf
import torch

from espnet_model_zoo.downloader import ModelDownloader

from fama_espnet.bin.decode import main as decode
from fama_espnet.bin.pack import main as pack
from fama_espnet.data.kaldi_dir import read_table
from fama_espnet.inference import FamaSpeech2Text


def speech(corpus, n=3):
    wavs = read_table(corpus[0] / "wav.scp")
    ids = sorted(wavs)[:n]
    return ids, [sf.read(wavs[u], dtype="float32")[0] for u in ids]


@pytest.mark.parametrize("ctc_weight", [0.0, 0.2])
def test_batch_decode_equals_one_at_a_time(corpus, tiny_exp, ctc_weight):
    s2t = FamaSpeech2Text.from_pretrained(tiny_exp, ctc_weight=ctc_weight, max_len=12, nbest=2)
    _, wavs = speech(corpus)
    langs = ["it", "en", "it"]
    batched = s2t.batch_decode(wavs, langs)
    for wav, lang, nbest in zip(wavs, langs, batched):
        single = s2t(wav, lang)
        assert [h.token_ids for h in single] == [h.token_ids for h in nbest]
        assert [h.score for h in single] == pytest.approx([h.score for h in nbest], abs=1e-4)


def test_rules_tag_forced_never_shown_and_length_capped(corpus, tiny_exp):
    s2t = FamaSpeech2Text.from_pretrained(tiny_exp, max_len=6, nbest=5)
    _, wavs = speech(corpus, 2)
    model = s2t.model
    for lang in ("en", "it"):
        hyps = s2t.search.decode(*model.encode(torch.nn.utils.rnn.pad_sequence(
            [torch.from_numpy(w) for w in wavs], batch_first=True), torch.tensor([len(w) for w in wavs]))[:2],
            torch.tensor([model.lang_ids[lang]] * 2))
        for nbest in hyps:
            for h in nbest:
                y = h.yseq.tolist()
                assert y[:2] == [model.sos, model.lang_ids[lang]] and y[-1] == model.eos
                assert len(y) - 1 <= 6 + 1  # tag + at most 5 tokens + </s>
                assert "<unk>" not in [model.token_list[t] for t in y]
        for result in s2t.batch_decode(wavs, [lang] * 2)[0]:
            assert "<lang:" not in result.text and set(result.token_ids).isdisjoint(model.lang_ids.values())


def test_unknown_language_is_rejected(corpus, tiny_exp):
    s2t = FamaSpeech2Text.from_pretrained(tiny_exp)
    with pytest.raises(ValueError, match=r"unknown target language\(s\) \['fr'\]"):
        s2t(speech(corpus, 1)[1][0], "fr")


def test_packed_zip_loads_with_from_pretrained_and_model_zoo(corpus, tiny_exp, tmp_path, monkeypatch):
    monkeypatch.chdir(tiny_exp.parent)  # packing stores paths relative to the recipe dir
    zip_path = tmp_path / "fama.zip"
    pack(["--config", "exp/config.yaml", "--model_file", "exp/model.pth", "--outpath", str(zip_path)])
    monkeypatch.setenv("ESPNET_MODEL_ZOO_CACHE", str(tmp_path / "cache"))
    files = ModelDownloader(cachedir=str(tmp_path / "cache")).download_and_unpack(str(zip_path))
    assert set(files) == {"s2t_train_config", "s2t_model_file"}
    _, wavs = speech(corpus, 1)
    from_dir = FamaSpeech2Text.from_pretrained(tiny_exp, max_len=8)(wavs[0], "en")[0]
    from_zip = FamaSpeech2Text(**files, max_len=8)(wavs[0], "en")[0]
    assert from_zip.token_ids == from_dir.token_ids


def test_decode_cli_writes_every_utterance(corpus, tiny_exp, tmp_path):
    out = tmp_path / "dec"
    decode(["--model", str(tiny_exp), "--data", str(corpus[0]), "--task", "st", "--output", str(out),
            "--batch_seconds", "8"])
    hyps = read_table(out / "text")
    assert set(hyps) == set(read_table(corpus[0] / "wav.scp")) and (out / ".done").exists()


def test_length_batches_respect_the_padded_budget():
    from fama_espnet.bin.decode import length_batches

    seconds = {"a": 1.0, "b": 2.0, "c": 2.5, "d": 9.0, "e": 30.0}
    assert length_batches(list(seconds), seconds, 10.0) == [["a", "b", "c"], ["d"], ["e"]]


def test_out_of_memory_batch_is_split_and_retried(corpus, tiny_exp, caplog):
    """A device that fits two utterances at a time (the failure injected into the search)
    still decodes all of them, as one-at-a-time decoding does."""
    s2t = FamaSpeech2Text.from_pretrained(tiny_exp, max_len=8)
    _, wavs = speech(corpus, 5)
    single = [s2t(w, "en")[0].token_ids for w in wavs]
    decode = s2t.search.decode

    def small_device(enc, enc_lens, tags):
        if enc.size(0) > 2:
            raise torch.OutOfMemoryError(f"{enc.size(0)} utterances do not fit")
        return decode(enc, enc_lens, tags)

    s2t.search.decode = small_device
    assert [n[0].token_ids for n in s2t.batch_decode(wavs, ["en"] * 5)] == single
    assert "splitting the batch" in caplog.text


def test_search_choice_and_bf16_run(corpus, tiny_exp):
    _, wavs = speech(corpus, 2)
    espnet = dict(beam_semantics="espnet", max_len=8)  # the reference has ESPnet's beam semantics only
    ref = FamaSpeech2Text.from_pretrained(tiny_exp, search="espnet", **espnet).batch_decode(wavs, ["it", "en"])
    fast = FamaSpeech2Text.from_pretrained(tiny_exp, **espnet).batch_decode(wavs, ["it", "en"])
    assert [h[0].token_ids for h in ref] == [h[0].token_ids for h in fast]
    bf16 = FamaSpeech2Text.from_pretrained(tiny_exp, dtype="bfloat16", max_len=8).batch_decode(wavs, ["it", "en"])
    assert all(len(n) == 1 and "<lang:" not in n[0].text for n in bf16)
    with pytest.raises(ValueError, match="search must be one of"):
        FamaSpeech2Text.from_pretrained(tiny_exp, search="greedy")
    with pytest.raises(ValueError, match="ESPnet's beam semantics only"):
        FamaSpeech2Text.from_pretrained(tiny_exp, search="espnet")  # default: fairseq's semantics
    with pytest.raises(ValueError, match="beam_semantics must be one of"):
        FamaSpeech2Text.from_pretrained(tiny_exp, beam_semantics="whisper")


def test_int8_quantises_every_linear_layer_and_decodes(corpus, tiny_exp):
    """--dtype int8 (CPU): the linear layers run on int8 weights; decoding keeps FAMA's
    rules; its accuracy on the mini model is in the README. A GPU device is refused."""
    _, wavs = speech(corpus, 2)
    s2t = FamaSpeech2Text.from_pretrained(tiny_exp, dtype="int8", max_len=8)
    modules = list(s2t.model.modules())
    assert not any(type(m) is torch.nn.Linear for m in modules)
    assert sum(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in modules) > 10
    nbests = s2t.batch_decode(wavs, ["it", "en"])
    assert all(len(n) == 1 and "<lang:" not in n[0].text for n in nbests)
    with pytest.raises(ValueError, match="int8 .* runs on the CPU"):
        FamaSpeech2Text.from_pretrained(tiny_exp, dtype="int8", device="cuda")


def test_exp_dir_loads_from_outside_its_recipe_dir(corpus, tiny_exp, tmp_path, monkeypatch):
    """ESPnet writes config paths relative to the recipe dir; `infer --model
    egs2/x/s2t1/exp/m` from the repository root still finds the sentencepiece model."""
    import shutil

    import yaml

    config = yaml.safe_load((tiny_exp / "config.yaml").read_text())
    recipe = tmp_path / "recipe"
    (recipe / "exp" / "m").mkdir(parents=True)
    (recipe / "data").mkdir()
    shutil.copy(config["bpemodel"], recipe / "data" / "bpe.model")
    shutil.copy(tiny_exp / "model.pth", recipe / "exp" / "m" / "model.pth")
    (recipe / "exp" / "m" / "config.yaml").write_text(yaml.safe_dump({**config, "bpemodel": "data/bpe.model"}))
    monkeypatch.chdir(tmp_path)
    _, wavs = speech(corpus, 1)
    expected = FamaSpeech2Text.from_pretrained(tiny_exp, max_len=8)(wavs[0], "en")[0].token_ids
    for model in (recipe / "exp" / "m", recipe / "exp" / "m" / "model.pth"):
        assert FamaSpeech2Text.from_pretrained(model, max_len=8)(wavs[0], "en")[0].token_ids == expected
