"""The grammar's building blocks: weighted choices spread over the lexicon, noun phrases,
places and times, and clauses (subject, verb, complements) in both languages.

`Builder` holds the random state; the sentence shapes in `grammar` extend it.
"""
import random
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, TypeVar

from fama_espnet.data.mini_corpus.lexicon import (
    ADJECTIVES,
    FREQUENCIES,
    HOUR,
    MINUTE,
    NOUNS,
    NUMBERS,
    RELATIONS,
    TIMES,
    VERBS,
    Adjective,
    Noun,
    Term,
    Verb,
)
from fama_espnet.data.mini_corpus.phrases import (
    PRONOUNS,
    Phrase,
    en_do,
    en_verb,
    it_pp,
    it_verb,
    noun_phrase,
    place_phrase,
)

T = TypeVar("T")
Tokens = Tuple[str, ...]


@dataclass
class Clause:
    """Subject + verb + complements; rendered affirmative, negative or as a question."""
    subj: Phrase
    verb: Verb
    en_comp: Tokens = ()
    it_comp: Tokens = ()
    en_tail: Tokens = ()
    it_tail: Tokens = ()

    def affirm(self, freq: Optional[Term] = None) -> Tuple[Tokens, Tokens]:
        en = self.subj.en + ((freq.en,) if freq else ()) + (en_verb(self.verb, self.subj),)
        v = it_verb(self.verb, self.subj)
        if freq is not None and freq.it == "mai":
            it = self.subj.it + ("non", v, "mai")  # never: non ... mai
        else:
            it = self.subj.it + (v,) + ((freq.it,) if freq else ())
        return en + self.en_comp + self.en_tail, it + self.it_comp + self.it_tail

    def negate(self) -> Tuple[Tokens, Tokens]:
        en = self.subj.en + (en_do(self.subj), "not", self.verb.en)
        it = self.subj.it + ("non", it_verb(self.verb, self.subj))
        return en + self.en_comp + self.en_tail, it + self.it_comp + self.it_tail

    def ask(self) -> Tuple[Tokens, Tokens]:
        en = (en_do(self.subj),) + self.subj.en + (self.verb.en,)
        it = self.subj.it + (it_verb(self.verb, self.subj),)
        return en + self.en_comp + self.en_tail, it + self.it_comp + self.it_tail


def with_tags(items: Sequence[T], tags: Iterable[str], attr: str = "tags") -> List[T]:
    """The items whose tag set `attr` shares a tag with `tags`."""
    tags = frozenset(tags)
    return [x for x in items if getattr(x, attr) & tags]


# The lexicon by the roles the grammar draws it in.
COMMON_NOUNS = [n for n in NOUNS if not n.proper]
NAMES = [n for n in NOUNS if n.proper and "person" in n.tags]
CITIES = [n for n in NOUNS if "city" in n.tags]
_PLACES = [n for n in NOUNS if "place" in n.tags and not n.proper]
_VEHICLES = [n for n in NOUNS if "vehicle" in n.tags]
INTRANSITIVE = [v for v in VERBS if "i" in v.frames]
TRANSITIVE = [v for v in VERBS if "o" in v.frames]
_MOTION = [v for v in VERBS if v.frames & {"to", "from", "at"}]
_BENEFACTIVE = {"buy", "cook", "prepare", "write", "paint", "draw", "choose", "fix", "sing"}
_NO_POSSESSIVE = frozenset({"wild", "public", "proper"})


def _adjs_for(noun: Noun) -> List[Adjective]:
    return [a for a in ADJECTIVES if a.kinds & noun.tags]


ADJS_FOR = {n.en: _adjs_for(n) for n in NOUNS}


def possessive_weight(noun: Noun) -> float:
    """How often `noun` takes my/our/their: kin most, a person only if "ours", never a wild
    animal, a public place or a name."""
    if noun.tags & _NO_POSSESSIVE:
        return 0.0
    if "family" in noun.tags:
        return 5.0
    if "person" in noun.tags and "ours" not in noun.tags:
        return 0.0
    return 1.2


def _subject_tags(subj: Phrase) -> frozenset:
    return subj.noun.tags if subj.noun is not None else frozenset({"person"})


class Builder:
    """Random choices and the phrases and clauses they make; one instance per generation."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        # Use counts: each pick prefers the least used of a few random candidates,
        # which spreads the sentences over the whole vocabulary.
        self.uses: Dict[str, int] = {}

    # -- choices ------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def weighted(self, options: Sequence[Tuple[T, float]]) -> T:
        options = [(o, w) for o, w in options if w > 0]
        return self.rng.choices([o for o, _ in options], [w for _, w in options])[0]

    def pick(self, items: Sequence[T], k: int = 3) -> T:
        if not items:
            raise ValueError("nothing to pick from")
        idx = self.rng.sample(range(len(items)), min(k, len(items)))
        best = min(idx, key=lambda i: self.uses.get(items[i].key, 0))
        self.uses[items[best].key] = self.uses.get(items[best].key, 0) + 1
        return items[best]

    def noun(self, tags: Iterable[str], pool: Sequence[Noun] = COMMON_NOUNS) -> Noun:
        return self.pick(with_tags(pool, tags))

    # -- phrases ------------------------------------------------------------
    def np(self, noun: Noun, role: str = "obj", adj_p: float = 0.3, plural_p: float = 0.3,
           allow_num: bool = True) -> Phrase:
        """A noun phrase as subj, obj ("some" allowed), loc (after a locative preposition)
        or to (after another preposition)."""
        if noun.proper:
            return noun_phrase(noun, "bare")
        adjs = ADJS_FOR[noun.en]
        adj = self.pick(adjs) if adjs and self.chance(adj_p) else None
        mass = "mass" in noun.tags
        plural = not mass and "sgonly" not in noun.tags and self.chance(plural_p)
        poss = possessive_weight(noun)
        demo = 0.25 if role == "loc" else 0.6
        if mass:
            det = self.weighted([("the", 5), ("this", demo), ("that", demo), ("my", poss / 3),
                                 ("our", poss / 3), ("some", 2.5 if role == "obj" else 0)])
        elif plural:
            det = self.weighted([("the", 5), ("this", demo), ("that", demo), ("my", poss / 2),
                                 ("our", poss / 4), ("their", poss / 4),
                                 ("num", 2.5 if allow_num and role != "loc" else 0),
                                 ("some", 1.5 if role == "obj" else 0)])
        else:
            kin_of_one = "sgonly" in noun.tags  # my wife, not our wife
            det = self.weighted([("the", 5), ("a", 2.2), ("this", demo), ("that", demo),
                                 ("my", poss / 2), ("our", 0 if kin_of_one else poss / 4),
                                 ("their", 0 if kin_of_one else poss / 4)])
        number = self.pick(NUMBERS) if det == "num" else None
        return noun_phrase(noun, det, plural, adj, number)

    def subject(self, tags: Iterable[str], first_person: bool = True, pronoun_p: float = 0.15,
                name_p: float = 0.1, adj_p: float = 0.25) -> Phrase:
        tags = frozenset(tags)
        r = self.rng.random()
        if "person" in tags and r < pronoun_p:
            keys = [k for k in PRONOUNS if first_person or PRONOUNS[k].person == 3]
            return PRONOUNS[self.rng.choice(keys)]
        if "person" in tags and r < pronoun_p + name_p:
            return noun_phrase(self.pick(NAMES), "bare")
        return self.np(self.noun(tags), "subj", adj_p=adj_p)

    def person(self, role: str = "to", name_p: float = 0.15) -> Phrase:
        if self.chance(name_p):
            return noun_phrase(self.pick(NAMES), "bare")
        return self.np(self.noun(["person"]), role, adj_p=0.15, plural_p=0.2, allow_num=False)

    def landmark(self, tag: str = "lm", person: bool = False) -> Tuple[Tokens, Tokens]:
        """on the table, under the bed, in the box, near the window ...; tag surf/cont
        restricts the relation to on/in. People are not put in boxes."""
        relations = RELATIONS if tag == "lm" else [r for r in RELATIONS if r[2] == tag]
        en_prep, it_prep, lm_tag = self.rng.choice(
            [r for r in relations if not (person and r[2] == "cont")])
        np_ = self.np(self.noun([lm_tag]), "loc", adj_p=0.2, plural_p=0.1)
        return (en_prep,) + np_.en, it_pp(it_prep, np_)

    def place(self, kind: str = "at") -> Tuple[Tokens, Tokens]:
        if self.chance(0.2):
            noun = self.pick(CITIES)
        else:
            pool = [p for p in _PLACES if kind != "to" or "nodest" not in p.tags]
            noun = self.pick(pool)
        return place_phrase(kind, self.np(noun, "loc", adj_p=0.15, plural_p=0.0))

    def location(self, subj: Optional[Phrase] = None) -> Tuple[Tokens, Tokens]:
        person = subj is not None and "person" in _subject_tags(subj)
        return self.place("at") if self.chance(0.65) else self.landmark(person=person)

    def time(self) -> Tuple[Tokens, Tokens]:
        t = self.pick(TIMES)
        return (t.en,), (t.it,)

    def duration(self) -> Tuple[Tokens, Tokens]:
        unit = HOUR if self.chance(0.6) else MINUTE
        np_ = (noun_phrase(unit, "a") if self.chance(0.35)
               else noun_phrase(unit, "num", number=self.pick(NUMBERS)))
        return ("for",) + np_.en, ("per",) + np_.it

    def vehicle(self) -> Tuple[Tokens, Tokens]:
        v = self.pick(_VEHICLES)
        return ("by", v.en), ("in", v.it)

    # -- clauses ------------------------------------------------------------
    def intransitive_clause(self, subj: Optional[Phrase] = None, extras: bool = True) -> Clause:
        verb = self.pick(INTRANSITIVE) if subj is None else self.pick(
            [v for v in INTRANSITIVE if v.subj & _subject_tags(subj)])
        subj = subj or self.subject(verb.subj)
        cl = Clause(subj, verb)
        if not extras:
            return cl
        r = self.rng.random()
        living = "vehicle" not in _subject_tags(subj)
        if r < 0.4:
            cl.en_comp, cl.it_comp = self.location(subj)
        elif r < 0.5 and living:
            np_ = self.np(self.noun(["person", "pet"]), "to", adj_p=0.1, plural_p=0.2)
            cl.en_comp, cl.it_comp = ("with",) + np_.en, ("con",) + np_.it
        r = self.rng.random()
        if r < 0.3:
            cl.en_tail, cl.it_tail = self.time()
        elif r < 0.4 and living and verb.en != "wait":  # "waits for an hour" reads as "wait for"
            cl.en_tail, cl.it_tail = self.duration()
        return cl

    def transitive_clause(self, subj: Optional[Phrase] = None, extras: bool = True,
                          verbs: Sequence[Verb] = TRANSITIVE) -> Clause:
        if subj is not None:
            verbs = [v for v in verbs if v.subj & _subject_tags(subj)]
        verb = self.pick(verbs)
        subj = subj or self.subject(verb.subj)
        obj = self.np(self.noun(verb.obj), "obj")
        cl = Clause(subj, verb, obj.en, obj.it)
        if not extras:
            return cl
        r = self.rng.random()
        if r < 0.15 and verb.en in _BENEFACTIVE:
            ben = self.person()
            cl.en_comp += ("for",) + ben.en
            cl.it_comp += ("per",) + ben.it
        elif r < 0.35 and not obj.noun.tags & {"place", "city"}:  # not "visits the zoo in Rome"
            en, it = self.location(subj)
            cl.en_comp += en
            cl.it_comp += it
        if self.chance(0.3):
            cl.en_tail, cl.it_tail = self.time()
        return cl

    def motion_clause(self, subj: Optional[Phrase] = None) -> Clause:
        verb = self.pick(_MOTION)
        subj = subj or self.subject(verb.subj)
        kind = next(iter(verb.frames & {"to", "from", "at"}))
        en, it = self.place(kind)
        if kind != "at" and self.chance(0.25):
            ven, vit = self.vehicle()
            en, it = en + ven, it + vit
        cl = Clause(subj, verb, en, it)
        if self.chance(0.3):
            cl.en_tail, cl.it_tail = self.time()
        return cl

    def any_clause(self, subj: Optional[Phrase] = None, extras: bool = True,
                   transitive: Sequence[Verb] = TRANSITIVE) -> Clause:
        """An intransitive, transitive or motion clause that suits the subject."""
        tags = _subject_tags(subj) if subj is not None else frozenset({"person", "animal"})
        r = self.rng.random()
        if r < 0.85 and any(v.subj & tags for v in transitive) and (r >= 0.4 or not any(
                v.subj & tags for v in INTRANSITIVE)):
            return self.transitive_clause(subj, extras, transitive)
        if r < 0.85 or "person" not in tags:
            return self.intransitive_clause(subj, extras)
        return self.motion_clause(subj)

    def freq(self, p: float) -> Optional[Term]:
        return self.pick(FREQUENCIES) if self.chance(p) else None

    def predicate_adjective(self, subj: Phrase, tags: Iterable[str]) -> Tuple[Tokens, Tokens]:
        adj = self.pick(with_tags(ADJECTIVES, tags, "kinds"))
        form = adj.it(subj.gender, subj.plural)
        if "absolute" not in adj.kinds and self.chance(0.2):
            return ("very", adj.en), ("molto", form)
        return (adj.en,), (form,)
