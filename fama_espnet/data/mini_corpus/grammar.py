"""The sentence shapes and `generate_pairs`: distinct English/Italian translation pairs,
the same for the same seed.

Each shape (`SHAPES`) is one `s_<name>` method that draws the tokens of both sides
from the building blocks in `clauses`.
"""
from typing import List, NamedTuple, Optional, Tuple

from fama_espnet.data.mini_corpus.clauses import (
    ADJS_FOR,
    CITIES,
    COMMON_NOUNS,
    INTRANSITIVE,
    NAMES,
    TRANSITIVE,
    Builder,
    Clause,
    Tokens,
    possessive_weight,
    with_tags,
)
from fama_espnet.data.mini_corpus.lexicon import BE, CAN, LIKE, NOUNS, NUMBERS, VERB, VERBS, Adjective, Noun
from fama_espnet.data.mini_corpus.morphology import en_indefinite
from fama_espnet.data.mini_corpus.phrases import (
    LIKERS,
    PRONOUNS,
    Phrase,
    en_do,
    en_verb,
    it_pp,
    it_verb,
    noun_phrase,
    sentence,
)


class Pair(NamedTuple):
    """One translation pair and the shape it was drawn in."""
    en: str
    it: str
    shape: str


_Shape = Tuple[Tokens, Tokens, bool]  # English, Italian, is a question

# What only the shapes draw from (the common pools are in clauses).
_JOBS = [n for n in NOUNS if "job" in n.tags]
_ABOUT_THINGS = {"food", "drink", "thing", "read", "write", "film", "song", "music", "vehicle",
                 "cloth", "open", "mail", "ball", "fragile"}
_WHAT_VERBS = [v for v in TRANSITIVE if v.obj & _ABOUT_THINGS]
_GIVE = [v for v in VERBS if "give" in v.frames]
_COUNT_VERBS = [VERB[k] for k in ("have", "buy", "sell", "see", "want", "find", "draw", "eat",
                                  "carry", "look for", "wash")]
_LIKED = ("food", "drink", "animal", "vehicle", "cloth", "flower", "song", "music", "film", "city")

_WHO = Phrase(("who",), ("chi",))  # a 3rd person singular subject: who reads, chi legge


class _Retry(Exception):
    """The drawn combination is not usable (e.g. 'the cat and the cat'): draw again."""


class _Generator(Builder):
    """The sentence shapes: s_<name> draws the English and Italian tokens of one pair."""

    def s_intransitive(self) -> _Shape:
        cl = self.intransitive_clause()
        return (*cl.affirm(self.freq(0.2) if not cl.en_tail else None), False)

    def s_transitive(self) -> _Shape:
        cl = self.transitive_clause()
        return (*cl.affirm(self.freq(0.15) if not cl.en_tail else None), False)

    def s_motion(self) -> _Shape:
        return (*self.motion_clause().affirm(), False)

    def s_put(self) -> _Shape:
        subj = self.subject(["person"])
        obj = self.np(self.noun(["thing"]), "obj", plural_p=0.3)
        en, it = self.landmark(self.rng.choice(["surf", "cont", "lm"]))
        verb = VERB["put"]
        cl = Clause(subj, verb, obj.en + en, obj.it + it)
        return (*cl.affirm(), False)

    def s_give(self) -> _Shape:
        verb = self.pick(_GIVE)
        subj = self.subject(["person"])
        obj = self.np(self.noun(verb.obj), "obj")
        to = self.person()
        cl = Clause(subj, verb, obj.en + ("to",) + to.en, obj.it + it_pp("a", to))
        if self.chance(0.25):
            cl.en_tail, cl.it_tail = self.time()
        return (*cl.affirm(), False)

    def _copula_subject(self) -> Tuple[Phrase, frozenset]:
        if self.chance(0.12):
            subj = PRONOUNS[self.rng.choice(["he", "she", "they"])]
            return subj, frozenset({"person"})
        if self.chance(0.08):
            noun = self.pick(NAMES + CITIES)
            return noun_phrase(noun, "bare"), noun.tags
        noun = self.pick([n for n in COMMON_NOUNS if ADJS_FOR[n.en]])
        # No attributive adjective: "the hot soup is cold" would be nonsense.
        return self.np(noun, "subj", adj_p=0.0), noun.tags

    def s_copula_adj(self) -> _Shape:
        subj, tags = self._copula_subject()
        en_adj, it_adj = self.predicate_adjective(subj, tags)
        en_be, it_be = en_verb(BE, subj), it_verb(BE, subj)
        freq = self.freq(0.25)
        if freq is None and self.chance(0.15):
            return subj.en + (en_be, "not") + en_adj, subj.it + ("non", it_be) + it_adj, False
        if freq is None:
            return subj.en + (en_be,) + en_adj, subj.it + (it_be,) + it_adj, False
        if freq.it == "mai":
            return subj.en + (en_be, freq.en) + en_adj, subj.it + ("non", it_be, "mai") + it_adj, False
        return subj.en + (en_be, freq.en) + en_adj, subj.it + (it_be, freq.it) + it_adj, False

    def s_copula_loc(self) -> _Shape:
        if self.chance(0.55):
            subj = self.subject(["person", "animal"], pronoun_p=0.2)
            en, it = self.location(subj)
        else:
            subj = self.np(self.noun(["thing", "vehicle"]), "subj", adj_p=0.2)
            en, it = self.landmark()
        en_be, it_be = en_verb(BE, subj), it_verb(BE, subj)
        if self.chance(0.15):
            return subj.en + (en_be, "not") + en, subj.it + ("non", it_be) + it, False
        return subj.en + (en_be,) + en, subj.it + (it_be,) + it, False

    def s_profession(self) -> _Shape:
        job = self.pick(_JOBS)
        plural = self.chance(0.25)
        r = self.rng.random()
        if r < 0.2:
            subj = PRONOUNS[("they" if plural else "he") if job.gender == "m" else "she"]
            plural = subj.plural
        elif r < 0.4 and not plural:
            subj = noun_phrase(self.pick([n for n in NAMES if n.gender == job.gender]), "bare")
        else:
            kin = self.pick([n for n in NOUNS if "family" in n.tags and n.gender == job.gender
                             and not (plural and "sgonly" in n.tags)])
            subj = noun_phrase(kin, self.weighted([("my", 3), ("our", 1), ("their", 1), ("the", 1)]),
                               plural)
        en_job = (job.en_pl,) if plural else (en_indefinite(job.en), job.en)
        # Italian drops the article before a profession: mio zio è ingegnere.
        return (subj.en + (en_verb(BE, subj),) + en_job,
                subj.it + (it_verb(BE, subj), job.it_pl if plural else job.it), False)

    def maybe_adj(self, noun: Noun, p: float) -> Optional[Adjective]:
        adjs = ADJS_FOR[noun.en]
        return self.pick(adjs) if adjs and self.chance(p) else None

    def _existential_np(self, noun: Noun) -> Phrase:
        """a cat, three cats, some apples, some milk."""
        adj = self.maybe_adj(noun, 0.25)
        if "mass" in noun.tags:
            return noun_phrase(noun, "some", adj=adj)
        r = self.rng.random()
        if r < 0.45 or "sgonly" in noun.tags:
            return noun_phrase(noun, "a", adj=adj)
        if r < 0.8:
            return noun_phrase(noun, "num", adj=adj, number=self.pick(NUMBERS))
        return noun_phrase(noun, "some", plural=True, adj=adj)

    def s_there_is(self) -> _Shape:
        noun = self.noun(["animal", "thing", "food", "drink", "vehicle", "person"])
        np_ = self._existential_np(noun)
        en, it = (self.landmark(person="person" in noun.tags) if self.chance(0.6)
                  else self.place("at"))
        if np_.plural:
            return ("there", "are") + np_.en + en, ("ci", "sono") + np_.it + it, False
        return ("there", "is") + np_.en + en, ("c'è",) + np_.it + it, False

    def s_where(self) -> _Shape:
        if self.chance(0.6):
            noun = self.noun(["person", "animal", "thing", "vehicle", "place"],
                             pool=NOUNS)
            np_ = (noun_phrase(noun, "bare") if noun.proper
                   else self.np(noun, "subj", adj_p=0.2, allow_num=False))
            if np_.plural:
                return ("where", "are") + np_.en, ("dove", "sono") + np_.it, True
            return ("where", "is") + np_.en, ("dov'è",) + np_.it, True
        verb = self.pick([v for v in INTRANSITIVE if "person" in v.subj or "animal" in v.subj])
        subj = self.subject(verb.subj & {"person", "animal"}, pronoun_p=0.0)
        return (("where", en_do(subj)) + subj.en + (verb.en,),
                ("dove", it_verb(verb, subj)) + subj.it, True)

    def s_yes_no(self) -> _Shape:
        if self.chance(0.3):
            subj, tags = self._copula_subject()
            if self.chance(0.5) or not subj.noun or "place" in subj.noun.tags:
                en, it = self.predicate_adjective(subj, tags)
            else:
                en, it = self.landmark(person="person" in tags)
            return (en_verb(BE, subj),) + subj.en + en, subj.it + (it_verb(BE, subj),) + it, True
        subj_first = self.subject(["person", "animal", "vehicle"], first_person=False)
        return (*self.any_clause(subj_first).ask(), True)

    def s_wh_question(self) -> _Shape:
        r = self.rng.random()
        if r < 0.3:
            verb = self.pick(_WHAT_VERBS)
            subj = self.subject(verb.subj, pronoun_p=0.0)
            return (("what", en_do(subj)) + subj.en + (verb.en,),
                    ("che", "cosa", it_verb(verb, subj)) + subj.it, True)
        if r < 0.55:
            return (*self.transitive_clause(_WHO, extras=False).affirm(), True)
        verb = self.pick(INTRANSITIVE)
        subj = self.subject(verb.subj, pronoun_p=0.0)
        if r < 0.75:
            return (("when", en_do(subj)) + subj.en + (verb.en,),
                    ("quando", it_verb(verb, subj)) + subj.it, True)
        cl = self.any_clause(subj, extras=False)
        en, it = cl.ask()
        return ("why",) + en, ("perché",) + it, True

    def s_negation(self) -> _Shape:
        cl = self.any_clause()
        return (*cl.negate(), False)

    def s_coordination(self) -> _Shape:
        a = self.any_clause(extras=False)
        b = self.any_clause(extras=False)
        en_a, it_a = a.affirm()
        en_b, it_b = b.affirm()
        conj = self.rng.choice([("and", "e"), ("but", "ma")])
        return en_a + (conj[0],) + en_b, it_a + (conj[1],) + it_b, False

    def s_plural_subject(self) -> _Shape:
        tag = self.rng.choice(["person", "person", "animal"])
        parts = []
        for _ in range(2):
            if tag == "person" and self.chance(0.25):
                parts.append(noun_phrase(self.pick(NAMES), "bare"))
            else:
                parts.append(self.np(self.noun([tag]), "subj", adj_p=0.15, plural_p=0.15,
                                     allow_num=False))
        if parts[0].en == parts[1].en:
            raise _Retry
        # Mixed genders agree in the masculine: il padre e la madre sono stanchi.
        gender = "f" if all(p.gender == "f" for p in parts) else "m"
        subj = Phrase(parts[0].en + ("and",) + parts[1].en, parts[0].it + ("e",) + parts[1].it,
                      gender, True, 3, noun=parts[0].noun)
        if self.chance(0.4):
            en_adj, it_adj = self.predicate_adjective(subj, [tag])
            return subj.en + ("are",) + en_adj, subj.it + ("sono",) + it_adj, False
        cl = self.intransitive_clause(subj)
        return (*cl.affirm(), False)

    def s_numbers(self) -> _Shape:
        if self.chance(0.3):
            noun = self.noun(["person", "animal"])
            if "sgonly" in noun.tags:
                raise _Retry
            subj = noun_phrase(noun, "num", number=self.pick(NUMBERS))
            return (*self.intransitive_clause(subj).affirm(), False)
        verb = self.pick(_COUNT_VERBS)
        subj = self.subject(verb.subj, pronoun_p=0.25)
        noun = self.pick([n for n in with_tags(COMMON_NOUNS, verb.obj)
                          if "mass" not in n.tags and "sgonly" not in n.tags])
        obj = noun_phrase(noun, "num", adj=self.maybe_adj(noun, 0.3), number=self.pick(NUMBERS))
        return (*Clause(subj, verb, obj.en, obj.it).affirm(), False)

    def s_modal(self) -> _Shape:
        modal = self.rng.choice([VERB["want"], CAN])
        subj = self.subject(["person", "animal"])
        inner = self.any_clause(subj, transitive=[v for v in TRANSITIVE if v.en != "want"])
        subj, base = inner.subj, inner.verb
        en_inf = ("to", base.en) if modal is not CAN else (base.en,)
        en_rest = en_inf + inner.en_comp + inner.en_tail
        it_rest = (base.inf,) + inner.it_comp + inner.it_tail
        it_modal = it_verb(modal, subj)
        r = self.rng.random()
        if r < 0.25:
            en_neg = ("cannot",) if modal is CAN else (en_do(subj), "not", modal.en)
            return subj.en + en_neg + en_rest, subj.it + ("non", it_modal) + it_rest, False
        if r < 0.4 and subj.person == 3:
            en_q = ("can",) + subj.en if modal is CAN else (en_do(subj),) + subj.en + (modal.en,)
            return en_q + en_rest, subj.it + (it_modal,) + it_rest, True
        return subj.en + (en_verb(modal, subj),) + en_rest, subj.it + (it_modal,) + it_rest, False

    def s_like(self) -> _Shape:
        r = self.rng.random()
        if r < 0.2:
            key = self.rng.choice(list(PRONOUNS))
            liker, it_liker = PRONOUNS[key], LIKERS[key]
        else:
            liker = self.person(role="subj", name_p=0.2) if r < 0.85 else self.np(
                self.noun(["animal"]), "subj", adj_p=0.1)
            it_liker = it_pp("a", liker)
        noun = self.noun(_LIKED)
        adj = self.maybe_adj(noun, 0.25)
        plural = not noun.proper and "mass" not in noun.tags and self.chance(0.6)
        if noun.proper:
            liked = noun_phrase(noun, "bare")
            en_liked = liked.en
        else:
            liked = noun_phrase(noun, "the", plural, adj)
            # English likes generics bare (likes cats, likes music) but "the" single things.
            en_liked = liked.en if not plural and "mass" not in noun.tags else liked.en[1:]
        it_v = "piacciono" if liked.plural else "piace"
        if self.chance(0.2):
            en = liker.en + (en_do(liker), "not", "like") + en_liked
            it = (("non",) + it_liker if it_liker[0] in ("mi", "ci") else it_liker + ("non",))
            return en, it + (it_v,) + liked.it, False
        return liker.en + (en_verb(LIKE, liker),) + en_liked, it_liker + (it_v,) + liked.it, False

    def s_how_many(self) -> _Shape:
        if self.chance(0.5):
            noun = self.pick([n for n in with_tags(COMMON_NOUNS, ["animal", "thing", "food", "person"])
                              if not n.tags & {"mass", "sgonly", "place"}])
            np_ = noun_phrase(noun, "bare", True, self.maybe_adj(noun, 0.25))
            en, it = self.landmark(person="person" in noun.tags) if self.chance(0.5) else self.place("at")
            quant = "quante" if np_.gender == "f" else "quanti"
            return (("how", "many") + np_.en + ("are", "there") + en,
                    (quant,) + np_.it + ("ci", "sono") + it, True)
        noun = self.pick([n for n in with_tags(COMMON_NOUNS, ["family", "pet", "thing", "vehicle"])
                          if not n.tags & {"mass", "sgonly"}])
        subj = self.subject(["person"], pronoun_p=0.0, name_p=0.2, adj_p=0.1)
        np_ = noun_phrase(noun, "bare", True)
        quant = "quante" if np_.gender == "f" else "quanti"
        return (("how", "many") + np_.en + (en_do(subj),) + subj.en + ("have",),
                (quant,) + np_.it + (it_verb(VERB["have"], subj),) + subj.it, True)

    def s_genitive(self) -> _Shape:
        if self.chance(0.25):
            owner = noun_phrase(self.pick(NAMES), "bare")
        else:
            noun = self.noun(["person"])
            poss = possessive_weight(noun)
            owner = noun_phrase(noun, self.weighted([("the", 3), ("my", poss / 4), ("our", poss / 10)]))
        owned = self.noun(["family", "pet", "thing", "vehicle"])
        plural = "sgonly" not in owned.tags and "mass" not in owned.tags and self.chance(0.2)
        r = self.rng.random()
        if r < 0.5 and ADJS_FOR[owned.en]:  # the teacher's dog is black
            subj = noun_phrase(owned, "gen", plural, owner=owner)
            en, it = self.predicate_adjective(subj, owned.tags)
            return subj.en + (en_verb(BE, subj),) + en, subj.it + (it_verb(BE, subj),) + it, False
        subj = noun_phrase(owned, "gen", plural, self.maybe_adj(owned, 0.15), owner=owner)
        if r < 0.75 or not owned.tags & {"person", "animal"}:
            en, it = self.landmark() if not owned.tags & {"person"} else self.place("at")
            return subj.en + (en_verb(BE, subj),) + en, subj.it + (it_verb(BE, subj),) + it, False
        return (*self.intransitive_clause(subj).affirm(), False)


# (name, weight): the weight is the share of pairs drawn in that shape.
SHAPES = (
    ("intransitive", 9), ("transitive", 11), ("motion", 5), ("put", 3), ("give", 3),
    ("copula_adj", 6), ("copula_loc", 4), ("profession", 2), ("there_is", 5), ("where", 4),
    ("yes_no", 5), ("wh_question", 5), ("negation", 6), ("coordination", 4),
    ("plural_subject", 3), ("numbers", 3), ("modal", 4), ("like", 3), ("how_many", 2),
    ("genitive", 3),
)


def generate_pairs(seed: int, n: int, max_words: int = 16) -> List[Pair]:
    """`n` distinct English/Italian sentence pairs, the same for the same seed.

    Neither side repeats, so every English sentence has one Italian translation
    and the other way round. The first k pairs do not depend on n.
    """
    gen = _Generator(seed)
    names = [s for s, _ in SHAPES]
    weights = [w for _, w in SHAPES]
    pairs: List[Pair] = []
    seen_en, seen_it = set(), set()
    failures = 0
    while len(pairs) < n:
        shape = gen.rng.choices(names, weights)[0]
        try:
            en, it, question = getattr(gen, "s_" + shape)()
        except _Retry:
            continue
        en_text, it_text = sentence(en, question), sentence(it, question)
        if (en_text in seen_en or it_text in seen_it or len(en_text.split()) > max_words
                or len(it_text.split()) > max_words):
            failures += 1
            if failures > 100 * (n + 10):
                raise RuntimeError(f"the grammar cannot make {n} distinct pairs")
            continue
        seen_en.add(en_text)
        seen_it.add(it_text)
        pairs.append(Pair(en_text, it_text, shape))
    return pairs
