"""The mini_fama corpus: deterministic, grammatical in both languages, clean splits, and
synthesis that writes readable 16 kHz Kaldi dirs once and only once."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from fama_espnet.bin.make_mini_corpus import main as cli
from fama_espnet.data import mini_corpus as mc
from fama_espnet.data.kaldi_dir import read_table
from fama_espnet.data.mini_corpus import (
    VERB,
    en_indefinite,
    en_third_person,
    it_definite,
    it_indefinite,
    it_pp,
    noun_phrase,
    place_phrase,
)
from fama_espnet.data.tts import speak

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pairs():
    return mc.generate_pairs(0, 3000)


def test_same_seed_same_pairs_whatever_the_hash_seed(pairs):
    assert mc.generate_pairs(0, 3000) == pairs
    assert mc.generate_pairs(1, 50) != pairs[:50]
    assert mc.generate_pairs(0, 50) == pairs[:50]  # a bigger corpus extends a smaller one
    code = "from fama_espnet.data.mini_corpus import generate_pairs; print(generate_pairs(0, 200))"
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2")}
    assert outs == {repr(pairs[:200]) + "\n"}


def test_pairs_are_distinct_well_formed_and_cover_the_lexicon(pairs):
    assert len({p.en for p in pairs}) == len({p.it for p in pairs}) == len(pairs)
    assert {p.shape for p in pairs} == {name for name, _ in mc.SHAPES}
    assert len(mc.SHAPES) >= 12 and mc.lexicon_size() >= 400
    form = re.compile(r"^[A-Z][A-Za-zàèéìòù' ]*[.?]$")
    for p in pairs:
        assert form.match(p.en) and form.match(p.it), p
        assert p.en[-1] == p.it[-1], p
    text = " ".join(p.en for p in pairs).lower()
    words = set(re.findall(r"[a-z]+", text))
    assert all(a.en in words for a in mc.ADJECTIVES)
    assert all(n.en.split()[0].lower() in words or n.en_pl.lower() in words for n in mc.NOUNS)


@pytest.mark.parametrize("noun, kw, en, it", [
    ("cat", {}, "the cat", "il gatto"),
    ("uncle", {}, "the uncle", "lo zio"),
    ("backpack", {}, "the backpack", "lo zaino"),
    ("scientist", {}, "the scientist", "lo scienziato"),
    ("psychologist", {"plural": True}, "the psychologists", "gli psicologi"),
    ("gnome", {}, "the gnome", "lo gnomo"),
    ("yogurt", {}, "the yogurt", "lo yogurt"),
    ("tree", {}, "the tree", "l'albero"),
    ("tree", {"plural": True}, "the trees", "gli alberi"),
    ("island", {"plural": True}, "the islands", "le isole"),
    ("man", {"plural": True, "adj": "old"}, "the old men", "gli uomini vecchi"),
    ("egg", {"plural": True, "adj": "fresh"}, "the fresh eggs", "le uova fresche"),
    ("shirt", {"plural": True, "adj": "white"}, "the white shirts", "le camicie bianche"),
    ("car", {"plural": True, "adj": "blue"}, "the blue cars", "le macchine blu"),
    ("friend", {"plural": True, "adj": "nice"}, "the nice friends", "gli amici simpatici"),
    ("egg", {"det": "a"}, "an egg", "un uovo"),
    ("backpack", {"det": "a"}, "a backpack", "uno zaino"),
    ("island", {"det": "a"}, "an island", "un'isola"),
    ("university", {"det": "a"}, "a university", "un'università"),
    ("car", {"det": "a", "adj": "old"}, "an old car", "una macchina vecchia"),
    ("umbrella", {"det": "a", "adj": "big"}, "a big umbrella", "un ombrello grande"),
    ("brother", {"det": "my"}, "my brother", "mio fratello"),
    ("brother", {"det": "my", "plural": True}, "my brothers", "i miei fratelli"),
    ("brother", {"det": "my", "adj": "tall"}, "my tall brother", "il mio fratello alto"),
    ("mother", {"det": "their"}, "their mother", "la loro madre"),
    ("house", {"det": "our"}, "our house", "la nostra casa"),
    ("tree", {"det": "that"}, "that tree", "quell'albero"),
    ("backpack", {"det": "that", "plural": True}, "those backpacks", "quegli zaini"),
    ("cat", {"det": "this", "plural": True}, "these cats", "questi gatti"),
    ("water", {"det": "some"}, "some water", "dell'acqua"),
    ("sugar", {"det": "some"}, "some sugar", "dello zucchero"),
    ("egg", {"det": "some", "plural": True}, "some eggs", "delle uova"),
])
def test_italian_articles_and_agreement(noun, kw, en, it):
    np_ = noun_phrase(noun, **kw)
    assert (np_.en_text, np_.it_text) == (en, it)


def test_italian_prepositions_possessives_and_verbs():
    assert it_definite("m", False, "psicologo") == "lo" and it_indefinite("m", "zio") == "uno"
    assert it_definite("f", False, "hotel") == "l'"
    assert " ".join(it_pp("su", noun_phrase("table"))) == "sul tavolo"
    assert " ".join(it_pp("vicino a", noun_phrase("window"))) == "vicino alla finestra"
    assert " ".join(it_pp("a", noun_phrase("sister", "my"))) == "a mia sorella"
    where = {name: place_phrase(kind, noun_phrase(name, **kw)) for name, kind, kw in [
        ("kitchen", "at", {}), ("market", "to", {}), ("zoo", "at", {}), ("airport", "at", {}),
        ("school", "to", {}), ("station", "from", {}), ("garden", "at", {"adj": "big"}),
        ("beach", "at", {"adj": "clean"}), ("Rome", "at", {"det": "bare"})]}
    assert {k: (" ".join(e), mc.join(i)) for k, (e, i) in where.items()} == {
        "kitchen": ("in the kitchen", "in cucina"), "market": ("to the market", "al mercato"),
        "zoo": ("at the zoo", "allo zoo"), "airport": ("at the airport", "all'aeroporto"),
        "school": ("to school", "a scuola"), "station": ("from the station", "dalla stazione"),
        "garden": ("in the big garden", "nel giardino grande"),
        "beach": ("on the clean beach", "sulla spiaggia pulita"), "Rome": ("in Rome", "a Roma")}
    gen = noun_phrase("dog", "gen", owner=noun_phrase("teacher"))
    assert (gen.en_text, gen.it_text) == ("the teacher's dog", "il cane della maestra")
    assert VERB["play"].forms == ("gioco", "gioca", "giochiamo", "giocano")
    assert VERB["eat"].forms == ("mangio", "mangia", "mangiamo", "mangiano")
    assert VERB["clean"].forms == ("pulisco", "pulisce", "puliamo", "puliscono")
    assert VERB["drink"].forms == ("bevo", "beve", "beviamo", "bevono")


def test_english_a_an_and_third_person(pairs):
    assert [en_indefinite(w) for w in ("egg", "university", "hour", "umbrella", "house", "one")] == \
        ["an", "a", "an", "an", "a", "a"]
    assert [en_third_person(v) for v in ("read", "watch", "go", "study", "play", "have", "look for",
                                         "fix")] == \
        ["reads", "watches", "goes", "studies", "plays", "has", "looks for", "fixes"]
    assert (mc.NOUN["child"].en_pl, mc.NOUN["knife"].en_pl, mc.NOUN["box"].en_pl) == \
        ("children", "knives", "boxes")
    base = {v.en.split()[0] for v in mc.VERBS} | {"like"}
    third = {v.en3.split()[0] for v in mc.VERBS} | {"likes", "is", "does"}
    adverbs = {f.en for f in mc.FREQUENCIES}
    for p in pairs:
        words = p.en.rstrip(".?").split()
        for before, prev, word in zip(["", *words], words, words[1:]):
            if (before, prev) in (("does", "not"), ("do", "not"), ("want", "to"), ("wants", "to")) \
                    or prev in ("can", "cannot"):
                assert word in base and word not in third, p  # does not eat, can swim, wants to go
        subject_verb = words[2] if words[1] in adverbs else words[1]
        if words[0] in ("He", "She"):
            assert subject_verb in third | {"can", "cannot"}, p
        if words[0] in ("I", "We", "They"):
            assert subject_verb in base | {"am", "are", "do", "can", "cannot"}, p


def test_splits_voices_and_utterances():
    plan = mc.plan_corpus(60, seed=0, dev_pairs=6, test_pairs=8)
    text = {s: {(u.text, u.text_tgt) for u in utts} for s, utts in plan.items()}
    assert not text["test"] & (text["train"] | text["dev"])
    assert not text["dev"] & text["train"]
    held = {s.id for s in mc.SPEAKERS if s.held_out}
    assert len(held) == 2 and {s.lang for s in mc.SPEAKERS if s.held_out} == {"en", "it"}
    assert not held & {u.speaker.id for s in ("train", "dev") for u in plan[s]}
    assert held <= {u.speaker.id for u in plan["test"]}
    ids = [u.id for utts in plan.values() for u in utts]
    joined = [u for u in plan["train"] if u.joined]  # train pairs 19 and 39, with the pair after each
    assert len(ids) == len(set(ids)) == 2 * 60 + len(joined) and len(joined) == 2 * 2
    for split, utts in plan.items():
        assert len([u for u in utts if not u.joined]) == 2 * {"train": 46, "dev": 6, "test": 8}[split]
        for u in utts:
            assert u.id.startswith(u.speaker.id + "-") and u.speaker.lang == u.lang
            assert u.text and u.text_tgt and {u.lang, u.tgt_lang} == {"en", "it"}
            assert 0.0 <= u.lead_s <= 0.3 and 0.0 <= u.trail_s <= 0.3
        by_pair = {}
        for u in utts:
            by_pair.setdefault((u.index, u.joined), {})[u.lang] = u
        for both in by_pair.values():  # each pair in both directions, as each other's translation
            assert (both["en"].text, both["en"].text_tgt) == (both["it"].text_tgt, both["it"].text)
    alone = {(u.index, u.lang): u.text for u in plan["train"] if not u.joined}
    for u in joined:  # two sentences: its pair's, then the next pair's
        assert u.text == f"{alone[u.index, u.lang]} {alone[u.index + 1, u.lang]}"


def test_speaker_voices_exist_and_are_distinct():
    import espeakng_loader

    variants = Path(espeakng_loader.get_data_path()) / "voices" / "!v"
    # espeak-ng ignores an unknown variant silently, so check the files.
    for s in mc.SPEAKERS:
        assert (variants / s.voice.split("+")[1]).exists(), s
        assert 100 <= s.rate <= 145
    assert len({s.id for s in mc.SPEAKERS}) == len({(s.voice, s.rate, s.pitch) for s in mc.SPEAKERS})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("mini") / "mini_fama"
    dirs = mc.make_corpus(out, num_pairs=4, seed=0, nj=1, dev_pairs=1, test_pairs=1, progress=False)
    return out, dirs


def test_synthesis_writes_16k_wavs_and_kaldi_dirs(corpus):
    out, dirs = corpus
    plans = {u.id: (u.lead_s, u.trail_s) for utts in mc.plan_corpus(4, 0, 1, 1).values() for u in utts}
    assert set(dirs) == {"train", "dev", "test"} and (out / ".done").exists()
    sizes = {"train": 4, "dev": 2, "test": 2}
    for split, d in dirs.items():
        tables = {n: read_table(d / n) for n in ("wav.scp", "text", "text_tgt", "utt2lang",
                                                  "utt2tgtlang", "utt2spk", "utt2num_samples")}
        assert all(len(t) == sizes[split] for t in tables.values())
        assert sorted(tables["utt2lang"].values()) == sorted(["en", "it"] * (sizes[split] // 2))
        for uid, path in tables["wav.scp"].items():
            assert Path(path).is_absolute() and Path(path).parent == out / "wav" / split
            wav, fs = sf.read(path, dtype="int16")
            info = sf.info(path)
            assert (fs, info.channels, info.subtype) == (16000, 1, "PCM_16")
            assert len(wav) == int(tables["utt2num_samples"][uid]) > 8000
            assert abs(wav).max() > 1000
            # The planned silence at each end: only the noise floor (-70 dBFS rms, ~10 in int16).
            speech = np.nonzero(np.abs(wav) > 200)[0]
            lead, trail = plans[uid]
            assert speech[0] >= int(round(lead * 16000)) and len(wav) - 1 - speech[-1] >= int(round(trail * 16000))
            assert 3 < np.sqrt(np.mean(wav[: speech[0]].astype(float) ** 2)) < 30 or speech[0] < 160
            assert tables["utt2tgtlang"][uid] != tables["utt2lang"][uid]
        speakers = [tables["utt2spk"][uid] for uid in sorted(tables["utt2spk"])]
        assert speakers == sorted(speakers)  # Kaldi: utterance order is speaker order


def test_rerun_skips_resumes_and_refuses_other_parameters(corpus, capsys):
    out, dirs = corpus
    wavs = sorted((out / "wav").rglob("*.wav"))
    stamps = [w.stat().st_mtime_ns for w in wavs]
    args = ["--outdir", str(out), "--num_pairs", "4", "--dev_pairs", "1", "--test_pairs", "1",
            "--no_progress"]
    assert cli(args) == 0
    assert [w.stat().st_mtime_ns for w in wavs] == stamps

    # Interrupted run: no .done, one wav missing, one split dir not written yet. The
    # missing wav's block is spoken again, and only that wav is written: the same samples.
    (out / ".done").unlink()
    lost = wavs[0].read_bytes()
    wavs[0].unlink()
    for f in dirs["dev"].iterdir():
        f.unlink()
    assert cli(args) == 0
    assert wavs[0].read_bytes() == lost and (dirs["dev"] / "wav.scp").exists()
    assert [w.stat().st_mtime_ns for w in wavs[1:]] == stamps[1:]

    assert cli(args[:3] + ["5"] + args[4:]) == 1
    assert "remove it or choose another" in capsys.readouterr().err
    with pytest.raises(mc.CorpusMismatchError):
        mc.make_corpus(out, num_pairs=4, seed=1, dev_pairs=1, test_pairs=1, progress=False)


def test_the_corpus_is_the_same_sample_for_sample_whatever_nj(tmp_path, monkeypatch):
    # espeak-ng carries state from one utterance to the next; in this process it has
    # already spoken for other tests, the spawned workers have not, and they split the
    # blocks between them as they finish.
    monkeypatch.setattr(mc.synthesis, "BLOCK", 3)
    speak("what the engine spoke before must not matter", voice="en")
    wavs = {}
    for nj in (1, 2):
        out = tmp_path / f"nj{nj}"
        mc.make_corpus(out, num_pairs=4, seed=0, nj=nj, dev_pairs=1, test_pairs=1, progress=False)
        wavs[nj] = {w.relative_to(out): w.read_bytes() for w in (out / "wav").rglob("*.wav")}
        for split in mc.SPLITS:
            assert read_table(out / split / "text") == read_table(tmp_path / "nj1" / split / "text")
    assert len(wavs[1]) > 2 * mc.synthesis.BLOCK and wavs[1] == wavs[2]
