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
Like real segmented speech, every utterance lies over a noise floor (-70 dBFS, no frame
is digital silence: synthesis.NOISE_DBFS) with 0-0.3 s of it at each end, and one
training pair in 20 is also spoken joined with the next one (two sentences and espeak-ng's
pause between them, ids `...-NNNNNj-xx`): a model that has seen both decodes long-form
pieces, which carry pauses (plan.EDGE_S, plan.JOIN_EVERY).

Reruns: existing valid wavs are kept (synthesis resumes), a split dir is written only
after all audio exists, and a rerun with the same parameters after `.done` does
nothing. A rerun with *different* parameters (or a different grammar version) into the
same directory raises `CorpusMismatchError` rather than mixing two corpora.

Texts, speakers, splits and audio samples are a function of the parameters alone,
whatever `nj` and however often a run was interrupted. espeak-ng left alone is not:
it seeds its noise (the breathy voices en+f2, it+f2, it+f3) from the clock and carries
state from one utterance to the next, so synthesis seeds it for every utterance and
speaks fixed blocks of utterances each with a freshly loaded engine (synthesis.BLOCK).

The package, one job a module, each built on the ones before it:

  morphology    inflection rules of English and Italian (articles, plurals, verbs)
  word_tables   the nouns, adjectives and verbs as text tables
  lexicon       entry types, the parsed entries and the closed word classes
  phrases       noun phrases, places and verb agreement in both languages
  clauses       random choices over the lexicon and the clauses they make
  grammar       the sentence shapes and generate_pairs
  plan          speakers, splits and the utterances of each split
  synthesis     espeak-ng audio, one resumable wav per utterance
  corpus        make_corpus: the corpus on disk and the rerun rules
"""
from fama_espnet.data.mini_corpus.corpus import CORPUS_VERSION, CorpusMismatchError, corpus_params, make_corpus
from fama_espnet.data.mini_corpus.grammar import SHAPES, Pair, generate_pairs
from fama_espnet.data.mini_corpus.lexicon import (
    ADJECTIVE,
    ADJECTIVES,
    BE,
    CAN,
    FREQUENCIES,
    FUNCTION_WORDS,
    LIKE,
    NOUN,
    NOUNS,
    NUMBERS,
    POSSESSIVES,
    RELATIONS,
    TIMES,
    VERB,
    VERBS,
    Adjective,
    Noun,
    Term,
    Verb,
    lexicon_counts,
    lexicon_size,
)
from fama_espnet.data.mini_corpus.morphology import (
    en_indefinite,
    en_plural,
    en_third_person,
    it_contract,
    it_definite,
    it_indefinite,
    it_noun_plural,
    it_quello,
)
from fama_espnet.data.mini_corpus.phrases import (
    PRONOUNS,
    Phrase,
    en_verb,
    it_pp,
    it_verb,
    join,
    noun_phrase,
    place_phrase,
    sentence,
)
from fama_espnet.data.mini_corpus.plan import (
    LANGS,
    SPEAKERS,
    SPLITS,
    PlannedUtt,
    Speaker,
    default_heldout_pairs,
    plan_corpus,
    split_pairs,
)
from fama_espnet.data.mini_corpus.synthesis import SAMPLE_RATE, synthesize, valid_wav_frames

__all__ = [
    # morphology
    "en_indefinite", "en_plural", "en_third_person", "it_contract", "it_definite", "it_indefinite",
    "it_noun_plural", "it_quello",
    # lexicon
    "ADJECTIVE", "ADJECTIVES", "BE", "CAN", "FREQUENCIES", "FUNCTION_WORDS", "LIKE", "NOUN", "NOUNS", "NUMBERS",
    "POSSESSIVES", "RELATIONS", "TIMES", "VERB", "VERBS", "Adjective", "Noun", "Term", "Verb", "lexicon_counts",
    "lexicon_size",
    # phrases
    "PRONOUNS", "Phrase", "en_verb", "it_pp", "it_verb", "join", "noun_phrase", "place_phrase", "sentence",
    # grammar
    "SHAPES", "Pair", "generate_pairs",
    # plan
    "LANGS", "SPEAKERS", "SPLITS", "PlannedUtt", "Speaker", "default_heldout_pairs", "plan_corpus", "split_pairs",
    # synthesis
    "SAMPLE_RATE", "synthesize", "valid_wav_frames",
    # corpus
    "CORPUS_VERSION", "CorpusMismatchError", "corpus_params", "make_corpus",
]
