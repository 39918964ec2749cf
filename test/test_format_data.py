"""The formatting stage on real audio files with every kind of data problem injected."""
from pathlib import Path
from typing import Dict, Set

import numpy as np
import pytest
import soundfile as sf

from fama_espnet.bin.format_data import main
from fama_espnet.data.kaldi_dir import read_table, write_table
from fama_espnet.data.problems import ProblemLog
from fama_espnet.data.speech_format import frames_of_samples

RNG = np.random.default_rng(0)


def tone(seconds: float, rate: int, channels: int = 1) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    x = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.01 * RNG.standard_normal(len(t))
    return x if channels == 1 else np.stack([x * (c + 1) / channels for c in range(channels)], axis=1)


def check_wavs(dst: Path, expected: Set[str]) -> Dict[str, np.ndarray]:
    """Asserts dst's wav.scp, speech_shape and text tables hold exactly `expected`, all
    16 kHz mono 16-bit wavs of the listed length; returns their samples."""
    wavs, shapes = read_table(dst / "wav.scp"), read_table(dst / "speech_shape")
    assert set(wavs) == set(shapes) == set(read_table(dst / "text")) == set(read_table(dst / "utt2spk")) == expected
    samples = {}
    for utt, path in wavs.items():
        assert Path(path).is_absolute() and Path(path).is_relative_to(dst)
        info = sf.info(path)
        assert (info.samplerate, info.channels, info.subtype, info.format) == (16000, 1, "PCM_16", "WAV")
        assert frames_of_samples(info.frames) == int(shapes[utt])  # speech_shape counts 10 ms frames
        samples[utt] = sf.read(path, dtype="int16")[0]
    return samples


@pytest.fixture
def corpus(tmp_path):
    """src data dir with one utterance per problem, and the utterances that must survive."""
    w = tmp_path / "audio"
    w.mkdir()
    sf.write(w / "good.wav", tone(1.0, 16000), 16000, subtype="PCM_16")
    sf.write(w / "rate8k.wav", tone(1.0, 8000), 8000, subtype="PCM_16")
    sf.write(w / "rate44k.wav", tone(0.5, 44100), 44100, subtype="PCM_16")
    sf.write(w / "stereo.wav", tone(1.0, 16000, channels=2), 16000, subtype="PCM_16")
    sf.write(w / "flac.flac", tone(0.5, 16000), 16000, format="FLAC")
    sf.write(w / "zero.wav", np.zeros(0), 16000, subtype="PCM_16")
    (w / "corrupt.wav").write_bytes(b"RIFF\x00\x00garbage" * 40)
    streamed = bytearray((w / "good.wav").read_bytes())  # as a tool streaming to a pipe writes it:
    streamed[4:8] = streamed[40:44] = bytes(4)  # no RIFF or data size
    (w / "streamed.wav").write_bytes(bytes(streamed))
    (w / "empty.wav").write_bytes(b"")
    audio = {
        "good": w / "good.wav", "rate8k": w / "rate8k.wav", "rate44k": w / "rate44k.wav",
        "stereo": w / "stereo.wav", "flac": w / "flac.flac", "zero": w / "zero.wav",
        "corrupt": w / "corrupt.wav", "empty": w / "empty.wav", "missing": w / "nope.wav",
        "pipe": f"cat {w / 'good.wav'} |", "badpipe": f"cat {w / 'nope.wav'} |",
        "streamed": f"cat {w / 'streamed.wav'} |",
        "emptytext": w / "good.wav", "notext": w / "good.wav", "unknownlang": w / "good.wav",
        "nolang": w / "good.wav", "notrans": w / "good.wav", "notgtlang": w / "good.wav",
    }
    src = tmp_path / "data"
    src.mkdir()
    ids = list(audio) + ["noaudio"]
    write_table(src / "wav.scp", {u: str(p) for u, p in audio.items()})
    write_table(src / "text", {u: "" if u == "emptytext" else f"words of {u}" for u in ids if u != "notext"})
    write_table(src / "text_tgt", {u: f"parole di {u}" for u in ids if u != "notrans"})
    write_table(src / "utt2lang", {u: "de" if u == "unknownlang" else "en" for u in ids if u != "nolang"})
    write_table(src / "utt2tgtlang", {u: "it" for u in ids if u != "notgtlang"})
    write_table(src / "utt2spk", {u: "spk1" for u in ids if u != "good"})
    with open(src / "text", "a") as f:  # an id twice: neither copy can be trusted
        f.write("dup first\ndup second\n")
    with open(src / "wav.scp", "a") as f:
        f.write(f"dup {w / 'good.wav'}\n")
    kept = {"good", "rate8k", "rate44k", "stereo", "flac", "pipe", "streamed"}
    return src, kept


def test_every_problem_is_reported_and_only_usable_audio_kept(corpus, tmp_path, capsys):
    src, kept = corpus
    dst = tmp_path / "dump" / "train"
    assert main(["--src", str(src), "--dst", str(dst), "--progress", "false"]) == 0

    samples = check_wavs(dst, kept)
    assert len(samples["rate8k"]) == 16000 and len(samples["rate44k"]) == 8000
    good = sf.read(src.parent / "audio" / "good.wav", dtype="int16")[0]
    assert np.array_equal(samples["good"], good) and np.array_equal(samples["pipe"], good)
    assert np.array_equal(samples["streamed"], good)
    stereo = sf.read(src.parent / "audio" / "stereo.wav")[0]
    assert np.abs(samples["stereo"] / 32768 - stereo.mean(axis=1)).max() < 1e-4
    for name in ("text_tgt", "utt2lang", "utt2tgtlang"):
        assert set(read_table(dst / name)) == kept
    assert read_table(dst / "utt2spk")["good"] == "good"  # no speaker given: the utterance is its own
    assert read_table(dst / "spk2utt") == {"good": "good", "spk1": "flac pipe rate44k rate8k stereo streamed"}

    report = ProblemLog.read(dst / "format_report.txt")
    expected = {
        "duplicate_id": {"dup"}, "no_audio_entry": {"noaudio"}, "no_transcript": {"notext"},
        "empty_transcript": {"emptytext"}, "missing_src_lang": {"nolang"},
        "unknown_language": {"unknownlang"}, "missing_translation": {"notrans"},
        "missing_tgt_lang": {"notgtlang"}, "missing_audio": {"missing"},
        "unreadable_audio": {"corrupt", "badpipe"}, "empty_audio": {"zero", "empty"},
        "resampled": {"rate8k", "rate44k"}, "downmixed": {"stereo"}, "reencoded": {"flac"},
    }
    assert {name: set(utts) for name, utts in report.items()} == expected
    assert report["resampled"] == {"rate8k": "8000 Hz", "rate44k": "44100 Hz"}
    assert report["unknown_language"]["unknownlang"] == "source de"
    text = (dst / "format_report.txt").read_text()
    assert "utterances in input: 20" in text and "kept:                7 (converted: 4)" in text
    assert "dropped:             13" in text
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "7 of 20 utterances kept, 13 dropped" in err and "4 converted (resampled 2" in err


def test_rerun_skips_and_unfinished_dst_is_replaced(corpus, tmp_path, capsys):
    src, kept = corpus
    dst = tmp_path / "dst"
    assert main(["--src", str(src), "--dst", str(dst), "--progress", "false"]) == 0
    report = dst / "format_report.txt"
    stamp = report.stat().st_mtime_ns
    assert main(["--src", str(src), "--dst", str(dst), "--progress", "false"]) == 0
    assert "skipped" in capsys.readouterr().err
    assert report.stat().st_mtime_ns == stamp

    (dst / ".done").unlink()  # as if the stage had never finished: it is redone
    (dst / "stale").write_text("from an older run")
    assert main(["--src", str(src), "--dst", str(dst), "--progress", "false"]) == 0
    assert not (dst / "stale").exists() and (dst / ".done").exists()
    check_wavs(dst, kept)


def test_no_usable_utterance_fails_and_leaves_no_dst(tmp_path, capsys):
    src = tmp_path / "broken"
    src.mkdir()
    write_table(src / "wav.scp", {"a": str(tmp_path / "nope.wav"), "b": str(tmp_path / "nope2.wav")})
    write_table(src / "text", {"a": "hello", "b": "world"})
    write_table(src / "utt2lang", {"a": "en", "b": "en"})
    dst = tmp_path / "dst"
    (tmp_path / "dst.tmp").mkdir()  # left by a killed run
    assert main(["--src", str(src), "--dst", str(dst), "--progress", "false"]) == 1
    err = capsys.readouterr().err
    assert "no usable utterance" in err and str(src) in err
    assert not dst.exists() and not (tmp_path / "dst.tmp").exists()
    assert "missing_audio (2)" in (tmp_path / "dst.format_report.txt").read_text()


def test_translations_required(tmp_path):
    src = tmp_path / "asr"
    src.mkdir()
    sf.write(tmp_path / "a.wav", tone(0.3, 16000), 16000, subtype="PCM_16")
    write_table(src / "wav.scp", {"a": str(tmp_path / "a.wav")})
    write_table(src / "text", {"a": "hello"})
    args = ["--src", str(src), "--progress", "false", "--src_lang", "it"]
    assert main(args + ["--dst", str(tmp_path / "st"), "--require_translation", "true"]) == 1
    assert main(args + ["--dst", str(tmp_path / "ok")]) == 0
    assert read_table(tmp_path / "ok" / "utt2lang") == {"a": "it"}
    assert not (tmp_path / "ok" / "text_tgt").exists()
    assert main(["--src", str(src), "--dst", str(tmp_path / "nolang"), "--progress", "false"]) == 1


def test_segments_cut_from_recordings(tmp_path):
    rec = tone(3.0, 16000)
    sf.write(tmp_path / "rec.wav", rec, 16000, subtype="PCM_16")
    sf.write(tmp_path / "rec8k.wav", tone(2.0, 8000, channels=2), 8000, subtype="PCM_16")
    src = tmp_path / "data"
    src.mkdir()
    segments = {"s1": "rec 0.0 1.0", "s2": "rec 1.0 2.5", "s3": "rec 2.8 3.3", "s4": "rec 5 6",
                "s5": "rec 1.0 0.5", "s6": "gone 0 1", "s7": "rec8k 0.5 1.5", "s8": "rec 2.0 -1"}
    write_table(src / "wav.scp", {"rec": f"cat {tmp_path / 'rec.wav'} |", "rec8k": str(tmp_path / "rec8k.wav")})
    write_table(src / "segments", segments)
    write_table(src / "text", {u: "some words" for u in segments})
    write_table(src / "utt2lang", {u: "en" for u in segments})
    dst = tmp_path / "dst"
    assert main(["--src", str(src), "--dst", str(dst), "--progress", "false"]) == 0

    samples = check_wavs(dst, {"s1", "s2", "s3", "s7", "s8"})
    original = sf.read(tmp_path / "rec.wav", dtype="int16")[0]
    assert np.array_equal(samples["s2"], original[16000:40000])
    assert np.array_equal(samples["s3"], original[44800:])
    assert np.array_equal(samples["s8"], original[32000:])
    assert len(samples["s7"]) == 16000
    report = ProblemLog.read(dst / "format_report.txt")
    assert set(report["bad_segment"]) == {"s4", "s5"} and set(report["no_audio_entry"]) == {"s6"}
    assert set(report["segment_truncated"]) == {"s3"}
    assert report["resampled"] == {"s7": "8000 Hz"} and report["downmixed"] == {"s7": "2 channels"}


def test_parallel_workers_give_the_same_output(corpus, tmp_path):
    src, kept = corpus
    one, two = tmp_path / "nj1", tmp_path / "nj2"
    assert main(["--src", str(src), "--dst", str(one), "--progress", "false"]) == 0
    assert main(["--src", str(src), "--dst", str(two), "--progress", "false", "--nj", "2"]) == 0
    for name in ("text", "text_tgt", "speech_shape", "utt2spk", "spk2utt", "format_report.txt"):
        assert (one / name).read_text().replace(str(one), "X") == (two / name).read_text().replace(str(two), "X")
    a, b = check_wavs(one, kept), check_wavs(two, kept)
    assert all(np.array_equal(a[u], b[u]) for u in kept)


def test_extra_languages(corpus, tmp_path):
    src, kept = corpus
    dst = tmp_path / "dst"
    assert main(["--src", str(src), "--dst", str(dst), "--progress", "false", "--languages", "en,it", "de"]) == 0
    assert set(read_table(dst / "wav.scp")) == kept | {"unknownlang"}
