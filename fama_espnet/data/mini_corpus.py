"""mini_fama: a bilingual English/Italian speech translation corpus, spoken by espeak-ng.

Every sentence pair comes from one parallel grammar, so the English and the Italian
side are exact translations of each other: a small model trained for ~20 CPU minutes
can learn ASR in both languages and en->it / it->en translation from it. The grammar
is regular (one Italian rendering per English sentence, fixed word order per sentence
shape) but varied: ~500 lexical entries, 20 sentence shapes, Italian gender, number,
articles (il/lo/l'/la/i/gli/le, un/uno/una/un'), articulated prepositions, agreement
and irregular plurals, English a/an, 3rd-person -s and do-support.

Layout written by `make_corpus(outdir, ...)`:

  <outdir>/wav/<split>/<utt>.wav    16 kHz mono 16-bit PCM
  <outdir>/<split>/                 Kaldi dir (kaldi_dir.write_kaldi_dir) + utt2num_samples
  <outdir>/speakers                 speaker -> language, espeak voice, rate, pitch, role
  <split>/utt2category              seen_voice or held_out_voice (scored apart)
  <outdir>/.params.json, .done      the parameters; .done once every split is written

Each pair is spoken in both languages (the English utterance translates into Italian
and the other way round) by voices drawn per utterance. Splits: test pairs come first
in generation order and never occur in train or dev; per language one voice is held
out: it never speaks train or dev, and speaks every even-numbered test pair (the odd
ones are spoken by the training voices, so test measures both seen and unseen voices).

Reruns: existing valid wavs are kept (synthesis resumes), a split dir is written only
after all audio exists, and a rerun with the same parameters after `.done` does
nothing. A rerun with *different* parameters (or a different grammar version) into the
same directory raises `CorpusMismatchError` rather than mixing two corpora.

Texts, speakers and splits are a function of the parameters alone. The audio samples
are not bit-reproducible: espeak-ng carries internal state (pitch flutter, noise) from
one utterance to the next, so a wav depends slightly on what its process spoke before.
"""
import json
import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, TypeVar

import numpy as np
import soundfile as sf

from fama_espnet.data.kaldi_dir import Utterance, write_kaldi_dir, write_table
from fama_espnet.data.tts import speak
from fama_espnet.files import replacing, write_text
from fama_espnet.parallel import run_jobs

log = logging.getLogger(__name__)

# Bump when the grammar, the lexicon, the voices or the split rules change: the
# version is part of the parameters, so an old corpus is never reused silently.
CORPUS_VERSION = 2
SAMPLE_RATE = 16000
LANGS = ("en", "it")

# ---------------------------------------------------------------------------
# Italian morphology
# ---------------------------------------------------------------------------

_VOWELS = "aeiouàèéìíòóùú"
_DEFINITE = ("il", "lo", "l'", "la", "i", "gli", "le")
# The ending a preposition or "que-" takes in front of each definite article:
# di+il=del, in+gli=negli, su+l'=sull', que+i=quei.
_ART_SUFFIX = {"il": "l", "lo": "llo", "l'": "ll'", "la": "lla", "i": "i", "gli": "gli", "le": "lle"}
_PREP_BASE = {"di": "de", "a": "a", "da": "da", "in": "ne", "su": "su"}


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
    return _PREP_BASE[prep] + _ART_SUFFIX[article]


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


def _it_adjective_forms(ms: str) -> Tuple[str, str, str, str]:
    """(m sg, f sg, m pl, f pl) of a regular adjective."""
    if ms.endswith("e"):
        return ms, ms, ms[:-1] + "i", ms[:-1] + "i"
    stem = ms[:-1]
    if ms.endswith(("co", "go")):
        return ms, stem + "a", stem + "hi", stem + "he"
    if ms.endswith("io"):
        return ms, stem + "a", stem, stem + "e"
    return ms, stem + "a", stem + "i", stem + "e"


def _it_present(inf: str, isc: bool) -> Tuple[str, str, str, str]:
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
# English morphology
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


# ---------------------------------------------------------------------------
# Lexicon
# ---------------------------------------------------------------------------

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


# Columns: English sg[/pl] | Italian sg[/pl] | gender (sg[/pl]) | tags.
# Tag vocabulary: person family job animal pet wild bird flyer food fruit drink mass
# thing cloth read write mail open cont surf lm dish fragile ball vehicle place indoor
# public nodest sgonly film music song radio city proper ours; loc=<en prep>:<it mode>,
# where the mode is "in"/"a" (bare when unmodified: in giardino, a scuola, else with the
# article: nel giardino grande), "in+"/"a+"/"su+" (always articulated: al mercato), and
# "in/su+" names the articulated preposition for the modified case (sulla spiaggia pulita).
# ours: a person one says "my ..." of (my friend, but not my pilot).
_NOUN_TABLE = """
man/men | uomo/uomini | m | person
woman/women | donna | f | person
boy | ragazzo | m | person
girl | ragazza | f | person
child/children | bambino | m | person
friend | amico/amici | m | person ours
neighbour | vicino | m | person ours
guest | ospite | m | person ours
tourist | turista | m | person
king | re/re | m | person
queen | regina | f | person
gnome | gnomo | m | person
teacher | maestra | f | person job ours
doctor | medico/medici | m | person job ours
student | studente | m | person job
cook | cuoco | m | person job
waiter | cameriere | m | person job
nurse | infermiera | f | person job
farmer | contadino | m | person job
driver | autista | m | person job
pilot | pilota | m | person job
artist | artista | m | person job
dentist | dentista | m | person job ours
policeman/policemen | poliziotto | m | person job
postman/postmen | postino | m | person job
baker | fornaio | m | person job
lawyer | avvocato | m | person job ours
painter | pittore | m | person job
actor | attore | m | person job
actress | attrice | f | person job
singer | cantante | f | person job
engineer | ingegnere | m | person job
scientist | scienziato | m | person job
psychologist | psicologo/psicologi | m | person job
soldier | soldato | m | person job
sailor | marinaio | m | person job
mother | madre | f | person family
father | padre | m | person family
brother | fratello | m | person family
sister | sorella | f | person family
uncle | zio/zii | m | person family
aunt | zia | f | person family
grandfather | nonno | m | person family
grandmother | nonna | f | person family
son | figlio | m | person family
daughter | figlia | f | person family
cousin | cugino | m | person family
husband | marito | m | person family sgonly
wife | moglie | f | person family sgonly
Anna | Anna | f | person proper
Marco | Marco | m | person proper
Luca | Luca | m | person proper
Sara | Sara | f | person proper
Paolo | Paolo | m | person proper
Laura | Laura | f | person proper
cat | gatto | m | animal pet
dog | cane | m | animal pet
horse | cavallo | m | animal
bird | uccello | m | animal pet bird
fish/fish | pesce | m | animal pet food
cow | mucca | f | animal
sheep/sheep | pecora | f | animal
mouse/mice | topo | m | animal
rabbit | coniglio | m | animal pet
duck | anatra | f | animal bird
pig | maiale | m | animal
goat | capra | f | animal
donkey | asino | m | animal
chicken | gallina | f | animal
turtle | tartaruga | f | animal pet
lion | leone | m | animal wild
bear | orso | m | animal wild
wolf/wolves | lupo | m | animal wild
fox | volpe | f | animal wild
snake | serpente | m | animal wild
frog | rana | f | animal wild
bee | ape | f | animal wild flyer
elephant | elefante | m | animal wild
owl | gufo | m | animal wild bird
eagle | aquila | f | animal wild bird
squirrel | scoiattolo | m | animal wild
zebra | zebra | f | animal wild
spider | ragno | m | animal wild
tiger | tigre | f | animal wild
monkey | scimmia | f | animal wild
insect | insetto | m | animal wild flyer
apple | mela | f | food fruit
orange | arancia/arance | f | food fruit
egg | uovo/uova | m/f | food
cake | torta | f | food
sandwich | panino | m | food
banana | banana | f | food fruit
lemon | limone | m | food fruit
tomato/tomatoes | pomodoro | m | food
potato/potatoes | patata | f | food
carrot | carota | f | food
pear | pera | f | food fruit
peach | pesca | f | food fruit
strawberry | fragola | f | food fruit
biscuit | biscotto | m | food
pizza | pizza | f | food
onion | cipolla | f | food
ice cream | gelato | m | food
salad | insalata | f | food
sausage | salsiccia/salsicce | f | food
bread | pane | m | food mass
cheese | formaggio | m | food mass
rice | riso | m | food mass
soup | zuppa | f | food mass
meat | carne | f | food mass
pasta | pasta | f | food mass
sugar | zucchero | m | food mass
butter | burro | m | food mass
yogurt | yogurt | m | food mass
chocolate | cioccolato | m | food mass
honey | miele | m | food mass
salt | sale | m | food mass
water | acqua | f | drink mass
milk | latte | m | drink mass
coffee | caffè | m | drink mass
tea | tè | m | drink mass
wine | vino | m | drink mass
juice | succo | m | drink mass
beer | birra | f | drink mass
lemonade | limonata | f | drink mass
music | musica | f | music mass
book | libro | m | thing read
letter | lettera | f | thing read write mail
newspaper | giornale | m | thing read
magazine | rivista | f | thing read
map | mappa | f | thing read
postcard | cartolina | f | thing read write mail
message | messaggio | m | read write mail
song | canzone | f | song write
film | film | m | film
notebook | quaderno | m | thing
pen | penna | f | thing
pencil | matita | f | thing
key | chiave | f | thing
bag | borsa | f | thing cont open
box | scatola | f | thing cont open lm
basket | cestino | m | thing cont
drawer | cassetto | m | thing cont open
cup | tazza | f | thing cont dish fragile
glass/glasses | bicchiere | m | thing cont dish fragile
plate | piatto | m | thing dish fragile
bottle | bottiglia | f | thing cont open dish fragile
knife/knives | coltello | m | thing dish
spoon | cucchiaio | m | thing dish
fork | forchetta | f | thing dish
chair | sedia | f | thing surf lm
table | tavolo | m | thing surf lm
bed | letto | m | thing surf lm
sofa | divano | m | thing surf lm
shelf/shelves | scaffale | m | thing surf lm
door | porta | f | thing lm open
window | finestra | f | thing lm open fragile
lamp | lampada | f | thing fragile
clock | orologio | m | thing
phone | telefono | m | thing fragile
computer | computer | m | thing
picture | quadro | m | thing
photo | foto/foto | f | thing
umbrella | ombrello | m | thing
mirror | specchio | m | thing fragile
backpack | zaino | m | thing cont open
shoe | scarpa | f | thing cloth
hat | cappello | m | thing cloth
shirt | camicia/camicie | f | thing cloth
dress | vestito | m | thing cloth
coat | cappotto | m | thing cloth
sweater | maglione | m | thing cloth
scarf/scarves | sciarpa | f | thing cloth
ball | palla | f | thing ball
stone | sasso | m | thing ball
toy | giocattolo | m | thing
gift | regalo | m | thing mail
flower | fiore | m | thing flower
tree | albero | m | thing lm
ticket | biglietto | m | thing
ring | anello | m | thing
towel | asciugamano/asciugamani | m | thing
blanket | coperta | f | thing
candle | candela | f | thing
envelope | busta | f | thing
radio | radio/radio | f | thing radio
guitar | chitarra | f | thing
piano | pianoforte | m | thing
wallet | portafoglio | m | thing
roof | tetto | m | surf lm
wall | muro | m | surf lm
floor | pavimento | m | surf lm sgonly
car | macchina | f | vehicle lm
bicycle | bicicletta | f | vehicle
bus | autobus | m | vehicle
train | treno | m | vehicle
boat | barca | f | vehicle
plane | aereo | m | vehicle flyer
taxi | taxi | m | vehicle
truck | camion | m | vehicle
motorbike | moto/moto | f | vehicle
tram | tram | m | vehicle
scooter | scooter | m | vehicle
house | casa | f | place indoor loc=in:in+
school | scuola | f | place loc=at:a
market | mercato | m | place public loc=at:a+
park | parco | m | place public loc=in:a+
garden | giardino | m | place loc=in:in
kitchen | cucina | f | place indoor loc=in:in
station | stazione | f | place public loc=at:a+
library | biblioteca | f | place public loc=at:in
church | chiesa | f | place public loc=in:in
hospital | ospedale | m | place public loc=at:a+
office | ufficio | m | place indoor loc=at:in
bank | banca | f | place public loc=at:in
beach | spiaggia/spiagge | f | place public loc=on:in/su+
river | fiume | m | place public loc=at:a+
lake | lago | m | place public loc=at:a+
sea | mare | m | place public sgonly loc=at:a+
mountain | montagna | f | place public loc=on:su+
forest | bosco | m | place public loc=in:in+
city/cities | città | f | place loc=in:in
village | villaggio | m | place loc=in:in+
square | piazza | f | place public loc=in:in
street | strada | f | place public nodest loc=on:su+
bridge | ponte | m | place public nodest lm loc=on:su+
restaurant | ristorante | m | place public loc=at:a+
museum | museo | m | place public loc=at:a+
shop | negozio | m | place indoor loc=in:in+
hotel | albergo | m | place public loc=at:in
airport | aeroporto | m | place public loc=at:a+
stadium | stadio | m | place public loc=at:a+
cinema | cinema/cinema | m | place public loc=at:a+
theatre | teatro | m | place public loc=at:a+
bar | bar | m | place public loc=at:a+
room | stanza | f | place indoor loc=in:in+
bathroom | bagno | m | place indoor loc=in:in
farm | fattoria | f | place loc=on:in+
island | isola | f | place public loc=on:su+
field | campo | m | place loc=in:in+
hill | collina | f | place public loc=on:su+
zoo | zoo/zoo | m | place public loc=at:a+
supermarket | supermercato | m | place public loc=at:a+
castle | castello | m | place public loc=in:in+
tower | torre | f | place public loc=in:in+
port | porto | m | place public loc=at:a+
gym | palestra | f | place public loc=at:in
pool | piscina | f | place public loc=at:in
university/universities | università | f | place public loc=at:a+
classroom | aula | f | place indoor loc=in:in+
countryside | campagna | f | place public sgonly loc=in:in
garage | garage/garage | m | place indoor loc=in:in+
Rome | Roma | f | place city proper
Milan | Milano | f | place city proper
London | Londra | f | place city proper
Paris | Parigi | f | place city proper
Florence | Firenze | f | place city proper
Venice | Venezia | f | place city proper
Naples | Napoli | f | place city proper
Turin | Torino | f | place city proper
Berlin | Berlino | f | place city proper
Genoa | Genova | f | place city proper
Bologna | Bologna | f | place city proper
Madrid | Madrid | f | place city proper
"""

# English | Italian m sg[/f sg/m pl/f pl] | noun tags it applies to ("absolute": no "very").
_ADJECTIVE_TABLE = """
red | rosso | thing vehicle absolute
blue | blu/blu/blu/blu | thing vehicle absolute
green | verde | thing vehicle absolute
yellow | giallo | thing vehicle absolute
white | bianco | thing vehicle animal absolute
black | nero | thing vehicle animal absolute
brown | marrone | thing animal absolute
grey | grigio | thing vehicle animal absolute
pink | rosa/rosa/rosa/rosa | thing absolute
orange | arancione | thing vehicle absolute
purple | viola/viola/viola/viola | thing absolute
big | grande | thing vehicle animal place lm
small | piccolo | thing vehicle animal place person food lm
old | vecchio | thing vehicle animal place person
new | nuovo | thing vehicle place
young | giovane | person animal
beautiful | bello | thing vehicle place person animal
ugly | brutto | thing place animal
tall | alto | person lm
long | lungo | cloth read song film
heavy | pesante | thing
clean | pulito | thing vehicle place animal
dirty | sporco | thing vehicle place animal
empty | vuoto | cont vehicle absolute
full | pieno | cont vehicle absolute
expensive | caro | thing vehicle food
cheap | economico/economica/economici/economiche | thing vehicle
modern | moderno | place vehicle
ancient | antico | place
famous | famoso | place person
quiet | tranquillo | place person animal
noisy | rumoroso | place vehicle animal
soft | morbido | thing
broken | rotto | fragile vehicle absolute
round | rotondo | thing absolute
strange | strano | person animal thing place food
wet | bagnato | thing animal
dry | asciutto | thing
happy | felice | person animal
sad | triste | person animal
tired | stanco | person animal
hungry | affamato | person animal
angry | arrabbiato | person animal
calm | calmo | person animal
sick | malato | person animal
fast | veloce | person animal vehicle
slow | lento | person animal vehicle
strong | forte | person animal
lazy | pigro | person animal
clever | intelligente | person animal
shy | timido | person animal
kind | gentile | person
nice | simpatico/simpatica/simpatici/simpatiche | person
rich | ricco | person
poor | povero | person
busy | occupato | person
brave | coraggioso | person
funny | divertente | person film
hot | caldo | food drink
cold | freddo | food drink
fresh | fresco | food drink
sweet | dolce | food drink
salty | salato | food
good | buono | food drink
delicious | delizioso | food drink
bitter | amaro | drink
ripe | maturo | fruit absolute
"""

# English[/3sg] | Italian infinitive[/1sg,3sg,1pl,3pl] or "/isc" | subject tags | frames.
# Frames: i intransitive, o=<tags> object, to/from/at a place, give=<tags> X to someone,
# put (X on/in/under... a landmark).
_VERB_TABLE = """
sleep | dormire | person animal | i
run | correre | person animal | i
walk | camminare | person animal | i
swim | nuotare | person animal | i
sing | cantare | person bird | i o=song
dance | ballare | person | i
laugh | ridere | person | i
cry | piangere | person | i
work | lavorare | person | i
play | giocare | person pet | i
rest | riposare | person animal | i
jump | saltare | person animal | i
smile | sorridere | person | i
study | studiare | person | i
travel | viaggiare | person | i
shout | gridare | person | i
fly | volare | bird flyer | i
arrive | arrivare | person vehicle | i
leave | partire | person vehicle | i
wait | aspettare | person | i
wait for | aspettare | person | o=person+vehicle
live | abitare | person | at
stay | restare | person | at
go | andare/vado,va,andiamo,vanno | person | to
come | venire/vengo,viene,veniamo,vengono | person | from
return | tornare | person | from
eat | mangiare | person animal | i o=food
drink | bere/bevo,beve,beviamo,bevono | person animal | o=drink
buy | comprare | person | o=food+thing+vehicle+drink
sell | vendere | person | o=food+thing+vehicle
cook | cucinare | person | i o=food
prepare | preparare | person | o=food
read | leggere | person | i o=read
write | scrivere | person | i o=write
open | aprire | person | o=open
close | chiudere | person | o=open
see | vedere | person animal | o=animal+person+vehicle+thing+place
watch | guardare | person animal | o=animal+person+vehicle+film
look for | cercare | person animal | o=thing+person+animal
find | trovare | person animal | o=thing+animal
lose | perdere | person | o=thing
carry | portare | person animal | o=thing
wash | lavare | person | o=cloth+vehicle+pet+dish
clean | pulire/isc | person | o=indoor+thing+vehicle
paint | dipingere | person | i o=thing+indoor
draw | disegnare | person | i o=animal+person+thing+place
love | amare | person | o=person+animal+city
call | chiamare | person | o=person+pet
help | aiutare | person pet | o=person
visit | visitare | person | o=place+city
listen to | ascoltare | person animal | o=person+music+song+radio
take | prendere | person | o=thing+vehicle
use | usare | person | o=thing
fix | riparare | person | o=thing+vehicle
meet | incontrare | person | o=person
follow | seguire | person animal | o=person+animal+vehicle
know | conoscere | person | o=person+city
break | rompere | person animal | o=fragile
choose | scegliere/scelgo,sceglie,scegliamo,scelgono | person | o=thing+food
forget | dimenticare | person | o=thing
receive | ricevere | person | o=mail
throw | lanciare | person | o=ball
wear | indossare | person | o=cloth
hear | sentire | person animal | o=animal+person+vehicle+music+song
finish | finire/isc | person | o=food+read
want | volere/voglio,vuole,vogliamo,vogliono | person animal | o=thing+food+drink+vehicle
have/has | avere/ho,ha,abbiamo,hanno | person | o=pet+thing+vehicle+family
give | dare/do,dà,diamo,danno | person | give=thing+food
send | mandare | person | give=mail
show | mostrare | person | give=thing+read
put | mettere | person | put
"""


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
        forms = tuple(it.split("/")) if "/" in it else _it_adjective_forms(it)
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
            forms = _it_present(inf, isc=conj == "isc")
        obj_tags: set = set()
        frame_names = set()
        for frame in frames.split():
            name, _, tags = frame.partition("=")
            frame_names.add(name)
            obj_tags.update(t for t in tags.split("+") if t)
        verbs.append(Verb(en_base, en3 or en_third_person(en_base), inf, forms,
                          frozenset(subj.split()), frozenset(frame_names), frozenset(obj_tags)))
    return tuple(verbs)


NOUNS = _parse_nouns(_NOUN_TABLE)
ADJECTIVES = _parse_adjectives(_ADJECTIVE_TABLE)
VERBS = _parse_verbs(_VERB_TABLE)
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

_HOUR = Noun("hour", "hours", "ora", "ore", "f", "f", frozenset())
_MINUTE = Noun("minute", "minutes", "minuto", "minuti", "m", "m", frozenset())

POSSESSIVES = {"my": ("mio", "mia", "miei", "mie"), "our": ("nostro", "nostra", "nostri", "nostre"),
               "their": ("loro", "loro", "loro", "loro")}
_THIS = ("questo", "questa", "questi", "queste")

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


# ---------------------------------------------------------------------------
# Phrases
# ---------------------------------------------------------------------------

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
    if np_.art and words[-1] in _PREP_BASE:
        return tuple(words[:-1]) + (it_contract(words[-1], np_.it[0]),) + np_.it[1:]
    return tuple(words) + np_.it


def noun_phrase(noun, det: str = "the", plural: bool = False, adj=None,
                number: Optional[Term] = None, owner: Optional[Phrase] = None) -> Phrase:
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
        en, it = ["these" if plural else "this"], [_THIS[2 * plural + (g == "f")]]
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
_LIKERS = {"I": ("mi",), "we": ("ci",), "he": ("a", "lui"), "she": ("a", "lei"), "they": ("a", "loro")}


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


def _do(subj: Phrase) -> str:
    return "does" if _is_3sg(subj) else "do"


def sentence(tokens: Iterable[str], question: bool = False) -> str:
    text = join(tokens)
    return text[:1].upper() + text[1:] + ("?" if question else ".")


# ---------------------------------------------------------------------------
# Sentence generation
# ---------------------------------------------------------------------------

class Pair(NamedTuple):
    en: str
    it: str
    shape: str


T = TypeVar("T")
_Tokens = Tuple[str, ...]
_Shape = Tuple[_Tokens, _Tokens, bool]  # English, Italian, is a question


@dataclass
class _Clause:
    """Subject + verb + complements; rendered affirmative, negative or as a question."""
    subj: Phrase
    verb: Verb
    en_comp: _Tokens = ()
    it_comp: _Tokens = ()
    en_tail: _Tokens = ()
    it_tail: _Tokens = ()

    def affirm(self, freq: Optional[Term] = None) -> Tuple[_Tokens, _Tokens]:
        en = self.subj.en + ((freq.en,) if freq else ()) + (en_verb(self.verb, self.subj),)
        v = it_verb(self.verb, self.subj)
        if freq is not None and freq.it == "mai":
            it = self.subj.it + ("non", v, "mai")  # never: non ... mai
        else:
            it = self.subj.it + (v,) + ((freq.it,) if freq else ())
        return en + self.en_comp + self.en_tail, it + self.it_comp + self.it_tail

    def negate(self) -> Tuple[_Tokens, _Tokens]:
        en = self.subj.en + (_do(self.subj), "not", self.verb.en)
        it = self.subj.it + ("non", it_verb(self.verb, self.subj))
        return en + self.en_comp + self.en_tail, it + self.it_comp + self.it_tail

    def ask(self) -> Tuple[_Tokens, _Tokens]:
        en = (_do(self.subj),) + self.subj.en + (self.verb.en,)
        it = self.subj.it + (it_verb(self.verb, self.subj),)
        return en + self.en_comp + self.en_tail, it + self.it_comp + self.it_tail


def _with_tags(items: Sequence[T], tags: Iterable[str], attr: str = "tags") -> List[T]:
    tags = frozenset(tags)
    return [x for x in items if getattr(x, attr) & tags]


_COMMON = [n for n in NOUNS if not n.proper]
_NAMES = [n for n in NOUNS if n.proper and "person" in n.tags]
_CITIES = [n for n in NOUNS if "city" in n.tags]
_PLACES = [n for n in NOUNS if "place" in n.tags and not n.proper]
_JOBS = [n for n in NOUNS if "job" in n.tags]
_VEHICLES = [n for n in NOUNS if "vehicle" in n.tags]
_INTRANSITIVE = [v for v in VERBS if "i" in v.frames]
_TRANSITIVE = [v for v in VERBS if "o" in v.frames]
_ABOUT_THINGS = {"food", "drink", "thing", "read", "write", "film", "song", "music", "vehicle",
                 "cloth", "open", "mail", "ball", "fragile"}
_WHAT_VERBS = [v for v in _TRANSITIVE if v.obj & _ABOUT_THINGS]
_MOTION = [v for v in VERBS if v.frames & {"to", "from", "at"}]
_GIVE = [v for v in VERBS if "give" in v.frames]
_COUNT_VERBS = [VERB[k] for k in ("have", "buy", "sell", "see", "want", "find", "draw", "eat",
                                  "carry", "look for", "wash")]
_BENEFACTIVE = {"buy", "cook", "prepare", "write", "paint", "draw", "choose", "fix", "sing"}
_LIKED = ("food", "drink", "animal", "vehicle", "cloth", "flower", "song", "music", "film", "city")
_NO_POSSESSIVE = frozenset({"wild", "public", "proper"})


def _adjs_for(noun: Noun) -> List[Adjective]:
    return [a for a in ADJECTIVES if a.kinds & noun.tags]


_ADJS_FOR = {n.en: _adjs_for(n) for n in NOUNS}


class _Generator:
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

    def noun(self, tags: Iterable[str], pool: Sequence[Noun] = _COMMON) -> Noun:
        return self.pick(_with_tags(pool, tags))

    # -- phrases ------------------------------------------------------------
    def np(self, noun: Noun, role: str = "obj", adj_p: float = 0.3, plural_p: float = 0.3,
           allow_num: bool = True) -> Phrase:
        """A noun phrase as subj, obj ("some" allowed), loc (after a locative preposition)
        or to (after another preposition)."""
        if noun.proper:
            return noun_phrase(noun, "bare")
        adjs = _ADJS_FOR[noun.en]
        adj = self.pick(adjs) if adjs and self.chance(adj_p) else None
        mass = "mass" in noun.tags
        plural = not mass and "sgonly" not in noun.tags and self.chance(plural_p)
        poss = _possessive_weight(noun)
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
            return noun_phrase(self.pick(_NAMES), "bare")
        return self.np(self.noun(tags), "subj", adj_p=adj_p)

    def person(self, role: str = "to", name_p: float = 0.15) -> Phrase:
        if self.chance(name_p):
            return noun_phrase(self.pick(_NAMES), "bare")
        return self.np(self.noun(["person"]), role, adj_p=0.15, plural_p=0.2, allow_num=False)

    def landmark(self, tag: str = "lm", person: bool = False) -> Tuple[_Tokens, _Tokens]:
        """on the table, under the bed, in the box, near the window ...; tag surf/cont
        restricts the relation to on/in. People are not put in boxes."""
        relations = RELATIONS if tag == "lm" else [r for r in RELATIONS if r[2] == tag]
        en_prep, it_prep, lm_tag = self.rng.choice(
            [r for r in relations if not (person and r[2] == "cont")])
        np_ = self.np(self.noun([lm_tag]), "loc", adj_p=0.2, plural_p=0.1)
        return (en_prep,) + np_.en, it_pp(it_prep, np_)

    def place(self, kind: str = "at") -> Tuple[_Tokens, _Tokens]:
        if self.chance(0.2):
            noun = self.pick(_CITIES)
        else:
            pool = [p for p in _PLACES if kind != "to" or "nodest" not in p.tags]
            noun = self.pick(pool)
        return place_phrase(kind, self.np(noun, "loc", adj_p=0.15, plural_p=0.0))

    def location(self, subj: Optional[Phrase] = None) -> Tuple[_Tokens, _Tokens]:
        person = subj is not None and "person" in _subject_tags(subj)
        return self.place("at") if self.chance(0.65) else self.landmark(person=person)

    def time(self) -> Tuple[_Tokens, _Tokens]:
        t = self.pick(TIMES)
        return (t.en,), (t.it,)

    def duration(self) -> Tuple[_Tokens, _Tokens]:
        unit = _HOUR if self.chance(0.6) else _MINUTE
        np_ = (noun_phrase(unit, "a") if self.chance(0.35)
               else noun_phrase(unit, "num", number=self.pick(NUMBERS)))
        return ("for",) + np_.en, ("per",) + np_.it

    def vehicle(self) -> Tuple[_Tokens, _Tokens]:
        v = self.pick(_VEHICLES)
        return ("by", v.en), ("in", v.it)

    # -- clauses ------------------------------------------------------------
    def intransitive_clause(self, subj: Optional[Phrase] = None, extras: bool = True) -> _Clause:
        verb = self.pick(_INTRANSITIVE) if subj is None else self.pick(
            [v for v in _INTRANSITIVE if v.subj & _subject_tags(subj)])
        subj = subj or self.subject(verb.subj)
        cl = _Clause(subj, verb)
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
                          verbs: Sequence[Verb] = _TRANSITIVE) -> _Clause:
        if subj is not None:
            verbs = [v for v in verbs if v.subj & _subject_tags(subj)]
        verb = self.pick(verbs)
        subj = subj or self.subject(verb.subj)
        obj = self.np(self.noun(verb.obj), "obj")
        cl = _Clause(subj, verb, obj.en, obj.it)
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

    def motion_clause(self, subj: Optional[Phrase] = None) -> _Clause:
        verb = self.pick(_MOTION)
        subj = subj or self.subject(verb.subj)
        kind = next(iter(verb.frames & {"to", "from", "at"}))
        en, it = self.place(kind)
        if kind != "at" and self.chance(0.25):
            ven, vit = self.vehicle()
            en, it = en + ven, it + vit
        cl = _Clause(subj, verb, en, it)
        if self.chance(0.3):
            cl.en_tail, cl.it_tail = self.time()
        return cl

    def any_clause(self, subj: Optional[Phrase] = None, extras: bool = True,
                   transitive: Sequence[Verb] = _TRANSITIVE) -> _Clause:
        """An intransitive, transitive or motion clause that suits the subject."""
        tags = _subject_tags(subj) if subj is not None else frozenset({"person", "animal"})
        r = self.rng.random()
        if r < 0.85 and any(v.subj & tags for v in transitive) and (r >= 0.4 or not any(
                v.subj & tags for v in _INTRANSITIVE)):
            return self.transitive_clause(subj, extras, transitive)
        if r < 0.85 or "person" not in tags:
            return self.intransitive_clause(subj, extras)
        return self.motion_clause(subj)

    def freq(self, p: float) -> Optional[Term]:
        return self.pick(FREQUENCIES) if self.chance(p) else None

    def predicate_adjective(self, subj: Phrase, tags: Iterable[str]) -> Tuple[_Tokens, _Tokens]:
        adj = self.pick(_with_tags(ADJECTIVES, tags, "kinds"))
        form = adj.it(subj.gender, subj.plural)
        if "absolute" not in adj.kinds and self.chance(0.2):
            return ("very", adj.en), ("molto", form)
        return (adj.en,), (form,)

    # -- shapes ---------------------------------------------------------------
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
        cl = _Clause(subj, verb, obj.en + en, obj.it + it)
        return (*cl.affirm(), False)

    def s_give(self) -> _Shape:
        verb = self.pick(_GIVE)
        subj = self.subject(["person"])
        obj = self.np(self.noun(verb.obj), "obj")
        to = self.person()
        cl = _Clause(subj, verb, obj.en + ("to",) + to.en, obj.it + it_pp("a", to))
        if self.chance(0.25):
            cl.en_tail, cl.it_tail = self.time()
        return (*cl.affirm(), False)

    def _copula_subject(self) -> Tuple[Phrase, frozenset]:
        if self.chance(0.12):
            subj = PRONOUNS[self.rng.choice(["he", "she", "they"])]
            return subj, frozenset({"person"})
        if self.chance(0.08):
            noun = self.pick(_NAMES + _CITIES)
            return noun_phrase(noun, "bare"), noun.tags
        noun = self.pick([n for n in _COMMON if _ADJS_FOR[n.en]])
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
            subj = noun_phrase(self.pick([n for n in _NAMES if n.gender == job.gender]), "bare")
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
        adjs = _ADJS_FOR[noun.en]
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
        verb = self.pick([v for v in _INTRANSITIVE if "person" in v.subj or "animal" in v.subj])
        subj = self.subject(verb.subj & {"person", "animal"}, pronoun_p=0.0)
        return (("where", _do(subj)) + subj.en + (verb.en,),
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
            return (("what", _do(subj)) + subj.en + (verb.en,),
                    ("che", "cosa", it_verb(verb, subj)) + subj.it, True)
        if r < 0.55:
            return (*self.transitive_clause(_WHO, extras=False).affirm(), True)
        verb = self.pick(_INTRANSITIVE)
        subj = self.subject(verb.subj, pronoun_p=0.0)
        if r < 0.75:
            return (("when", _do(subj)) + subj.en + (verb.en,),
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
                parts.append(noun_phrase(self.pick(_NAMES), "bare"))
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
        noun = self.pick([n for n in _with_tags(_COMMON, verb.obj)
                          if "mass" not in n.tags and "sgonly" not in n.tags])
        obj = noun_phrase(noun, "num", adj=self.maybe_adj(noun, 0.3), number=self.pick(NUMBERS))
        return (*_Clause(subj, verb, obj.en, obj.it).affirm(), False)

    def s_modal(self) -> _Shape:
        modal = self.rng.choice([VERB["want"], CAN])
        subj = self.subject(["person", "animal"])
        inner = self.any_clause(subj, transitive=[v for v in _TRANSITIVE if v.en != "want"])
        subj, base = inner.subj, inner.verb
        en_inf = ("to", base.en) if modal is not CAN else (base.en,)
        en_rest = en_inf + inner.en_comp + inner.en_tail
        it_rest = (base.inf,) + inner.it_comp + inner.it_tail
        it_modal = it_verb(modal, subj)
        r = self.rng.random()
        if r < 0.25:
            en_neg = ("cannot",) if modal is CAN else (_do(subj), "not", modal.en)
            return subj.en + en_neg + en_rest, subj.it + ("non", it_modal) + it_rest, False
        if r < 0.4 and subj.person == 3:
            en_q = ("can",) + subj.en if modal is CAN else (_do(subj),) + subj.en + (modal.en,)
            return en_q + en_rest, subj.it + (it_modal,) + it_rest, True
        return subj.en + (en_verb(modal, subj),) + en_rest, subj.it + (it_modal,) + it_rest, False

    def s_like(self) -> _Shape:
        r = self.rng.random()
        if r < 0.2:
            key = self.rng.choice(list(PRONOUNS))
            liker, it_liker = PRONOUNS[key], _LIKERS[key]
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
            en = liker.en + (_do(liker), "not", "like") + en_liked
            it = (("non",) + it_liker if it_liker[0] in ("mi", "ci") else it_liker + ("non",))
            return en, it + (it_v,) + liked.it, False
        return liker.en + (en_verb(LIKE, liker),) + en_liked, it_liker + (it_v,) + liked.it, False

    def s_how_many(self) -> _Shape:
        if self.chance(0.5):
            noun = self.pick([n for n in _with_tags(_COMMON, ["animal", "thing", "food", "person"])
                              if not n.tags & {"mass", "sgonly", "place"}])
            np_ = noun_phrase(noun, "bare", True, self.maybe_adj(noun, 0.25))
            en, it = self.landmark(person="person" in noun.tags) if self.chance(0.5) else self.place("at")
            quant = "quante" if np_.gender == "f" else "quanti"
            return (("how", "many") + np_.en + ("are", "there") + en,
                    (quant,) + np_.it + ("ci", "sono") + it, True)
        noun = self.pick([n for n in _with_tags(_COMMON, ["family", "pet", "thing", "vehicle"])
                          if not n.tags & {"mass", "sgonly"}])
        subj = self.subject(["person"], pronoun_p=0.0, name_p=0.2, adj_p=0.1)
        np_ = noun_phrase(noun, "bare", True)
        quant = "quante" if np_.gender == "f" else "quanti"
        return (("how", "many") + np_.en + (_do(subj),) + subj.en + ("have",),
                (quant,) + np_.it + (it_verb(VERB["have"], subj),) + subj.it, True)

    def s_genitive(self) -> _Shape:
        if self.chance(0.25):
            owner = noun_phrase(self.pick(_NAMES), "bare")
        else:
            noun = self.noun(["person"])
            poss = _possessive_weight(noun)
            owner = noun_phrase(noun, self.weighted([("the", 3), ("my", poss / 4), ("our", poss / 10)]))
        owned = self.noun(["family", "pet", "thing", "vehicle"])
        plural = "sgonly" not in owned.tags and "mass" not in owned.tags and self.chance(0.2)
        r = self.rng.random()
        if r < 0.5 and _ADJS_FOR[owned.en]:  # the teacher's dog is black
            subj = noun_phrase(owned, "gen", plural, owner=owner)
            en, it = self.predicate_adjective(subj, owned.tags)
            return subj.en + (en_verb(BE, subj),) + en, subj.it + (it_verb(BE, subj),) + it, False
        subj = noun_phrase(owned, "gen", plural, self.maybe_adj(owned, 0.15), owner=owner)
        if r < 0.75 or not owned.tags & {"person", "animal"}:
            en, it = self.landmark() if not owned.tags & {"person"} else self.place("at")
            return subj.en + (en_verb(BE, subj),) + en, subj.it + (it_verb(BE, subj),) + it, False
        return (*self.intransitive_clause(subj).affirm(), False)


_WHO = Phrase(("who",), ("chi",))  # a 3rd person singular subject: who reads, chi legge


class _Retry(Exception):
    """The drawn combination is not usable (e.g. 'the cat and the cat'): draw again."""


def _possessive_weight(noun: Noun) -> float:
    if noun.tags & _NO_POSSESSIVE:
        return 0.0
    if "family" in noun.tags:
        return 5.0
    if "person" in noun.tags and "ours" not in noun.tags:
        return 0.0
    return 1.2


def _subject_tags(subj: Phrase) -> frozenset:
    return subj.noun.tags if subj.noun is not None else frozenset({"person"})


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


# ---------------------------------------------------------------------------
# Speakers and splits
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Speaker:
    lang: str
    voice: str  # espeak-ng voice+variant
    rate: int  # words per minute
    pitch: int  # 0-100
    held_out: bool = False

    @property
    def id(self) -> str:
        return f"{self.voice.replace('-', '').replace('+', '_')}_r{self.rate}_p{self.pitch}"


# Slow speakers (105-142 words per minute; espeak's default is 175): at the mini
# model's 8x subsampling and 400 units, 97% of the transcripts have fewer tokens than
# encoder frames, which CTC needs; at 140-190 wpm a sixth of them did not.
SPEAKERS = (
    Speaker("en", "en+m1", 112, 45),
    Speaker("en", "en+f2", 128, 62),
    Speaker("en", "en-us+m3", 139, 38),
    Speaker("en", "en-us+f4", 120, 56),
    Speaker("en", "en+m7", 105, 50),
    Speaker("en", "en-us+m2", 124, 48, held_out=True),
    Speaker("it", "it+m1", 116, 44),
    Speaker("it", "it+f2", 131, 60),
    Speaker("it", "it+m3", 142, 38),
    Speaker("it", "it+f4", 109, 55),
    Speaker("it", "it+m7", 128, 50),
    Speaker("it", "it+f3", 124, 52, held_out=True),
)
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class PlannedUtt:
    split: str
    index: int  # pair index within the split: both languages of a pair share it
    speaker: Speaker
    text: str
    text_tgt: str

    @property
    def lang(self) -> str:
        return self.speaker.lang

    @property
    def tgt_lang(self) -> str:
        return "it" if self.lang == "en" else "en"

    @property
    def id(self) -> str:
        # Speaker first (Kaldi convention: sorting by utterance sorts by speaker).
        return f"{self.speaker.id}-{self.split}-{self.index:05d}-{self.lang}"


def default_heldout_pairs(num_pairs: int) -> int:
    return max(1, min(100, num_pairs // 10))


def split_pairs(pairs: Sequence[Pair], dev_pairs: int, test_pairs: int) -> Dict[str, List[Pair]]:
    """Test takes the first pairs, dev the next, train the rest (pairs are all distinct)."""
    if dev_pairs + test_pairs >= len(pairs):
        raise ValueError(f"dev ({dev_pairs}) + test ({test_pairs}) leave no training pair "
                         f"out of {len(pairs)}")
    return {"test": list(pairs[:test_pairs]), "dev": list(pairs[test_pairs:test_pairs + dev_pairs]),
            "train": list(pairs[test_pairs + dev_pairs:])}


def plan_corpus(num_pairs: int, seed: int = 0, dev_pairs: Optional[int] = None,
                test_pairs: Optional[int] = None) -> Dict[str, List[PlannedUtt]]:
    """Every utterance of every split: each pair spoken once in English, once in Italian."""
    dev_pairs = default_heldout_pairs(num_pairs) if dev_pairs is None else dev_pairs
    test_pairs = default_heldout_pairs(num_pairs) if test_pairs is None else test_pairs
    splits = split_pairs(generate_pairs(seed, num_pairs), dev_pairs, test_pairs)
    rng = random.Random(f"mini_fama-voices-{seed}")
    plan: Dict[str, List[PlannedUtt]] = {}
    for split in SPLITS:
        utts = []
        for i, pair in enumerate(splits[split]):
            for lang, text, tgt in (("en", pair.en, pair.it), ("it", pair.it, pair.en)):
                seen = [s for s in SPEAKERS if s.lang == lang and not s.held_out]
                held = [s for s in SPEAKERS if s.lang == lang and s.held_out]
                spk = held[0] if split == "test" and i % 2 == 0 else rng.choice(seen)
                utts.append(PlannedUtt(split, i, spk, text, tgt))
        plan[split] = utts
    return plan


# ---------------------------------------------------------------------------
# Synthesis
# ---------------------------------------------------------------------------

def synthesize(text: str, voice: str, rate: int, pitch: int) -> np.ndarray:
    """Float32 samples at 16 kHz (tts.speak: ~4 ms per sentence, 400x real time, one core)."""
    return speak(text, voice=voice, rate=rate, pitch=pitch, fs=SAMPLE_RATE)


def valid_wav_frames(path: Path) -> int:
    """Number of samples of a readable 16 kHz mono 16-bit wav, 0 when absent or not so."""
    try:
        info = sf.info(str(path))
    except (RuntimeError, sf.LibsndfileError, OSError):
        return 0
    ok = info.samplerate == SAMPLE_RATE and info.channels == 1 and info.subtype == "PCM_16"
    return info.frames if ok else 0


def _synth_job(job: Tuple[str, str, str, int, int]) -> Tuple[str, int, bool]:
    """-> (path, samples, made): a valid existing file is kept as it is."""
    path, text, voice, rate, pitch = job
    frames = valid_wav_frames(Path(path))
    if frames:
        return path, frames, False
    wav = synthesize(text, voice, rate, pitch)
    if len(wav) == 0:
        raise RuntimeError(f"espeak-ng produced no audio for {text!r} ({voice})")
    with replacing(path, keep_suffix=True) as tmp:
        sf.write(str(tmp), wav, SAMPLE_RATE, subtype="PCM_16", format="WAV")
    return path, len(wav), True


def _run_jobs(jobs: List[Tuple[str, str, str, int, int]], nj: int, progress: bool) -> Dict[str, int]:
    # each job is one utterance; spawned workers each get their own espeak-ng engine
    frames: Dict[str, int] = {}
    made = 0
    for path, n, new in run_jobs(_synth_job, jobs, nj, desc="synthesis", progress=progress):
        frames[path] = n
        made += new
    log.info("synthesised %d utterances, kept %d existing", made, len(jobs) - made)
    return frames


# ---------------------------------------------------------------------------
# Corpus on disk
# ---------------------------------------------------------------------------

class CorpusMismatchError(RuntimeError):
    """The output directory holds (part of) a corpus made with other parameters."""


def corpus_params(num_pairs: int, seed: int, dev_pairs: Optional[int],
                  test_pairs: Optional[int]) -> Dict[str, int]:
    return {
        "version": CORPUS_VERSION, "num_pairs": num_pairs, "seed": seed,
        "dev_pairs": default_heldout_pairs(num_pairs) if dev_pairs is None else dev_pairs,
        "test_pairs": default_heldout_pairs(num_pairs) if test_pairs is None else test_pairs,
    }


def _write_json(path: Path, obj: dict) -> None:
    write_text(path, json.dumps(obj, sort_keys=True) + "\n")


def _check_params(outdir: Path, params: dict) -> bool:
    """True when `outdir` already holds this corpus complete; raise when it holds another."""
    for name in (".done", ".params.json"):
        path = outdir / name
        if path.exists():
            old = json.loads(path.read_text())
            if old != params:
                raise CorpusMismatchError(
                    f"{outdir} holds a mini_fama corpus made with {old}, not {params}; "
                    f"remove it or choose another output directory")
    done = (outdir / ".done").exists()
    return done and all((outdir / s / "wav.scp").exists() for s in SPLITS)


def make_corpus(outdir, num_pairs: int = 3000, seed: int = 0, nj: int = 1,
                dev_pairs: Optional[int] = None, test_pairs: Optional[int] = None,
                progress: bool = True) -> Dict[str, Path]:
    """Generate, speak and write the corpus; -> {split: Kaldi data dir}. See module doc.

    With nj > 1 the workers are started with 'spawn', so a script calling this must
    guard its top level with `if __name__ == "__main__":`.
    """
    outdir = Path(outdir).resolve()
    params = corpus_params(num_pairs, seed, dev_pairs, test_pairs)
    dirs = {s: outdir / s for s in SPLITS}
    outdir.mkdir(parents=True, exist_ok=True)
    if _check_params(outdir, params):
        log.info("%s is complete (%s): nothing to do", outdir, params)
        return dirs
    _write_json(outdir / ".params.json", params)

    plan = plan_corpus(num_pairs, seed, params["dev_pairs"], params["test_pairs"])
    jobs = []
    for split, utts in plan.items():
        (outdir / "wav" / split).mkdir(parents=True, exist_ok=True)
        for u in utts:
            path = outdir / "wav" / split / f"{u.id}.wav"
            jobs.append((str(path), u.text, u.speaker.voice, u.speaker.rate, u.speaker.pitch))
    frames = _run_jobs(jobs, nj, progress)

    for split, utts in plan.items():
        rows = []
        for u in utts:
            wav = str(outdir / "wav" / split / f"{u.id}.wav")
            rows.append(Utterance(u.id, wav, u.text, u.lang, u.speaker.id, u.text_tgt, u.tgt_lang))
        write_kaldi_dir(dirs[split], rows)
        write_table(dirs[split] / "utt2num_samples", {r.id: str(frames[r.wav]) for r in rows})
        # Scoring reports each category apart (bin/score.py): the test split's unseen voices.
        write_table(dirs[split] / "utt2category",
                    {u.id: "held_out_voice" if u.speaker.held_out else "seen_voice" for u in utts})
    write_table(outdir / "speakers", {
        s.id: f"{s.lang} {s.voice} {s.rate} {s.pitch} {'held_out' if s.held_out else 'seen'}"
        for s in SPEAKERS})
    _write_json(outdir / ".done", params)
    return dirs
