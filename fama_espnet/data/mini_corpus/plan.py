"""The corpus plan: the speakers (espeak-ng voices), the splits, and every utterance that
each split holds. A function of the parameters alone: no audio is made here. The rules
for the splits and the held-out voices are in the package doc.
"""
import random
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from fama_espnet.data.mini_corpus.grammar import Pair, generate_pairs

LANGS = ("en", "it")


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
    lead_s: float = 0.0  # silence spoken before and after the sentence(s)
    trail_s: float = 0.0
    joined: bool = False  # this pair's sentences followed by the next pair's, one utterance

    @property
    def lang(self) -> str:
        return self.speaker.lang

    @property
    def tgt_lang(self) -> str:
        return "it" if self.lang == "en" else "en"

    @property
    def id(self) -> str:
        # Speaker first (Kaldi convention: sorting by utterance sorts by speaker).
        return f"{self.speaker.id}-{self.split}-{self.index:05d}{'j' if self.joined else ''}-{self.lang}"


# Real segmented speech has silence around it and, in segments of up to 30 s, several
# sentences with pauses between them; long-form pieces (VAD speech plus 0.2 s of pause
# each side) look like that. So every utterance gets 0-0.3 s of pause (the noise floor,
# synthesis.NOISE_DBFS) at each end, and
# one training pair in JOIN_EVERY is also spoken joined with the next pair.
EDGE_S = (0.0, 0.3)
JOIN_EVERY = 20


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
    """Every utterance of every split: each pair spoken once in English, once in Italian
    (and the joined ones, train only: see EDGE_S / JOIN_EVERY above)."""
    dev_pairs = default_heldout_pairs(num_pairs) if dev_pairs is None else dev_pairs
    test_pairs = default_heldout_pairs(num_pairs) if test_pairs is None else test_pairs
    splits = split_pairs(generate_pairs(seed, num_pairs), dev_pairs, test_pairs)
    rng = random.Random(f"mini_fama-voices-{seed}")
    edges = random.Random(f"mini_fama-edges-{seed}")
    plan: Dict[str, List[PlannedUtt]] = {}
    for split in SPLITS:
        utts = []
        pairs = splits[split]
        for i, pair in enumerate(pairs):
            spoken = [(pair, False)]
            if split == "train" and i % JOIN_EVERY == JOIN_EVERY - 1 and i + 1 < len(pairs):
                nxt = pairs[i + 1]
                spoken.append((Pair(f"{pair.en} {nxt.en}", f"{pair.it} {nxt.it}", pair.shape), True))
            for p, joined in spoken:
                for lang, text, tgt in (("en", p.en, p.it), ("it", p.it, p.en)):
                    seen = [s for s in SPEAKERS if s.lang == lang and not s.held_out]
                    held = [s for s in SPEAKERS if s.lang == lang and s.held_out]
                    spk = held[0] if split == "test" and i % 2 == 0 else rng.choice(seen)
                    lead, trail = (round(edges.uniform(*EDGE_S), 3) for _ in range(2))
                    utts.append(PlannedUtt(split, i, spk, text, tgt, lead, trail, joined))
        plan[split] = utts
    return plan
