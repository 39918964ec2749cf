"""The lexicon: entry types, the entries parsed from `word_tables`, and the closed classes
(numbers, time and frequency adverbials, possessives, relations, function words).
"""
from dataclasses import dataclass
from typing import Dict, Tuple

from fama_espnet.data.mini_corpus.morphology import (
    en_plural,
    en_third_person,
    it_adjective_forms,
    it_definite,
    it_noun_plural,
    it_present,
)
from fama_espnet.data.mini_corpus.word_tables import ADJECTIVE_TABLE, NOUN_TABLE, VERB_TABLE


@dataclass(frozen=True)
class Noun:
    en: str
    en_pl: str
    it: str
    it_pl: str
    gender: str
    gender_pl: str  # uovo is masculine, uova feminine
    tags: frozenset
    loc_en: str = ""  # place nouns: English locative preposition (in/at/on)
    loc_it: str = ""  # Italian mode: "in"/"a" bare when unmodified, "in+"/"a+"/"su+" with article

    @property
    def key(self) -> str:
        return "n:" + self.en

    @property
    def proper(self) -> bool:
        return "proper" in self.tags


@dataclass(frozen=True)
class Adjective:
    en: str
    forms: Tuple[str, str, str, str]  # m sg, f sg, m pl, f pl
    kinds: frozenset

    @property
    def key(self) -> str:
        return "a:" + self.en

    def it(self, gender: str, plural: bool) -> str:
        return self.forms[(2 if plural else 0) + (gender == "f")]


@dataclass(frozen=True)
class Verb:
    en: str
    en3: str
    inf: str
    forms: Tuple[str, str, str, str]  # 1sg, 3sg, 1pl, 3pl
    subj: frozenset
    frames: frozenset  # i (intransitive), o (object), to, from, at, give, put
    obj: frozenset = frozenset()

    @property
    def key(self) -> str:
        return "v:" + self.en

    def it(self, person: int, plural: bool) -> str:
        return self.forms[(2 if plural else 0) + (person == 3)]


@dataclass(frozen=True)
class Term:
    """An invariable word or fixed phrase: numbers, adverbials."""
    en: str
    it: str

    @property
    def key(self) -> str:
        return "t:" + self.en


def _parse_nouns(table: str) -> Tuple[Noun, ...]:
    nouns = []
    for line in table.strip().splitlines():
        en, it, gender, tags = [f.strip() for f in line.split("|")]
        en_sg, _, en_pl = en.partition("/")
        it_sg, _, it_pl = it.partition("/")
        g_sg, _, g_pl = gender.partition("/")
        loc_en = loc_it = ""
        plain = []
        for tag in tags.split():
            if tag.startswith("loc="):
                loc_en, loc_it = tag[4:].split(":")
            else:
                plain.append(tag)
        proper = "proper" in plain
        nouns.append(Noun(
            en=en_sg, en_pl=en_pl or (en_sg if proper else en_plural(en_sg)),
            it=it_sg, it_pl=it_pl or (it_sg if proper else it_noun_plural(it_sg, g_sg)),
            gender=g_sg, gender_pl=g_pl or g_sg, tags=frozenset(plain), loc_en=loc_en, loc_it=loc_it))
    return tuple(nouns)


def _parse_adjectives(table: str) -> Tuple[Adjective, ...]:
    adjs = []
    for line in table.strip().splitlines():
        en, it, kinds = [f.strip() for f in line.split("|")]
        forms = tuple(it.split("/")) if "/" in it else it_adjective_forms(it)
        adjs.append(Adjective(en, forms, frozenset(kinds.split())))
    return tuple(adjs)


def _parse_verbs(table: str) -> Tuple[Verb, ...]:
    verbs = []
    for line in table.strip().splitlines():
        en, it, subj, frames = [f.strip() for f in line.split("|")]
        en_base, _, en3 = en.partition("/")
        inf, _, conj = it.partition("/")
        if conj and conj != "isc":
            forms = tuple(conj.split(","))
        else:
            forms = it_present(inf, isc=conj == "isc")
        obj_tags: set = set()
        frame_names = set()
        for frame in frames.split():
            name, _, tags = frame.partition("=")
            frame_names.add(name)
            obj_tags.update(t for t in tags.split("+") if t)
        verbs.append(Verb(en_base, en3 or en_third_person(en_base), inf, forms,
                          frozenset(subj.split()), frozenset(frame_names), frozenset(obj_tags)))
    return tuple(verbs)


NOUNS = _parse_nouns(NOUN_TABLE)
ADJECTIVES = _parse_adjectives(ADJECTIVE_TABLE)
VERBS = _parse_verbs(VERB_TABLE)
NOUN = {n.en: n for n in NOUNS}
ADJECTIVE = {a.en: a for a in ADJECTIVES}
VERB = {v.en: v for v in VERBS}

# Verbs the grammar uses outside the table.
BE = Verb("be", "is", "essere", ("sono", "è", "siamo", "sono"), frozenset(), frozenset())
CAN = Verb("can", "can", "potere", ("posso", "può", "possiamo", "possono"), frozenset(), frozenset())
LIKE = Verb("like", "likes", "piacere", ("piaccio", "piace", "piacciamo", "piacciono"),
            frozenset(), frozenset())

NUMBERS = tuple(Term(e, i) for e, i in (
    ("two", "due"), ("three", "tre"), ("four", "quattro"), ("five", "cinque"), ("six", "sei"),
    ("seven", "sette"), ("eight", "otto"), ("nine", "nove"), ("ten", "dieci"),
    ("eleven", "undici"), ("twelve", "dodici"), ("twenty", "venti")))

_DAYS = (("Monday", "lunedì", "m"), ("Tuesday", "martedì", "m"), ("Wednesday", "mercoledì", "m"),
         ("Thursday", "giovedì", "m"), ("Friday", "venerdì", "m"), ("Saturday", "sabato", "m"),
         ("Sunday", "domenica", "f"))

# Sentence-final time adverbials; "on Sundays" takes the article: la domenica, il lunedì.
TIMES = tuple(Term(e, i) for e, i in (
    ("today", "oggi"), ("now", "adesso"), ("tonight", "stasera"), ("every day", "ogni giorno"),
    ("every morning", "ogni mattina"), ("every evening", "ogni sera"),
    ("every week", "ogni settimana"), ("in the morning", "la mattina"),
    ("in the afternoon", "il pomeriggio"), ("in the evening", "la sera"),
    ("at night", "di notte"), ("at noon", "a mezzogiorno"), ("in summer", "d'estate"),
    ("in winter", "d'inverno"), ("in spring", "in primavera"), ("in autumn", "in autunno"),
    ("after lunch", "dopo pranzo"), ("after dinner", "dopo cena"),
    ("before dinner", "prima di cena"), ("at the weekend", "nel fine settimana"),
    ("early", "presto"), ("late", "tardi"),
)) + tuple(Term(f"on {e}s", f"{it_definite(g, False, i)} {i}") for e, i, g in _DAYS) \
   + tuple(Term(f"every {e}", f"ogni {i}") for e, i, _ in _DAYS)

# Frequency adverbs: before the English verb (after "is"), after the Italian one.
FREQUENCIES = tuple(Term(e, i) for e, i in (
    ("often", "spesso"), ("always", "sempre"), ("rarely", "raramente"), ("never", "mai")))

# The units of durations (for an hour, for ten minutes): not in the noun table, which
# the shapes draw their nouns from.
HOUR = Noun("hour", "hours", "ora", "ore", "f", "f", frozenset())
MINUTE = Noun("minute", "minutes", "minuto", "minuti", "m", "m", frozenset())

POSSESSIVES = {"my": ("mio", "mia", "miei", "mie"), "our": ("nostro", "nostra", "nostri", "nostre"),
               "their": ("loro", "loro", "loro", "loro")}
THIS = ("questo", "questa", "questi", "queste")

# Prepositions relating something to a landmark noun (English, Italian, landmark tag).
RELATIONS = (("on", "su", "surf"), ("in", "in", "cont"), ("under", "sotto", "lm"),
             ("near", "vicino a", "lm"), ("behind", "dietro", "lm"),
             ("in front of", "davanti a", "lm"), ("next to", "accanto a", "lm"))


# Closed-class words the shapes use (besides RELATIONS): determiners, pronouns,
# prepositions, conjunctions, question words.
FUNCTION_WORDS = ("the", "a", "this", "that", "some", "my", "our", "their", "I", "we", "he", "she",
                  "they", "with", "for", "to", "from", "at", "by", "and", "but", "not", "very",
                  "where", "what", "who", "when", "why", "how many", "there is")


def lexicon_counts() -> Dict[str, int]:
    """Lexical entries per class (a noun with its plural and both languages is one entry)."""
    return {
        "nouns": len(NOUNS) + 2,  # + hour, minute
        "adjectives": len(ADJECTIVES),
        "verbs": len({v.en for v in VERBS} | {BE.en, CAN.en, LIKE.en}),
        "numbers": len(NUMBERS),
        "adverbials": len(TIMES) + len(FREQUENCIES),
        "function words": len(set(FUNCTION_WORDS) | {r[0] for r in RELATIONS}),
    }


def lexicon_size() -> int:
    return sum(lexicon_counts().values())

