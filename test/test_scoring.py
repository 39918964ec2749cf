"""Scoring users can analyse (fama_espnet/metrics.py, bin/score.py, bin/results.py): jiwer's
alignments checked against a hand-computed one in sclite's formats, the WER numbers
consistent with the counts, sacrebleu signatures and the environment block in RESULTS.md."""
import subprocess
from pathlib import Path

import sacrebleu
import torchaudio
import yaml

from fama_espnet import metrics, provenance
from fama_espnet.bin.results import main as results
from fama_espnet.bin.score import main as score
from fama_espnet.files import DONE_MARK

REFS = {"u1": "the red cat sleeps on table", "u2": "dove è il vecchio mercato", "u3": "she opens the door",
        "u4": "we drink water"}
HYPS = {"u1": "the red dog sleeps on the table", "u2": "dove il vecchio mercato", "u3": "she opens the door",
        "u4": "we drink cold water now"}
GROUPS = {"u1": "en", "u2": "it", "u3": "en", "u4": "en"}
SPK = {"u1": "spk_en", "u2": "spk_it", "u3": "spk_en", "u4": "spk_en"}

# By hand: u1 S(cat->dog) I(the); u2 D(è); u3 all correct; u4 I(cold) I(now).
RESULT_TXT = """\
SYSTEM SUMMARY PERCENTAGES by SPEAKER (raw; groups are languages or directions)

| SPKR       |  # Snt   # Wrd |   Corr    Sub    Del    Ins    Err  S.Err |
|-------------------------------------------------------------------------|
| en         |      3      13 |   92.3    7.7    0.0   23.1   30.8   66.7 |
| it         |      1       5 |   80.0    0.0   20.0    0.0   20.0  100.0 |
| Sum/Avg    |      4      18 |   88.9    5.6    5.6   16.7   27.8   75.0 |


DUMP OF SYSTEM ALIGNMENT STRUCTURE

id: (spk_en-u1)
Scores: (#C #S #D #I) 5 1 0 1
REF:  the red CAT sleeps on *** table
HYP:  the red DOG sleeps on THE table
Eval:         S             I

id: (spk_it-u2)
Scores: (#C #S #D #I) 4 0 1 0
REF:  dove È il vecchio mercato
HYP:  dove * il vecchio mercato
Eval:      D

id: (spk_en-u3)
Scores: (#C #S #D #I) 4 0 0 0
REF:  she opens the door
HYP:  she opens the door
Eval:

id: (spk_en-u4)
Scores: (#C #S #D #I) 3 0 0 2
REF:  we drink **** water ***
HYP:  we drink COLD water NOW
Eval:          I          I
"""


def test_sclite_files_match_a_hand_computed_alignment(tmp_path):
    total = metrics.write_sclite(tmp_path, REFS, HYPS, GROUPS, SPK, "raw")
    assert (tmp_path / "ref.trn").read_text().splitlines()[0] == "the red cat sleeps on table\t(spk_en-u1)"
    assert (tmp_path / "hyp.trn").read_text().splitlines()[3] == "we drink cold water now\t(spk_en-u4)"
    assert (tmp_path / "result.txt").read_text() == RESULT_TXT
    assert total == {"sentences": 4, "words": 18, "corr": 16, "sub": 1, "del": 1, "ins": 3, "err": 5, "s_err": 3}


def test_an_empty_reference_is_all_insertions():
    a, = metrics.align([""], ["x y"])
    assert a.ops == [("I", None, "x"), ("I", None, "y")] and a.words == 0


def test_wer_is_the_counts_and_the_edit_distance():
    refs = [r for r in REFS.values()] + ["a b c d e", "a a b b"]
    hyps = [h for h in HYPS.values()] + ["e d c b a", "b b a a a"]
    c = metrics.counts(metrics.align(refs, hyps))
    distance = sum(torchaudio.functional.edit_distance(r.split(), h.split()) for r, h in zip(refs, hyps))
    assert c["err"] == c["sub"] + c["del"] + c["ins"] == distance
    assert c["corr"] + c["sub"] + c["del"] == c["words"] == sum(len(r.split()) for r in refs)
    assert metrics.wer(refs, hyps)["wer"] == 100.0 * distance / c["words"]


def data_dir(root: Path, refs: dict, table: str) -> Path:
    root.mkdir(parents=True)
    rows = {table: refs, "utt2lang": {u: GROUPS[u] for u in refs}, "utt2spk": SPK,
            "utt2tgtlang": {u: "it" if GROUPS[u] == "en" else "en" for u in refs}}
    for name, r in rows.items():
        (root / name).write_text("".join(f"{u} {r[u]}\n" for u in sorted(refs)))
    return root


def test_score_cli_writes_counts_alignments_and_signatures(tmp_path):
    asr = tmp_path / "exp" / "s2t_step2" / "decode_fama_model.pth" / "test_asr"
    asr.mkdir(parents=True)
    (asr / "text").write_text("".join(f"{u} {h}\n" for u, h in HYPS.items()))
    refs = {**REFS, "u1": "The red cat, sleeps on table."}  # normalisation removes case and punctuation
    score(["--data", str(data_dir(tmp_path / "asr", refs, "text")), "--task", "asr", "--decode_dir", str(asr)])
    s = yaml.safe_load((asr / "scores.yaml").read_text())
    for group in ("all", "en", "it"):
        for key in ("wer", "wer_raw"):
            c = s[group][f"{key}_counts"]
            assert s[group][key] == round(100.0 * c["err"] / c["words"], 2)
    assert s["all"]["wer_counts"]["err"] == 5 and s["all"]["wer_raw_counts"]["err"] == 7  # The, sleeps.
    assert (asr / "score_wer" / "result.txt").read_text().split("DUMP")[1] == RESULT_TXT.split("DUMP")[1]
    assert "| Sum/Avg    |      4      18 |   88.9    5.6    5.6   16.7   27.8   75.0 |" in \
        (asr / "score_wer" / "result.txt").read_text()
    assert "REF:  THE red CAT, sleeps on *** TABLE." in (asr / "score_wer_raw" / "result.txt").read_text()

    st = asr.parent / "test_st"
    st.mkdir()
    (st / "text").write_text("".join(f"{u} {h}\n" for u, h in HYPS.items()))
    score(["--data", str(data_dir(tmp_path / "st", REFS, "text_tgt")), "--task", "st", "--decode_dir", str(st)])
    s = yaml.safe_load((st / "scores.yaml").read_text())
    ids = sorted(REFS)
    bleu = sacrebleu.BLEU()
    assert s["all"]["bleu"] == round(bleu.corpus_score([HYPS[u] for u in ids], [[REFS[u] for u in ids]]).score, 2)
    assert s["all"]["bleu_signature"] == str(bleu.get_signature()) == \
        f"nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:{sacrebleu.__version__}"
    assert s["en-it"]["chrf_signature"].startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no")

    # RESULTS.md: the counts and signatures in the tables, the environment above them.
    for d in (asr, st):
        (d / DONE_MARK).write_text(provenance.stamp({"model": ["/m/model.pth (1 bytes)"],
                                                     "decoding": {"beam_size": 5}}))
    results(["--exp_dir", str(tmp_path / "exp"), "--command", "./run.sh --stage 11",
             "--exp_root", str(tmp_path / "exp")])
    md = (tmp_path / "exp" / "RESULTS.md").read_text()
    assert "| test | ASR | all | WER 27.8 (raw 38.9) | 4 | 88.9 / 5.6 / 5.6 / 16.7 / 75.0 |" in md
    assert "| test | ST | en-it | BLEU" in md
    assert f"BLEU signature: `{s['all']['bleu_signature']}`" in md and "chrF signature: `nrefs:1" in md
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                          cwd=Path(__file__).parent).stdout.strip()
    env = md.split("## Environment")[1].split("###")[0]
    for line in ("- command: `./run.sh --stage 11`", "- python: 3.", "- torch ", "espnet 202611",
                 f"- fama_espnet 0.1.0, git commit {head}"):
        assert line in env
