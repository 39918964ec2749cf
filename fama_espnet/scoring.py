"""WER (raw and normalised) and BLEU/chrF (sacrebleu) over Kaldi-style text tables."""
import re
import unicodedata
from typing import Dict, List

import sacrebleu
import torchaudio

_PUNCT = re.compile(r"[^\w\s']|_", re.UNICODE)


def normalize(text: str) -> str:
    """Lower case, punctuation removed (apostrophes kept: "dov'è"), spaces squeezed."""
    text = unicodedata.normalize("NFC", text).lower()
    return " ".join(_PUNCT.sub(" ", text).split())


def wer(refs: List[str], hyps: List[str]) -> Dict[str, float]:
    errors = sum(torchaudio.functional.edit_distance(r.split(), h.split()) for r, h in zip(refs, hyps))
    words = sum(len(r.split()) for r in refs)
    return {"wer": 100.0 * errors / max(1, words), "errors": errors, "words": words}


def score_groups(refs: Dict[str, str], hyps: Dict[str, str], task: str,
                 groups: Dict[str, str]) -> Dict[str, Dict[str, float]]:
    """Scores of all utterances ("all") and of each group (e.g. "en", "en-it")."""
    out = {"all": score_table(refs, hyps, task)}
    for g in sorted(set(groups[u] for u in refs)):
        ids = [u for u in refs if groups[u] == g]
        out[g] = score_table({u: refs[u] for u in ids}, hyps, task)
    return out


def score_table(refs: Dict[str, str], hyps: Dict[str, str], task: str) -> Dict[str, float]:
    missing = sorted(set(refs) - set(hyps))
    if missing:
        raise ValueError(f"{len(missing)} utterances have no hypothesis, e.g. {missing[:5]}")
    ids = sorted(refs)
    r, h = [refs[u] for u in ids], [hyps[u] for u in ids]
    out = {"utterances": len(ids)}
    if task == "asr":
        out["wer_raw"] = wer(r, h)["wer"]
        out["wer"] = wer([normalize(x) for x in r], [normalize(x) for x in h])["wer"]
    else:
        out["bleu"] = sacrebleu.corpus_bleu(h, [r]).score
        out["chrf"] = sacrebleu.corpus_chrf(h, [r]).score
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in out.items()}
