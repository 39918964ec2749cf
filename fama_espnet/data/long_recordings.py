"""Long recordings with a known answer, for testing long-form decoding.

Sentences of the mini_fama grammar (its held-out test pairs, `generate_pairs(seed,
...)[:test_pairs]`) are spoken by espeak-ng back to back with pauses of known length.
Each sentence's audio is trimmed to its first and last sample above -60 dBFS, so the
true speech spans are exact; espeak-ng's own word events give the reference word start
times. The voices are the mini corpus's, taken in turn (held-out voice first), over its
noise floor (synthesis.noise_floor), pauses included.

`write_recording` streams the audio to a wav file sentence by sentence (any length
with bounded memory); `make_recording` returns it in memory.
"""
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

import numpy as np
import soundfile as sf

from fama_espnet.audio import resample, to_float
from fama_espnet.data.mini_corpus import SAMPLE_RATE, SPEAKERS, Speaker, generate_pairs
from fama_espnet.data.mini_corpus.synthesis import noise_floor
from fama_espnet.data.tts import Espeak

_FLOOR = 10 ** (-60 / 20)


@dataclass
class Sentence:
    start: float                 # seconds in the recording: first sample of speech
    end: float                   # last sample of speech
    text: str                    # what is spoken (the transcript)
    translation: str
    speaker: str
    words: List[Tuple[str, float]] = field(default_factory=list)  # espeak-ng word starts


@dataclass
class Recording:
    lang: str
    duration: float
    sentences: List[Sentence]
    wave: Optional[np.ndarray] = None  # 16 kHz float32, only from make_recording

    @property
    def transcript(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def translation(self) -> str:
        return " ".join(s.translation for s in self.sentences)

    def pauses(self) -> List[Tuple[float, float]]:
        """The spans between consecutive sentences (the noise floor only)."""
        return [(a.end, b.start) for a, b in zip(self.sentences, self.sentences[1:])]


def _speak(text: str, spk: Speaker) -> Tuple[np.ndarray, List[Tuple[str, float]]]:
    engine = Espeak.get()
    raw, words = engine.synth_words(text, spk.voice, spk.rate, spk.pitch)
    wav = resample(to_float(raw), engine.sample_rate, SAMPLE_RATE)
    loud = np.nonzero(np.abs(wav) > _FLOOR)[0]
    if not len(loud):
        return wav[:0], []
    a, b = int(loud[0]), int(loud[-1]) + 1
    return wav[a:b], [(w, max(0.0, t - a / SAMPLE_RATE)) for w, t in words]


def _sentences(lang: str, count: int, seed: int, test_pairs: int) -> Iterator[Tuple[str, str, Speaker]]:
    pairs = generate_pairs(seed, test_pairs)
    voices = sorted((s for s in SPEAKERS if s.lang == lang), key=lambda s: not s.held_out)
    for i in range(count):
        p = pairs[i % len(pairs)]
        text, tgt = (p.en, p.it) if lang == "en" else (p.it, p.en)
        yield text, tgt, voices[i % len(voices)]


def recording_chunks(lang: str, sentences: int, pause_s: Sequence[float] = (0.6, 1.5), lead_s: float = 0.5,
                     seed: int = 0, test_pairs: int = 100) -> Iterator[Tuple[np.ndarray, Optional[Sentence]]]:
    """(samples, Sentence or None for silence) in order; pauses uniform in `pause_s`."""
    Espeak.reset()  # the same recording on every call (espeak-ng carries state between sentences)
    rng = random.Random(f"long-{lang}-{seed}")
    noise = np.random.default_rng(zlib.crc32(f"long-{lang}-{seed}".encode()))
    t = 0.0
    silence = lambda s: noise_floor(np.zeros(int(round(s * SAMPLE_RATE)), np.float32), noise)  # noqa: E731
    lead = silence(lead_s)
    yield lead, None
    t += len(lead) / SAMPLE_RATE
    for i, (text, tgt, spk) in enumerate(_sentences(lang, sentences, seed, test_pairs)):
        wav, words = _speak(text, spk)
        sent = Sentence(round(t, 4), round(t + len(wav) / SAMPLE_RATE, 4), text, tgt, spk.id,
                        [(w, round(t + s, 4)) for w, s in words])
        yield noise_floor(wav, noise), sent
        t += len(wav) / SAMPLE_RATE
        gap = silence(rng.uniform(*pause_s) if i + 1 < sentences else lead_s)
        yield gap, None
        t += len(gap) / SAMPLE_RATE


def make_recording(lang: str, sentences: int, **kw) -> Recording:
    waves, sents = [], []
    for wav, sent in recording_chunks(lang, sentences, **kw):
        waves.append(wav)
        sents += [sent] if sent else []
    wave = np.concatenate(waves)
    return Recording(lang, len(wave) / SAMPLE_RATE, sents, wave)


def write_recording(path, lang: str, sentences: int, **kw) -> Recording:
    """Streams the recording into a 16 kHz 16-bit wav at `path`."""
    sents, n = [], 0
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with sf.SoundFile(str(path), "w", SAMPLE_RATE, 1, "PCM_16") as f:
        for wav, sent in recording_chunks(lang, sentences, **kw):
            f.write(wav)
            n += len(wav)
            sents += [sent] if sent else []
    return Recording(lang, n / SAMPLE_RATE, sents)
