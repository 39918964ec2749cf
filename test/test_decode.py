"""bin/decode's ESPnet-style outputs (text, token, token_int, score, <k>best_recog/) and
bin/merge_decodes joining all of them from job-parallel parts."""
import shutil

import soundfile as sf
import yaml

from fama_espnet.bin.decode import main as decode
from fama_espnet.bin.merge_decodes import main as merge
from fama_espnet.data.kaldi_dir import read_table
from fama_espnet.data.split_data import split_data
from fama_espnet.inference import FamaSpeech2Text

FILES = ("text", "token", "token_int", "score")


def small_dir(corpus, root, n=3):
    root.mkdir()
    keep = sorted(read_table(corpus[0] / "wav.scp"))[:n]
    for name in ("wav.scp", "text", "text_tgt", "utt2lang", "utt2tgtlang", "utt2spk", "speech_shape"):
        rows = read_table(corpus[0] / name)
        (root / name).write_text("".join(f"{u} {rows[u]}\n" for u in keep))
    return root, keep


def test_nbest_outputs_are_the_searchs_and_merge_joins_every_file(corpus, tiny_exp, tmp_path):
    data, utts = small_dir(corpus, tmp_path / "data")
    config = tmp_path / "decode.yaml"
    config.write_text("max_len: 8\nbeam_size: 3\n")
    split_data(data, 2, tmp_path / "split")
    out = tmp_path / "dec"
    parts = [out / "logdir" / f"output.{j}" for j in (1, 2)]
    for j, part in enumerate(parts, 1):
        assert decode(["--model", str(tiny_exp), "--data", str(tmp_path / "split" / str(j)), "--task", "st",
                       "--output", str(part), "--config", str(config), "--nbest", "2"]) == 0
    assert merge(["--parts", *map(str, parts), "--data", str(data), "--output", str(out)]) == 0

    s2t = FamaSpeech2Text.from_pretrained(tiny_exp, max_len=8, beam_size=3, nbest=2)
    wavs = read_table(data / "wav.scp")
    langs = read_table(data / "utt2tgtlang")
    expected = {u: s2t(sf.read(wavs[u], dtype="float32")[0], langs[u]) for u in utts}
    tables = {f: read_table(out / f) for f in FILES}
    for u in utts:
        best = expected[u][0]
        assert tables["text"][u] == best.text and tables["token"][u].split() == best.tokens
        assert [int(t) for t in tables["token_int"][u].split()] == best.token_ids
        assert abs(float(tables["score"][u]) - best.score) < 1e-5
        for k in (1, 2):
            kbest = {f: read_table(out / f"{k}best_recog" / f) for f in FILES}
            assert kbest["token_int"][u].split() == [str(t) for t in expected[u][k - 1].token_ids]
            assert kbest["text"][u] == expected[u][k - 1].text
        assert (float(read_table(out / "1best_recog" / "score")[u])
                >= float(read_table(out / "2best_recog" / "score")[u]))
    assert yaml.safe_load((out / ".done").read_text())["nbest"] == 2
    # --nbest is part of what the decode was made from.
    args = ["--model", str(tiny_exp), "--data", str(data), "--task", "st", "--output", str(out),
            "--config", str(config)]
    assert decode(args + ["--nbest", "2", "--check"]) == 0
    assert decode(args + ["--check"]) == 1 and decode(args + ["--nbest", "3", "--check"]) == 1
    # Long-form options are not: a segmented decode never reads them.
    assert decode(args + ["--nbest", "2", "--max_piece_s", "8", "--merge_regions", "false", "--check"]) == 0

    # A part without one of the files is refused, naming what each holds.
    (parts[1] / "token").unlink()
    assert merge(["--parts", *map(str, parts), "--data", str(data), "--output", str(tmp_path / "m")]) == 1


def test_without_nbest_only_the_best_is_written(corpus, tiny_exp, tmp_path):
    data, utts = small_dir(corpus, tmp_path / "data", 1)
    out = tmp_path / "dec"
    config = tmp_path / "decode.yaml"
    config.write_text("max_len: 6\n")
    assert decode(["--model", str(tiny_exp), "--data", str(data), "--task", "asr", "--output", str(out),
                   "--config", str(config)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [".done", "score", "text", "token", "token_int"]
    shutil.rmtree(out)
