"""The filtering stage on a formatted data dir."""
import numpy as np
import soundfile as sf

from fama_espnet.bin.filter_data import main
from fama_espnet.data import speech_format
from fama_espnet.data.kaldi_dir import Utterance, read_table, write_kaldi_dir, write_table
from fama_espnet.data.problems import ProblemLog

SECONDS = {"ok": 3.0, "edge": 30.0, "long": 31.0, "short": 0.05, "emptytgt": 2.0, "wordy": 2.0}


def formatted_dir(tmp_path):
    """A data dir as format_data leaves it: wavs, tables, feats_type and speech_shape (frames)."""
    wav = tmp_path / "ok.wav"
    sf.write(wav, np.zeros(16000, dtype=np.int16), 16000, subtype="PCM_16")
    utts = [Utterance(u, str(wav), "one two three four five six" if u == "wordy" else "hello there",
                      "en", f"spk_{u}", "" if u == "emptytgt" else "ciao", "it") for u in SECONDS]
    src = tmp_path / "formatted"
    write_kaldi_dir(src, utts)
    speech_format.record(src, speech_format.WAVEFORM)
    speech_format.write_shapes(src, {u: int(s * 100) for u, s in SECONDS.items()})
    with open(src / "wav.scp", "a") as f:
        f.write(f"noshape {wav}\n")
    return src


def test_drops_by_length_and_text(tmp_path, capsys):
    src, dst = formatted_dir(tmp_path), tmp_path / "filtered"
    assert main(["--src", str(src), "--dst", str(dst), "--max_text_tokens", "5"]) == 0
    kept = {"ok", "edge"}
    for name in ("wav.scp", "text", "text_tgt", "utt2lang", "utt2tgtlang", "utt2spk", "speech_shape"):
        assert set(read_table(dst / name)) == kept, name
    assert read_table(dst / "spk2utt") == {"spk_edge": "edge", "spk_ok": "ok"}
    assert read_table(dst / "wav.scp")["ok"] == read_table(src / "wav.scp")["ok"]
    assert ProblemLog.read(dst / "filter_report.txt") == {
        "no_shape": {"noshape": ""}, "too_long": {"long": "31.00 s"}, "too_short": {"short": "0.05 s"},
        "empty_text": {"emptytgt": "text_tgt", "noshape": "text"},
        "too_many_tokens": {"wordy": "text: 6"},
    }
    assert "2 of 7 utterances kept, 5 dropped" in capsys.readouterr().err

    stamp = (dst / "filter_report.txt").stat().st_mtime_ns
    assert main(["--src", str(src), "--dst", str(dst), "--max_text_tokens", "5"]) == 0
    assert "skipped" in capsys.readouterr().err
    assert (dst / "filter_report.txt").stat().st_mtime_ns == stamp
    # Another option on a finished dir: refused, naming the option and the dir to remove.
    assert main(["--src", str(src), "--dst", str(dst), "--max_text_tokens", "5", "--max_seconds", "20"]) == 1
    err = capsys.readouterr().err
    assert "max_seconds: 30.0 then, 20.0 now" in err and f"Remove {dst.resolve()}" in err
    assert (dst / "filter_report.txt").stat().st_mtime_ns == stamp


def test_nothing_left_fails_without_dst(tmp_path, capsys):
    src, dst = formatted_dir(tmp_path), tmp_path / "filtered"
    assert main(["--src", str(src), "--dst", str(dst), "--max_seconds", "0.01"]) == 1
    assert "no utterance" in capsys.readouterr().err
    assert not dst.exists() and not (tmp_path / "filtered.tmp").exists()


def test_unformatted_dir_is_refused(tmp_path, capsys):
    src = tmp_path / "raw"
    src.mkdir()
    write_table(src / "wav.scp", {"a": "a.wav"})
    assert main(["--src", str(src), "--dst", str(tmp_path / "out")]) == 1
    assert "no feats_type: not a formatted data dir" in capsys.readouterr().err
