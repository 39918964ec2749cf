"""Score one decoding: `python -m fama_espnet.bin.score --data D --task asr|st --decode_dir OUT`.
Writes OUT/scores.yaml (WER raw + normalised for ASR, each with its Corr/Sub/Del/Ins/Err/
S.Err counts; BLEU + chrF with their sacrebleu signatures for ST), for all utterances and
per language (ASR) or direction (ST, e.g. en-it), and per language and category when the
data dir has a `utt2category` (e.g. "en held_out_voice"). ASR also writes sclite's files
(ref.trn, hyp.trn, result.txt: every utterance's alignment and a summary per language)
under OUT/score_wer (normalised text, the WER reported) and OUT/score_wer_raw."""
import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

import yaml

from fama_espnet.cli import fail
from fama_espnet.data.kaldi_dir import read_table
from fama_espnet.files import write_text
from fama_espnet.metrics import normalize, score_groups, write_sclite


def _score(a: argparse.Namespace) -> dict:
    """Scores of the decode (written beside it), by language (pair) and category."""
    refs = read_table(a.data / ("text" if a.task == "asr" else "text_tgt"))
    src = read_table(a.data / "utt2lang")
    if a.task == "asr":
        groups = {u: src[u] for u in refs}
    else:
        tgt = read_table(a.data / "utt2tgtlang")
        groups = {u: f"{src[u]}-{tgt[u]}" for u in refs}
    hyps = read_table(a.decode_dir / "text")
    scores = score_groups(refs, hyps, a.task, groups)
    if (a.data / "utt2category").is_file():  # e.g. the mini corpus's held-out voices, scored apart
        category = read_table(a.data / "utt2category")
        by_category = score_groups(refs, hyps, a.task, {u: f"{groups[u]} {category.get(u, '-')}" for u in refs})
        scores.update({g: s for g, s in by_category.items() if g != "all"})
    if a.task == "asr":
        spk = read_table(a.data / "utt2spk") if (a.data / "utt2spk").is_file() else None
        write_sclite(a.decode_dir / "score_wer", {u: normalize(refs[u]) for u in refs},
                     {u: normalize(hyps[u]) for u in refs}, groups, spk, "normalised: lower case, no punctuation")
        write_sclite(a.decode_dir / "score_wer_raw", refs, hyps, groups, spk, "raw text")
    write_text(a.decode_dir / "scores.yaml", yaml.safe_dump(scores, sort_keys=False))
    return scores


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", required=True, type=Path)
    p.add_argument("--task", choices=["asr", "st"], required=True)
    p.add_argument("--decode_dir", required=True, type=Path)
    a = p.parse_args(argv)
    try:
        scores = _score(a)
    except (ValueError, FileNotFoundError) as e:  # a missing or incomplete table
        return fail("score", e)
    except KeyError as e:
        return fail("score", f"{a.data}: utterance {e} has no language (utt2lang / utt2tgtlang)")
    print(f"{a.decode_dir}: {scores['all']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
