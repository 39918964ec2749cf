"""One speech-format contract for every data dir (fama_espnet/data/speech_format.py): the
same utterances as 16 kHz wavs and as FBK's zipped fbank .npy have the same shapes, the
same durations, the same micro-batches from ESPnet's own sampler under a FAMA config,
and the same hypotheses from a waveform-trained and an fbank-trained model; a dir whose
entries disagree with its recorded kind stops, naming the dir, the utterances and what
was expected; Kaldi tables with tabs or runs of spaces read as Kaldi reads them."""
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import yaml

from espnet2.samplers.build_batch_sampler import build_batch_sampler

from fama_espnet.bin.data_stats import main as data_stats
from fama_espnet.bin.decode import main as decode
from fama_espnet.data import speech_format
from fama_espnet.data.extract_fbank import FbankError, extract_fbank
from fama_espnet.data.fairseq_audio import EntryError, FairseqAudioReader
from fama_espnet.data.fairseq_tsv import import_tsv
from fama_espnet.data.format_data import FormatError, format_data
from fama_espnet.data.kaldi_dir import read_table
from fama_espnet.inference import FamaSpeech2Text
from fama_espnet.train_config import scale_batch

from helpers import fbank, infer_texts, npy_bytes, write_tsv, zip_entries

CONF = Path(__file__).resolve().parents[1] / "conf"


@pytest.fixture(scope="module")
def dirs(corpus, tmp_path_factory):
    """(waveform dir, fbank dir) of the same 12 utterances: formatted wavs, and FBK's
    preprocessing (fbank .npy in a stored zip, a fairseq manifest) imported in place."""
    data, _, _ = corpus
    root = tmp_path_factory.mktemp("kinds")
    wav_dir = root / "wav"
    format_data(data, wav_dir, progress=False)
    wavs = {u: sf.read(p, dtype="float32")[0] for u, p in read_table(wav_dir / "wav.scp").items()}
    entries = zip_entries(root / "fbank80.zip", {f"{u}.npy": npy_bytes(fbank(w)) for u, w in wavs.items()})
    texts, langs = read_table(data / "text"), read_table(data / "utt2lang")
    tgts, tgt_langs = read_table(data / "text_tgt"), read_table(data / "utt2tgtlang")
    rows = [[u, entries[u], 0, tgts[u], texts[u], "spk", langs[u], tgt_langs[u]] for u in sorted(wavs)]
    fbank_dir = root / "fbank"
    import_tsv(write_tsv(root / "st.tsv", rows), fbank_dir, root=root)
    return wav_dir, fbank_dir


def test_both_kinds_record_their_kind_and_count_the_same_frames(dirs):
    wav_dir, fbank_dir = dirs
    assert (speech_format.kind(wav_dir), speech_format.kind(fbank_dir)) == ("waveform", "fbank")
    frames = speech_format.frame_counts(wav_dir)
    assert frames == speech_format.frame_counts(fbank_dir)
    for utt, path in read_table(wav_dir / "wav.scp").items():
        assert frames[utt] == 1 + (sf.info(path).frames - 400) // 160
    assert speech_format.durations(wav_dir) == speech_format.durations(fbank_dir)
    # Statistics in hours, whatever the kind (they were 160x too small for fbank).
    for d in dirs:
        data_stats(["--data", str(d)])
    stats = [yaml.safe_load((d / "stats.yaml").read_text()) for d in dirs]
    assert stats[0]["hours"] == stats[1]["hours"] == pytest.approx(sum(frames.values()) / 100 / 3600, abs=1e-3)
    assert stats[0]["hours"] > 0


@pytest.mark.parametrize("bins", ["fama", 700])
def test_same_audio_gives_the_same_espnet_batches(dirs, bins):
    """ESPnet's LengthBatchSampler, as the trainer builds it, on both dirs' shape files:
    the same utterance ids in every micro-batch. `fama`: FAMA-small's config rescaled to
    one GPU is FBK's --max-tokens 10000 frames per GPU."""
    conf = yaml.safe_load((CONF / "train_fama_small.yaml").read_text())
    if bins == "fama":
        conf, _ = scale_batch(conf, 1, 16)
        assert conf["batch_bins"] == 10000
        bins = conf["batch_bins"]
    batches = [build_batch_sampler(type=conf["batch_type"], batch_bins=bins, batch_size=1,
                                   shape_files=[str(d / "speech_shape")], sort_in_batch="descending",
                                   sort_batch="ascending", drop_last=False, min_batch_size=1)
               for d in dirs]
    wav_batches, fbank_batches = (list(b) for b in batches)
    assert wav_batches == fbank_batches
    assert sum(map(len, wav_batches)) == 12
    assert len(wav_batches) == 1 if bins == 10000 else len(wav_batches) > 2


@pytest.fixture(scope="module")
def fbank_exp(tiny_exp, tmp_path_factory):
    """The tiny trained model as an fbank-trained model is built: no front-end,
    input_size 80 (the front-end has no weights, so the weights are the same)."""
    exp = tmp_path_factory.mktemp("fbank_exp") / "exp"
    exp.mkdir()
    shutil.copy(tiny_exp / "model.pth", exp / "model.pth")
    conf = yaml.safe_load((tiny_exp / "config.yaml").read_text())
    conf.update(frontend=None, frontend_conf={}, input_size=80)
    (exp / "config.yaml").write_text(yaml.safe_dump(conf))
    return exp


def test_any_model_decodes_any_input_kind_identically(dirs, tiny_exp, fbank_exp, corpus, tmp_path):
    """Waveform and fbank models, waveform and fbank dirs: the same hypotheses and scores;
    and FamaSpeech2Text / infer given wavs or features."""
    spm = str(corpus[2])
    texts = {}
    for model in (tiny_exp, fbank_exp):
        for d in dirs:
            out = tmp_path / f"{model.name}_{d.name}"
            assert decode(["--model", str(model), "--data", str(d), "--task", "asr", "--output", str(out)]) == 0
            texts[model.name, d.name] = read_table(out / "text")
    assert len(set(map(repr, texts.values()))) == 1 and len(next(iter(texts.values()))) == 12
    wav_dir, fbank_dir = dirs
    utts = sorted(read_table(wav_dir / "wav.scp"))[:3]
    waves = [FairseqAudioReader(str(wav_dir / "wav.scp"))[u] for u in utts]
    feats = [FairseqAudioReader(str(fbank_dir / "wav.scp"))[u] for u in utts]
    results = []
    for model in (tiny_exp, fbank_exp):
        s2t = FamaSpeech2Text.from_pretrained(model, bpemodel=spm)
        for speech in (waves, feats, [waves[0], feats[1], waves[2]]):
            results.append([(r[0].token_ids, round(r[0].score, 5)) for r in s2t.batch_decode(speech, ["en"] * 3)])
    assert all(r == results[0] for r in results)
    with pytest.raises(ValueError, match=r"input 0: shape \(7, 40\); expected a 16000 Hz waveform"):
        s2t([np.zeros((7, 40), dtype=np.float32)][0], "en")
    # infer: a wav file given to the fbank-trained model.
    wav = tmp_path / "a.wav"
    sf.write(wav, waves[0], 16000, subtype="FLOAT")
    assert infer_texts(["--model", str(fbank_exp), "--tgt_lang", "en", str(wav)]) == \
        [s2t.batch_decode([waves[0]], ["en"])[0][0].text]


def test_fbank_dump_holds_fbk_features_and_reruns_skip(dirs, tmp_path):
    """--feats_type fbank: features computed once equal FBK's preprocessing of the same
    wavs, with the same frames and tables; a rerun skips; an fbank dir is adopted."""
    wav_dir, fbank_dir = dirs
    out = tmp_path / "dump"
    result = extract_fbank(wav_dir, out, nj=2, progress=False, utts_per_zip=5)  # 3 zips, 2 workers
    assert result.kept == 12 and speech_format.kind(out) == "fbank"
    assert len(list(out.glob("fbank_*.zip"))) == 3
    assert speech_format.frame_counts(out) == speech_format.frame_counts(wav_dir)
    ours, fbk = FairseqAudioReader(str(out / "wav.scp")), FairseqAudioReader(str(fbank_dir / "wav.scp"))
    for utt in read_table(wav_dir / "wav.scp"):
        np.testing.assert_allclose(ours[utt], fbk[utt], rtol=0, atol=1e-4)
    for table in ("text", "text_tgt", "utt2lang", "utt2tgtlang", "utt2spk", "spk2utt"):
        assert read_table(out / table) == read_table(wav_dir / table), table
    assert extract_fbank(wav_dir, out, progress=False) is None
    adopted = tmp_path / "adopted"
    extract_fbank(fbank_dir, adopted, progress=False)
    assert read_table(adopted / "wav.scp") == read_table(fbank_dir / "wav.scp")


def test_fbank_dump_of_a_broken_wav_names_it_and_writes_nothing(dirs, tmp_path):
    wav_dir, _ = dirs
    src = tmp_path / "src"
    shutil.copytree(wav_dir, src)
    scp = read_table(src / "wav.scp")
    bad = sorted(scp)[3]
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF not really")
    scp[bad] = str(broken)
    (src / "wav.scp").write_text("".join(f"{u} {p}\n" for u, p in sorted(scp.items())))
    with pytest.raises(FbankError, match=f"utterance {bad}: .*broken.wav"):
        extract_fbank(src, tmp_path / "dump", progress=False)
    assert not (tmp_path / "dump").exists() and not (tmp_path / "dump.tmp").exists()


def test_dirs_whose_entries_disagree_with_their_kind_stop(dirs, tmp_path):
    wav_dir, fbank_dir = dirs
    fbank_rows, wav_rows = read_table(fbank_dir / "wav.scp"), read_table(wav_dir / "wav.scp")
    bad = tmp_path / "bad"
    shutil.copytree(wav_dir, bad)
    # fbank rows in a waveform dir
    mixed = dict(wav_rows, en01=fbank_rows["en01"], it03=fbank_rows["it03"])
    (bad / "wav.scp").write_text("".join(f"{u} {e}\n" for u, e in sorted(mixed.items())))
    with pytest.raises(speech_format.SpeechFormatError,
                       match=r"bad: feats_type says 16000 Hz waveform, but en01: holds 80-dim features; "
                             r"it03: holds 80-dim features"):
        speech_format.check_entries(bad)
    with pytest.raises(FormatError, match="en01: holds 80-dim features"):
        format_data(bad, tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.tmp").exists()
    with pytest.raises(EntryError, match=r"wav.scp: utterance en01: an array of shape \(\d+, 80\), expected a "
                                         r"16000 Hz waveform \(1-D\) \(feats_type of its dir says waveform\)"):
        FairseqAudioReader(str(bad / "wav.scp"))["en01"]
    # wrong feature dim, wrong rate
    (tmp_path / "f40.npy").write_bytes(npy_bytes(np.zeros((50, 40), dtype=np.float32)))
    sf.write(tmp_path / "8k.wav", np.zeros(8000, dtype=np.float32), 8000)
    speech_format.record(bad, "fbank")
    (bad / "wav.scp").write_text(f"a {tmp_path / 'f40.npy'}\nb {tmp_path / '8k.wav'}\nc {fbank_rows['en00']}\n")
    with pytest.raises(speech_format.SpeechFormatError,
                       match=r"says 80-dim fbank at 100 frames/s, but a: 40-dim features; b: .*8k.wav: 8000 Hz, "
                             r"16000 Hz required"):
        speech_format.check_entries(bad)


def test_kaldi_tables_split_on_any_whitespace(corpus, tmp_path):
    """A user's own dir written with tabs and runs of spaces (valid Kaldi) formats as the
    single-space one does."""
    data = corpus[0]
    spaced = tmp_path / "spaced"
    spaced.mkdir()
    for f in data.iterdir():
        if f.name == "speech_shape":
            continue
        rows = read_table(f)
        sep = "\t" if f.name in ("wav.scp", "text") else "   "
        (spaced / f.name).write_text("".join(f"{k}{sep}{v} \n" for k, v in rows.items()))
    assert read_table(spaced / "wav.scp") == read_table(data / "wav.scp")
    assert read_table(spaced / "text") == read_table(data / "text")
    a, b = tmp_path / "a", tmp_path / "b"
    format_data(data, a, progress=False)
    format_data(spaced, b, progress=False)
    for name in ("text", "text_tgt", "utt2lang", "speech_shape"):
        assert read_table(a / name) == read_table(b / name), name
