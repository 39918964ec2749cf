"""Splitting data dirs into per-job parts."""
from fama_espnet.bin.split_data import main
from fama_espnet.data.kaldi_dir import read_table, write_table
from fama_espnet.data.split_data import partition


def make_dir(path, n):
    path.mkdir()
    ids = [f"utt{i:02d}" for i in range(n)]
    write_table(path / "wav.scp", {u: f"/audio/{u}.wav" for u in ids})
    write_table(path / "text", {u: f"text {u}" for u in ids})
    write_table(path / "utt2lang", {u: "en" for u in ids})
    write_table(path / "speech_shape", {u: "16000" for u in ids})
    write_table(path / "utt2spk", {u: f"spk{i % 3}" for i, u in enumerate(ids)})
    (path / "format_report.txt").write_text("not a table")
    return ids


def test_balanced_contiguous_parts():
    parts = partition([f"u{i}" for i in range(10)][::-1], 3)
    assert [len(p) for p in parts] == [4, 3, 3]
    assert sum(parts, []) == sorted(f"u{i}" for i in range(10))


def test_split_is_complete_and_idempotent(tmp_path, capsys):
    src = tmp_path / "data"
    ids = make_dir(src, 10)
    assert main(["--src", str(src), "--nj", "3"]) == 0
    out = src / "split3"
    seen = []
    for i in (1, 2, 3):
        part = out / str(i)
        keys = set(read_table(part / "wav.scp"))
        for name in ("text", "utt2lang", "speech_shape", "utt2spk"):
            assert set(read_table(part / name)) == keys
        spk2utt = read_table(part / "spk2utt")
        assert sorted(u for v in spk2utt.values() for u in v.split()) == sorted(keys)
        assert not (part / "format_report.txt").exists()
        seen += sorted(keys)
    assert seen == ids and len(read_table(out / "1" / "text")) == 4

    stamp = (out / "1" / "text").stat().st_mtime_ns
    assert main(["--src", str(src), "--nj", "3"]) == 0
    assert "already there" in capsys.readouterr().err
    assert (out / "1" / "text").stat().st_mtime_ns == stamp

    write_table(src / "wav.scp", {u: f"/audio/{u}.wav" for u in ids[:7]})  # the data changed: redone
    assert main(["--src", str(src), "--nj", "3"]) == 0
    assert [len(read_table(out / str(i) / "wav.scp")) for i in (1, 2, 3)] == [3, 2, 2]


def test_segments_keep_their_recordings(tmp_path):
    src = tmp_path / "data"
    src.mkdir()
    write_table(src / "wav.scp", {"recA": "/a.wav", "recB": "/b.wav"})
    write_table(src / "segments", {"a1": "recA 0 1", "a2": "recA 1 2", "b1": "recB 0 1", "b2": "recB 1 2"})
    write_table(src / "text", {u: "x" for u in ("a1", "a2", "b1", "b2")})
    assert main(["--src", str(src), "--nj", "2", "--outdir", str(tmp_path / "parts")]) == 0
    assert set(read_table(tmp_path / "parts" / "1" / "wav.scp")) == {"recA"}
    assert set(read_table(tmp_path / "parts" / "2" / "segments")) == {"b1", "b2"}


def test_more_jobs_than_utterances_fails(tmp_path, capsys):
    src = tmp_path / "data"
    make_dir(src, 2)
    assert main(["--src", str(src), "--nj", "3"]) == 1
    assert "into 3 parts" in capsys.readouterr().err
    assert not (src / "split3").exists()
