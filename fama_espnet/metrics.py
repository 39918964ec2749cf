"""WER (raw and normalised) with per-utterance alignments, and BLEU/chrF (sacrebleu) with
their signatures, over Kaldi-style text tables.

Word alignments are jiwer's (a minimum edit distance alignment), so a WER's errors are
Sub + Del + Ins of the same alignment the per-utterance report shows. `write_sclite`
writes what sclite would be given and what it reports: `ref.trn`/`hyp.trn` (`words
(spk-utt)`), and `result.txt` with sclite's per-utterance alignment (`Scores: (#C #S #D
#I)`, REF/HYP/Eval lines: errors upper case, `***` for the missing side, S/D/I under
each error) and a summary table of Corr Sub Del Ins Err S.Err per group.
"""
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import jiwer
import sacrebleu

from fama_espnet.files import write_text

_PUNCT = re.compile(r"[^\w\s']|_", re.UNICODE)


def normalize(text: str) -> str:
    """Lower case, punctuation removed (apostrophes kept: "dov'è"), spaces squeezed."""
    text = unicodedata.normalize("NFC", text).lower()
    return " ".join(_PUNCT.sub(" ", text).split())


@dataclass
class Alignment:
    """One utterance's word alignment: (op, ref word, hyp word) with op one of
    C(orrect), S(ubstitution), D(eletion), I(nsertion); the missing side is None."""
    ops: List[Tuple[str, Optional[str], Optional[str]]] = field(default_factory=list)

    def count(self, op: str) -> int:
        return sum(o == op for o, _, _ in self.ops)

    @property
    def words(self) -> int:
        return sum(o != "I" for o, _, _ in self.ops)

    @property
    def errors(self) -> int:
        return sum(o != "C" for o, _, _ in self.ops)


_OPS = {"equal": "C", "substitute": "S", "delete": "D", "insert": "I"}


def align(refs: List[str], hyps: List[str]) -> List[Alignment]:
    """Word alignments of each (ref, hyp) pair (words split on whitespace)."""
    out = [Alignment() for _ in refs]
    # jiwer refuses an empty reference: its alignment is all insertions.
    idx = [i for i, r in enumerate(refs) if r.split()]
    for i in sorted(set(range(len(refs))) - set(idx)):
        out[i].ops = [("I", None, w) for w in hyps[i].split()]
    if idx:
        w = jiwer.process_words([" ".join(refs[i].split()) for i in idx], [" ".join(hyps[i].split()) for i in idx])
        for i, r, h, chunks in zip(idx, w.references, w.hypotheses, w.alignments):
            for c in chunks:
                op = _OPS[c.type]
                rw, hw = r[c.ref_start_idx:c.ref_end_idx], h[c.hyp_start_idx:c.hyp_end_idx]
                n = max(len(rw), len(hw))
                out[i].ops += [(op, rw[k] if k < len(rw) else None, hw[k] if k < len(hw) else None) for k in range(n)]
    return out


def counts(alignments: List[Alignment]) -> Dict[str, int]:
    """sclite's counts: sentences, reference words, Corr Sub Del Ins, Err = S + D + I,
    S.Err = sentences with any error."""
    c = {k: sum(a.count(op) for a in alignments) for k, op in (("corr", "C"), ("sub", "S"), ("del", "D"), ("ins", "I"))}
    return {"sentences": len(alignments), "words": sum(a.words for a in alignments), **c,
            "err": c["sub"] + c["del"] + c["ins"], "s_err": sum(a.errors > 0 for a in alignments)}


def wer(refs: List[str], hyps: List[str]) -> Dict[str, float]:
    c = counts(align(refs, hyps))
    return {"wer": 100.0 * c["err"] / max(1, c["words"]), "errors": c["err"], "words": c["words"]}


def score_groups(refs: Dict[str, str], hyps: Dict[str, str], task: str,
                 groups: Dict[str, str]) -> Dict[str, Dict[str, float]]:
    """Scores of all utterances ("all") and of each group (e.g. "en", "en-it")."""
    out = {"all": score_table(refs, hyps, task)}
    for g in sorted(set(groups[u] for u in refs)):
        ids = [u for u in refs if groups[u] == g]
        out[g] = score_table({u: refs[u] for u in ids}, hyps, task)
    return out


def _check(refs: Dict[str, str], hyps: Dict[str, str]) -> List[str]:
    missing = sorted(set(refs) - set(hyps))
    if missing:
        raise ValueError(f"{len(missing)} utterances have no hypothesis, e.g. {missing[:5]}")
    return sorted(refs)


def score_table(refs: Dict[str, str], hyps: Dict[str, str], task: str) -> Dict[str, float]:
    """ASR: `wer` (normalised) and `wer_raw`, each with its sclite counts (`wer_counts`,
    `wer_raw_counts`: wer = 100 x err / words). ST: `bleu`, `chrf` and their sacrebleu
    signatures."""
    ids = _check(refs, hyps)
    r, h = [refs[u] for u in ids], [hyps[u] for u in ids]
    out = {"utterances": len(ids)}
    if task == "asr":
        raw, norm = counts(align(r, h)), counts(align([normalize(x) for x in r], [normalize(x) for x in h]))
        out.update(wer_raw=100.0 * raw["err"] / max(1, raw["words"]), wer=100.0 * norm["err"] / max(1, norm["words"]),
                   wer_counts=norm, wer_raw_counts=raw)
    else:
        bleu, chrf = sacrebleu.BLEU(), sacrebleu.CHRF()
        out.update(bleu=bleu.corpus_score(h, [r]).score, chrf=chrf.corpus_score(h, [r]).score,
                   bleu_signature=str(bleu.get_signature()), chrf_signature=str(chrf.get_signature()))
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in out.items()}


# ---- sclite-compatible files -------------------------------------------------------------

def trn_id(utt: str, spk: Optional[str]) -> str:
    """sclite's utterance id: `(spk-utt)` as ESPnet writes it (sclite reads the speaker
    before the first '-'), `(utt)` without a speaker."""
    return f"({spk}-{utt})" if spk else f"({utt})"


def alignment_lines(a: Alignment) -> List[str]:
    """sclite's REF/HYP/Eval lines: correct words lower case, errors upper case, `***`
    on the missing side, columns as wide as their longest word."""
    ref, hyp, ev = ["REF: "], ["HYP: "], ["Eval:"]
    for op, r, h in a.ops:
        r, h = [None if x is None else (x.lower() if op == "C" else x.upper()) for x in (r, h)]
        w = max(len(r or ""), len(h or ""))
        ref.append((r or "*" * w).ljust(w))
        hyp.append((h or "*" * w).ljust(w))
        ev.append(("" if op == "C" else op).ljust(w))
    return [" ".join(x).rstrip() for x in (ref, hyp, ev)]


def summary_lines(rows: Dict[str, Dict[str, int]]) -> List[str]:
    """sclite's summary: per group # Snt # Wrd, then Corr Sub Del Ins Err S.Err in percent."""
    head = (f"| {'SPKR':<10} | {'# Snt':>6} {'# Wrd':>7} | "
            f"{'Corr':>6} {'Sub':>6} {'Del':>6} {'Ins':>6} {'Err':>6} {'S.Err':>6} |")
    lines = [head, "|" + "-" * (len(head) - 2) + "|"]
    for name, c in rows.items():
        pct = [100.0 * c[k] / max(1, c["words"]) for k in ("corr", "sub", "del", "ins", "err")]
        pct.append(100.0 * c["s_err"] / max(1, c["sentences"]))
        lines.append(f"| {name:<10} | {c['sentences']:>6} {c['words']:>7} | "
                     + " ".join(f"{p:>6.1f}" for p in pct) + " |")
    return lines


def write_sclite(out: Path, refs: Dict[str, str], hyps: Dict[str, str], groups: Dict[str, str],
                 spk: Optional[Dict[str, str]] = None, title: str = "") -> Dict[str, int]:
    """`out`/{ref.trn, hyp.trn, result.txt} of these (already normalised or raw) texts;
    -> the counts of all utterances (those of result.txt's Sum/Avg row)."""
    ids = _check(refs, hyps)
    spk = spk or {}
    out.mkdir(parents=True, exist_ok=True)
    alignments = dict(zip(ids, align([refs[u] for u in ids], [hyps[u] for u in ids])))
    for name, table in (("ref.trn", refs), ("hyp.trn", hyps)):
        write_text(out / name, "".join(f"{' '.join(table[u].split())}\t{trn_id(u, spk.get(u))}\n" for u in ids))
    rows = {g: counts([alignments[u] for u in ids if groups[u] == g]) for g in sorted(set(groups[u] for u in ids))}
    rows["Sum/Avg"] = total = counts(list(alignments.values()))
    lines = [f"SYSTEM SUMMARY PERCENTAGES by SPEAKER ({title or out.name}; groups are languages or directions)",
             "", *summary_lines(rows), "", "", "DUMP OF SYSTEM ALIGNMENT STRUCTURE", ""]
    for u in ids:
        a = alignments[u]
        lines += [f"id: {trn_id(u, spk.get(u))}",
                  f"Scores: (#C #S #D #I) {a.count('C')} {a.count('S')} {a.count('D')} {a.count('I')}",
                  *alignment_lines(a), ""]
    write_text(out / "result.txt", "\n".join(lines).rstrip("\n") + "\n")
    return total
