"""Phrases in both languages at once: noun phrases with their articles and agreement,
places, subject pronouns, verb agreement, and the written sentence.
"""
from dataclasses import dataclass
from typing import Iterable, Optional, Tuple, Union

from fama_espnet.data.mini_corpus.lexicon import (
    ADJECTIVE,
    BE,
    CAN,
    NOUN,
    POSSESSIVES,
    THIS,
    Adjective,
    Noun,
    Term,
    Verb,
)
from fama_espnet.data.mini_corpus.morphology import (
    PREP_BASE,
    en_indefinite,
    it_contract,
    it_definite,
    it_indefinite,
    it_quello,
)


@dataclass(frozen=True)
class Phrase:
    """A noun phrase in both languages, with what Italian agreement needs."""
    en: Tuple[str, ...]
    it: Tuple[str, ...]
    gender: str = "m"
    plural: bool = False
    person: int = 3
    art: bool = False  # it[0] is a definite article a preposition absorbs (su+il = sul)
    noun: Optional[Noun] = None
    simple: bool = False  # "the <noun>", singular, unmodified (in giardino, a scuola)

    @property
    def en_text(self) -> str:
        return join(self.en)

    @property
    def it_text(self) -> str:
        return join(self.it)


def join(tokens: Iterable[str]) -> str:
    """Words joined by spaces, except after an elided article (l'amico, dell'acqua)."""
    out = ""
    for tok in tokens:
        if not tok:
            continue
        out += tok if (not out or out.endswith("'")) else " " + tok
    return out


def it_pp(prep: str, np_: Phrase) -> Tuple[str, ...]:
    """Italian preposition + noun phrase, articulated when the phrase starts with an article."""
    words = prep.split()
    if np_.art and words[-1] in PREP_BASE:
        return tuple(words[:-1]) + (it_contract(words[-1], np_.it[0]),) + np_.it[1:]
    return tuple(words) + np_.it


def noun_phrase(noun: Union[Noun, str], det: str = "the", plural: bool = False,
                adj: Union[Adjective, str, None] = None, number: Optional[Term] = None,
                owner: Optional[Phrase] = None) -> Phrase:
    """Build a noun phrase. `noun`/`adj` are lexicon entries or their English words.

    det: the, a, this, that, some (partitive), my/our/their, num (with `number`),
    bare (names, generic plurals), gen (`owner`'s noun: il cane della maestra).
    """
    noun = NOUN[noun] if isinstance(noun, str) else noun
    adj = ADJECTIVE[adj] if isinstance(adj, str) else adj
    plural = plural or det == "num"
    g = noun.gender_pl if plural else noun.gender
    en_head = [noun.en_pl if plural else noun.en]
    it_head = [noun.it_pl if plural else noun.it]
    if adj is not None:
        en_head.insert(0, adj.en)
        it_head.append(adj.it(g, plural))
    first = it_head[0]
    art = False
    if det == "the":
        en, it, art = ["the"], [it_definite(g, plural, first)], True
    elif det == "a":
        if plural:
            raise ValueError("'a' with a plural")
        en, it = [en_indefinite(en_head[0])], [it_indefinite(g, first)]
    elif det == "this":
        en, it = ["these" if plural else "this"], [THIS[2 * plural + (g == "f")]]
    elif det == "that":
        en, it = ["those" if plural else "that"], [it_quello(g, plural, first)]
    elif det == "some":
        en, it = ["some"], [it_contract("di", it_definite(g, plural, first))]
    elif det in POSSESSIVES:
        pw = POSSESSIVES[det][2 * plural + (g == "f")]
        en = [det]
        # Singular kin take no article (mio fratello) unless modified or with loro.
        if "family" in noun.tags and not plural and adj is None and det != "their":
            it = [pw]
        else:
            it, art = [it_definite(g, plural, pw), pw], True
    elif det == "num":
        en, it = [number.en], [number.it]
    elif det == "bare":
        en, it = [], []
    elif det == "gen":
        en = list(owner.en[:-1]) + [owner.en[-1] + "'s"]
        it, art = [it_definite(g, plural, first)], True
        it_head += list(it_pp("di", owner))
    else:
        raise ValueError(f"unknown determiner {det!r}")
    return Phrase(tuple(en + en_head), tuple(it + it_head), g, plural, 3, art, noun,
                  simple=det == "the" and not plural and adj is None)


def place_phrase(kind: str, np_: Phrase) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """Where (kind 'at'), where to ('to') or where from ('from'), for a place or city phrase."""
    noun = np_.noun
    if "city" in noun.tags:
        en_prep = {"at": "in", "to": "to", "from": "from"}[kind]
        return (en_prep,) + np_.en, ({"at": "a", "to": "a", "from": "da"}[kind],) + np_.it
    en_prep = noun.loc_en if kind == "at" else kind
    mode, _, modified = noun.loc_it.partition("/")
    en = (en_prep,) + (np_.en[1:] if mode == "a" and np_.simple else np_.en)  # at school
    if np_.simple and mode == "a":
        return en, ("da" if kind == "from" else "a", noun.it)
    if np_.simple and mode == "in" and kind != "from":
        return en, ("in", noun.it)  # in giardino; dal giardino
    if kind == "from":
        return en, it_pp("da", np_)
    # With an article the bare modes become articulated: nel giardino grande, alla mia
    # scuola; a place may name another preposition for that (in spiaggia, sulla spiaggia).
    return en, it_pp((modified or mode).rstrip("+"), np_)


# Subject pronouns; Italian drops io/noi (the verb ending says who).
PRONOUNS = {
    "I": Phrase(("I",), (), "m", False, 1),
    "we": Phrase(("we",), (), "m", True, 1),
    "he": Phrase(("he",), ("lui",), "m", False, 3),
    "she": Phrase(("she",), ("lei",), "f", False, 3),
    "they": Phrase(("they",), ("loro",), "m", True, 3),
}
# Who likes: "a lui piace", "mi piace".
LIKERS = {"I": ("mi",), "we": ("ci",), "he": ("a", "lui"), "she": ("a", "lei"), "they": ("a", "loro")}


def en_verb(verb: Verb, subj: Phrase) -> str:
    if verb is BE:
        return "am" if subj.person == 1 and not subj.plural else ("is" if _is_3sg(subj) else "are")
    if verb is CAN:
        return "can"
    return verb.en3 if _is_3sg(subj) else verb.en


def it_verb(verb: Verb, subj: Phrase) -> str:
    return verb.it(subj.person, subj.plural)


def _is_3sg(subj: Phrase) -> bool:
    return subj.person == 3 and not subj.plural


def en_do(subj: Phrase) -> str:
    """The auxiliary of English questions and negations: does, do."""
    return "does" if _is_3sg(subj) else "do"


def sentence(tokens: Iterable[str], question: bool = False) -> str:
    text = join(tokens)
    return text[:1].upper() + text[1:] + ("?" if question else ".")
