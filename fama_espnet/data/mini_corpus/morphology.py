"""Inflection rules of English and Italian: articles, plurals, agreement, present tense.

Pure string functions of one word (or a word and the one after it); irregular forms
are not derived here but listed in the lexicon's tables.
"""
from typing import Tuple

# ---------------------------------------------------------------------------
# Italian
# ---------------------------------------------------------------------------

_VOWELS = "aeiouàèéìíòóùú"
_DEFINITE = ("il", "lo", "l'", "la", "i", "gli", "le")
# The ending a preposition or "que-" takes in front of each definite article:
# di+il=del, in+gli=negli, su+l'=sull', que+i=quei.
_ART_SUFFIX = {"il": "l", "lo": "llo", "l'": "ll'", "la": "lla", "i": "i", "gli": "gli", "le": "lle"}
PREP_BASE = {"di": "de", "a": "a", "da": "da", "in": "ne", "su": "su"}


def _starts_with_vowel(word: str) -> bool:
    # Italian elides before a written h too (l'hotel).
    return word[:1].lower() in _VOWELS + "h"


def _takes_lo(word: str) -> bool:
    """lo/gli/uno: before s+consonant, z, x, y, gn, ps, pn and semivowel i."""
    w = word.lower()
    if w[:1] in ("z", "x", "y"):
        return True
    if w[:2] in ("gn", "ps", "pn"):
        return True
    if len(w) > 1 and w[0] == "s" and w[1] not in _VOWELS:
        return True
    return len(w) > 1 and w[0] == "i" and w[1] in _VOWELS


def it_definite(gender: str, plural: bool, next_word: str) -> str:
    """The Italian definite article in front of `next_word`."""
    if plural:
        if gender == "f":
            return "le"
        return "gli" if _starts_with_vowel(next_word) or _takes_lo(next_word) else "i"
    if _starts_with_vowel(next_word):
        return "l'"
    if gender == "f":
        return "la"
    return "lo" if _takes_lo(next_word) else "il"


def it_indefinite(gender: str, next_word: str) -> str:
    if gender == "f":
        return "un'" if _starts_with_vowel(next_word) else "una"
    return "uno" if _takes_lo(next_word) else "un"


def it_contract(prep: str, article: str) -> str:
    """Articulated preposition: ("su", "il") -> "sul", ("di", "l'") -> "dell'"."""
    return PREP_BASE[prep] + _ART_SUFFIX[article]


def it_quello(gender: str, plural: bool, next_word: str) -> str:
    """'that/those': quel, quello, quell', quella, quei, quegli, quelle (follows the article)."""
    return "que" + _ART_SUFFIX[it_definite(gender, plural, next_word)]


def it_noun_plural(singular: str, gender: str) -> str:
    """Regular plural; irregular ones (amico/amici, uovo/uova) are listed in the lexicon."""
    w = singular
    if w[-1] not in _VOWELS[:5] or w[-1] in "àèéìòù":
        return w  # consonant-final loans and stressed endings are invariable: bar, città
    if w.endswith("i"):
        return w  # taxi
    if w.endswith(("ca", "ga")):
        return w[:-1] + ("he" if gender == "f" else "hi")
    if w.endswith(("co", "go")):
        return w[:-1] + "hi"  # parco/parchi, lago/laghi; amico/amici is listed
    if w.endswith("io"):
        return w[:-1]  # figlio/figli, orologio/orologi
    if w.endswith("a"):
        return w[:-1] + ("e" if gender == "f" else "i")  # turista/turisti
    return w[:-1] + "i"


def it_adjective_forms(ms: str) -> Tuple[str, str, str, str]:
    """(m sg, f sg, m pl, f pl) of a regular adjective."""
    if ms.endswith("e"):
        return ms, ms, ms[:-1] + "i", ms[:-1] + "i"
    stem = ms[:-1]
    if ms.endswith(("co", "go")):
        return ms, stem + "a", stem + "hi", stem + "he"
    if ms.endswith("io"):
        return ms, stem + "a", stem, stem + "e"
    return ms, stem + "a", stem + "i", stem + "e"


def it_present(inf: str, isc: bool) -> Tuple[str, str, str, str]:
    """Present tense (1sg, 3sg, 1pl, 3pl) of a regular verb."""
    stem, ending = inf[:-3], inf[-3:]
    if ending == "are":
        if stem.endswith("i"):
            p1 = stem + "amo"  # mangiamo, not mangiiamo
        elif stem.endswith(("c", "g")):
            p1 = stem + "hiamo"  # giochiamo keeps the hard sound
        else:
            p1 = stem + "iamo"
        return stem + "o", stem + "a", p1, stem + "ano"
    if ending == "ere":
        return stem + "o", stem + "e", stem + "iamo", stem + "ono"
    if ending == "ire" and isc:
        return stem + "isco", stem + "isce", stem + "iamo", stem + "iscono"
    if ending == "ire":
        return stem + "o", stem + "e", stem + "iamo", stem + "ono"
    raise ValueError(f"not an Italian infinitive: {inf!r}")


# ---------------------------------------------------------------------------
# English
# ---------------------------------------------------------------------------

def en_plural(word: str) -> str:
    """Regular plural; irregular ones (child/children) are listed in the lexicon."""
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def en_third_person(verb: str) -> str:
    """3rd person singular present: reads, watches, goes, studies, has; 'look for' -> 'looks for'."""
    head, _, rest = verb.partition(" ")
    if head == "have":
        head = "has"
    elif head.endswith(("s", "x", "z", "ch", "sh", "o")):
        head += "es"
    elif head.endswith("y") and head[-2:-1] not in "aeiou":
        head = head[:-1] + "ies"
    else:
        head += "s"
    return f"{head} {rest}".strip()


def en_indefinite(next_word: str) -> str:
    """a/an by the sound of the next word: an egg, a university, an hour."""
    w = next_word.lower()
    if w.startswith(("hour", "honest", "honour", "heir")):
        return "an"
    if w.startswith(("uni", "use", "usu", "uti", "eu", "one", "once")):
        return "a"
    return "an" if w[:1] in "aeiou" else "a"
