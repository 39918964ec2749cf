"""Combining FAMA's subsets into one data dir per step: prefixed ids, the three
translation modes, and inputs that cannot be combined."""
import pytest

from fama_espnet.bin.combine_data import main as combine_cli
from fama_espnet.data.combine_data import CombineError, combine_data
from fama_espnet.data.kaldi_dir import Utterance, read_table, write_kaldi_dir, write_table


def subset(root, name, rows, st=False, shape=True):
    """A data dir like import_tsv writes: rows of (id, transcript, src, translation, tgt)."""
    utts = [Utterance(u, f"/audio/{u}.wav", t, s, f"spk{u[-1]}", tt if st else None, tl if st else None)
            for u, t, s, tt, tl in rows]
    d = root / name
    write_kaldi_dir(d, utts)
    if shape:
        write_table(d / "speech_shape", {u.id: "16000" for u in utts})
    return d


@pytest.fixture
def dirs(tmp_path):
    asr_en = subset(tmp_path, "dev_commonvoice-en", [("u1", "hello", "en", "", ""), ("u2", "bye", "en", "", "")])
    asr_it = subset(tmp_path, "dev_commonvoice-it", [("u1", "ciao", "it", "", "")])
    st = subset(tmp_path, "dev_st_covost2-it_en", [("u1", "ciao", "it", "hi", "en")], st=True)
    return asr_en, asr_it, st


def test_ids_prefixed_and_translations_filled(dirs, tmp_path):
    out = tmp_path / "dev_st"
    summary = combine_data(dirs, out, translation="fill")
    assert "3 dirs" in summary and "4 utterances" in summary
    text = read_table(out / "text")
    # The same id u1 in three subsets (shared clips) stays three utterances.
    assert text == {"dev_commonvoice-en-u1": "hello", "dev_commonvoice-en-u2": "bye",
                    "dev_commonvoice-it-u1": "ciao", "dev_st_covost2-it_en-u1": "ciao"}
    # ASR rows translate to their own transcript in their own language, as FBK's ASR manifests.
    assert read_table(out / "text_tgt") == {**text, "dev_st_covost2-it_en-u1": "hi"}
    assert read_table(out / "utt2tgtlang") == {"dev_commonvoice-en-u1": "en", "dev_commonvoice-en-u2": "en",
                                               "dev_commonvoice-it-u1": "it", "dev_st_covost2-it_en-u1": "en"}
    assert read_table(out / "utt2spk")["dev_commonvoice-en-u2"] == "dev_commonvoice-en-spk2"
    assert read_table(out / "spk2utt")["dev_commonvoice-en-spk1"] == "dev_commonvoice-en-u1"
    assert set(read_table(out / "speech_shape")) == set(text)
    assert read_table(out / "wav.scp")["dev_st_covost2-it_en-u1"] == "/audio/u1.wav"
    assert (out / ".done").exists()


def test_drop_and_require(dirs, tmp_path):
    asr_en, asr_it, st = dirs
    combine_data([asr_en, st], tmp_path / "asr", translation="drop")
    assert not (tmp_path / "asr" / "text_tgt").exists() and len(read_table(tmp_path / "asr" / "text")) == 3
    with pytest.raises(CombineError, match=r"translations required, but \['dev_commonvoice-en'\]"):
        combine_data([asr_en, st], tmp_path / "st", translation="require")
    assert not (tmp_path / "st").exists()
    combine_data([st], tmp_path / "st", translation="require")
    assert read_table(tmp_path / "st" / "text_tgt") == {"dev_st_covost2-it_en-u1": "hi"}


def test_segments_keep_their_recordings(tmp_path):
    d = subset(tmp_path, "a", [("u1", "x", "en", "", ""), ("u2", "y", "en", "", "")], shape=False)
    write_table(d / "wav.scp", {"rec": "/audio/rec.flac"})
    write_table(d / "segments", {"u1": "rec 0.0 1.0", "u2": "rec 1.0 2.5"})
    combine_data([d], tmp_path / "out", translation="drop")
    assert read_table(tmp_path / "out" / "segments") == {"a-u1": "a-rec 0.0 1.0", "a-u2": "a-rec 1.0 2.5"}
    assert read_table(tmp_path / "out" / "wav.scp") == {"a-rec": "/audio/rec.flac"}


def test_inputs_that_do_not_fit(dirs, tmp_path, capsys):
    asr_en, asr_it, st = dirs
    no_shape = subset(tmp_path, "other", [("u9", "x", "en", "", "")], shape=False)
    with pytest.raises(CombineError, match=r"other has tables .* differing \['speech_shape'\]"):
        combine_data([asr_en, no_shape], tmp_path / "o", translation="drop")
    (asr_en / "feats_type").write_text("fbank\n")
    (asr_it / "feats_type").write_text("waveform\n")
    with pytest.raises(CombineError, match="differ in feats_type: dev_commonvoice-en: fbank, dev_commonvoice-it"):
        combine_data([asr_en, asr_it], tmp_path / "o", translation="drop")
    with pytest.raises(CombineError, match="share the names"):
        combine_data([asr_en, asr_en], tmp_path / "o", translation="drop")
    (st / "utt2tgtlang").unlink()
    assert combine_cli(["--out", str(tmp_path / "o"), "--translation", "fill", str(st)]) == 1
    assert "has text_tgt but not utt2tgtlang" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
