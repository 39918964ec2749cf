"""FAMA's test sets from tiny copies of each corpus's release layout (espeak-ng speech in the
releases' own audio formats): converted, then formatted by stage 2 as the recipe does."""
from pathlib import Path
from typing import Dict, List

import pytest
import soundfile as sf

from fama_espnet.bin.prepare_test_set import main as prepare
from fama_espnet.data.format_data import format_data
from fama_espnet.data.kaldi_dir import read_table
from fama_espnet.data.test_sets import REPORT

from helpers import CV_HEADER, FS, audio, lines, make_releases


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    return make_releases(tmp_path_factory.mktemp("releases"))


def args_for(rel: Dict[str, Path]) -> Dict[str, List[str]]:
    """The prepare_test_set options local/data.sh uses, per test set."""
    return {
        "test_commonvoice_en": ["--corpus", "commonvoice", "--root", str(rel["cv_en"]), "--lang", "en"],
        "test_librispeech_clean": ["--corpus", "librispeech", "--root", str(rel["librispeech"])],
        "test_librispeech_other": ["--corpus", "librispeech", "--root", str(rel["librispeech"]),
                                   "--split", "test-other"],
        "test_mls_it": ["--corpus", "mls", "--root", str(rel["mls_it"]), "--lang", "it"],
        "test_mls_en": ["--corpus", "mls", "--root", str(rel["mls_en"]), "--lang", "en"],
        "test_voxpopuli_en": ["--corpus", "voxpopuli", "--root", str(rel["voxpopuli"]), "--lang", "en"],
        "test_voxpopuli_it": ["--corpus", "voxpopuli", "--root", str(rel["voxpopuli"]), "--lang", "it"],
        "test_fleurs_en": ["--corpus", "fleurs", "--root", str(rel["fleurs"]), "--lang", "en"],
        "test_fleurs_en_it": ["--corpus", "fleurs", "--root", str(rel["fleurs"]), "--lang", "en", "--tgt_lang", "it"],
        "test_fleurs_it_en": ["--corpus", "fleurs", "--root", str(rel["fleurs"]), "--lang", "it", "--tgt_lang", "en"],
        "test_covost2_it_en": ["--corpus", "covost2", "--root", str(rel["covost"]), "--clips",
                               str(rel["cv_it"] / "clips"), "--lang", "it", "--tgt_lang", "en"],
    }


# test set -> {utt: (text, src_lang, translation or None, tgt_lang or None)}
EXPECTED = {
    "test_commonvoice_en": {"common_voice_en_101": ("The cat sleeps.", "en", None, None),
                            "common_voice_en_102": ('He said "hello".', "en", None, None)},
    "test_librispeech_clean": {"1089-134686-0000": ("HE HOPED THERE", "en", None, None),
                               "1089-134686-0001": ("STUFF IT INTO YOU", "en", None, None)},
    "test_librispeech_other": {"1688-142285-0000": ("THERE WAS NO ONE", "en", None, None)},
    "test_mls_it": {"1595_1102_000001": ("buongiorno a tutti", "it", None, None)},
    "test_mls_en": {"4800_10003_000000": ("good morning", "en", None, None)},
    "test_voxpopuli_en": {"20180312-0900-PLENARY-15-en_20180312-17:43:06_3":
                          ("Thank you, Mr President.", "en", None, None)},
    "test_voxpopuli_it": {"20180312-0900-PLENARY-15-it_20180312-17:43:06_3":
                          ("Grazie, signor Presidente.", "it", None, None)},
    "test_fleurs_en": {"11": ("The sun is out.", "en", None, None), "12": ("The sun is out.", "en", None, None),
                       "13": ("It rains.", "en", None, None), "14": ("Snow falls.", "en", None, None)},
    "test_fleurs_en_it": {"11": ("The sun is out.", "en", "C'è il sole.", "it"),
                          "12": ("The sun is out.", "en", "C'è il sole.", "it"),
                          "13": ("It rains.", "en", "Piove.", "it")},
    "test_fleurs_it_en": {"21": ("C'è il sole.", "it", "The sun is out.", "en")},
    "test_covost2_it_en": {"common_voice_it_201": ("Il gatto dorme.", "it", 'The cat "sleeps".', "en"),
                           "common_voice_it_202": ("Una casa rossa.", "it", "A red house.", "en")},
}


def read_dir(d: Path) -> Dict[str, tuple]:
    text, lang = read_table(d / "text"), read_table(d / "utt2lang")
    tgt = read_table(d / "text_tgt") if (d / "text_tgt").exists() else {}
    tgt_lang = read_table(d / "utt2tgtlang") if (d / "utt2tgtlang").exists() else {}
    return {u: (text[u], lang[u], tgt.get(u), tgt_lang.get(u)) for u in text}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_release_layout_to_formatted_dir(releases, tmp_path, name):
    out = tmp_path / "data" / name
    assert prepare(args_for(releases)[name] + ["--outdir", str(out)]) == 0
    assert read_dir(out) == EXPECTED[name]
    assert set(read_table(out / "wav.scp")) == set(EXPECTED[name])
    assert (out / "utt2spk").exists() and (out / "spk2utt").exists() and (out / ".done").exists()
    # Stage 2 decodes the release's audio (mp3, opus, vorbis, flac, wav) into 16 kHz wavs.
    result = format_data(out, tmp_path / "dump" / name, languages=["en", "it"], progress=False)
    assert result.kept == len(EXPECTED[name]) and result.dropped == 0
    for wav in read_table(tmp_path / "dump" / name / "wav.scp").values():
        info = sf.info(wav)
        assert (info.samplerate, info.channels, info.subtype) == (FS, 1, "PCM_16")
        assert info.frames > FS // 4  # speech, not an empty decode


def test_skipped_rows_are_reported(releases, tmp_path):
    out = tmp_path / "cv"
    assert prepare(args_for(releases)["test_commonvoice_en"] + ["--outdir", str(out)]) == 0
    report = (out / REPORT).read_text()
    assert "1 skipped" in report and "empty_text\tcommon_voice_en_103\t" in report and "test.tsv:4" in report
    out = tmp_path / "fl"
    assert prepare(args_for(releases)["test_fleurs_en_it"] + ["--outdir", str(out)]) == 0
    assert "no_translation\t14\t" in (out / REPORT).read_text()


def test_missing_audio_stops_or_is_skipped(releases, tmp_path, capsys):
    root = tmp_path / "LibriSpeech"
    d = root / "test-clean" / "1" / "2"
    audio(d / "1-2-0000.flac", "one", "en")
    lines(d / "1-2.trans.txt", ["1-2-0000 ONE", "1-2-0001 TWO"])
    out = tmp_path / "out"
    assert prepare(["--corpus", "librispeech", "--root", str(root), "--outdir", str(out)]) == 1
    err = capsys.readouterr().err
    assert "1 of 2 audio files are missing" in err and "1-2-0001.flac" in err
    assert not out.exists()
    assert prepare(["--corpus", "librispeech", "--root", str(root), "--outdir", str(out),
                    "--allow_missing_audio", "true"]) == 0
    assert list(read_table(out / "text")) == ["1-2-0000"]
    assert "missing_audio\t1-2-0001\t" in (out / REPORT).read_text()


def test_broken_release_names_file_and_line(tmp_path, capsys):
    cv = tmp_path / "cv"
    (cv / "clips").mkdir(parents=True)
    lines(cv / "test.tsv", [CV_HEADER, "c\ta.mp3\tok\t1\t0\t\t\t\ten\t", "c\tb.mp3\ttoo\tmany\t1\t0\t\t\t\ten\t\tx"])
    assert prepare(["--corpus", "commonvoice", "--root", str(cv), "--outdir", str(tmp_path / "o")]) == 1
    assert f"{cv / 'test.tsv'}:3: 12 fields where the header" in capsys.readouterr().err
    lines(tmp_path / "mls" / "test" / "transcripts.txt", ["1_2_3\tfine", "no tab here"])
    assert prepare(["--corpus", "mls", "--root", str(tmp_path / "mls"), "--outdir", str(tmp_path / "o")]) == 1
    assert "transcripts.txt:2: expected `<spk>_<book>_<seg>\\t<transcript>`" in capsys.readouterr().err
    assert prepare(["--corpus", "voxpopuli", "--root", str(tmp_path), "--lang", "it",
                    "--outdir", str(tmp_path / "o")]) == 1
    assert "transcribed_data/it/asr_test.tsv: not found" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_finished_set_is_skipped(releases, tmp_path, capsys):
    out = tmp_path / "ls"
    a = args_for(releases)["test_librispeech_other"] + ["--outdir", str(out)]
    assert prepare(a) == 0
    before = (out / "text").read_bytes()
    (out / "text").write_text("changed\n")  # a rerun must not rebuild a finished dir
    assert prepare(a) == 0 and "complete (same options), skipped" in capsys.readouterr().err
    assert (out / "text").read_text() == "changed\n" and before
    # Other options: refused before the release is read, naming what differs.
    assert prepare(a + ["--allow_missing_audio", "true"]) == 1
    err = capsys.readouterr().err
    assert "allow_missing_audio: False then, True now" in err and f"Remove {out}" in err
