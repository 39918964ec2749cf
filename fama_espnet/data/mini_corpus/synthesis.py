"""Synthesis: each planned utterance spoken by espeak-ng (through `tts.speak`) into its own
16 kHz mono 16-bit wav; a valid wav already on disk is kept, so an interrupted run resumes.

The corpus is the same, sample for sample, on every run, whatever `nj`: espeak-ng's
samples for a sentence depend on what its engine spoke before (`tts.Espeak`), so
utterances are spoken in fixed blocks of the plan's order, each by a freshly loaded
engine. A block missing any wav is spoken again from its start, and only its missing wavs
are written.
"""
import logging
import zlib
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import soundfile as sf

from fama_espnet.data.tts import Espeak, speak
from fama_espnet.files import replacing
from fama_espnet.parallel import run_jobs

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
# White noise under every utterance, as a microphone's floor: no frame is digital silence,
# whose log-mel (the log of zero energy, -16) lies 25 below any speech frame (~11-21) and
# swamps per-utterance normalisation; at -70 dBFS rms the floor's log-mel is ~9.
NOISE_DBFS = -70.0

# One utterance: wav path, text, espeak-ng voice, rate, pitch, silence before and after (s).
Job = Tuple[str, str, str, int, int, float, float]
BLOCK = 100  # utterances an engine speaks: loading one costs ~4 ms, speaking one ~3 ms


def synthesize(text: str, voice: str, rate: int, pitch: int) -> np.ndarray:
    """Float32 samples at 16 kHz (tts.speak: ~4 ms per sentence, 400x real time, one core)."""
    return speak(text, voice=voice, rate=rate, pitch=pitch, fs=SAMPLE_RATE)


def noise_floor(wav: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`wav` (float, [-1, 1]) with the corpus's noise floor added."""
    return np.clip(wav + rng.normal(0.0, 10 ** (NOISE_DBFS / 20), len(wav)), -1.0, 1.0).astype(np.float32)


def valid_wav_frames(path: Path) -> int:
    """Number of samples of a readable 16 kHz mono 16-bit wav, 0 when absent or not so."""
    try:
        info = sf.info(str(path))
    except (RuntimeError, sf.LibsndfileError, OSError):
        return 0
    ok = info.samplerate == SAMPLE_RATE and info.channels == 1 and info.subtype == "PCM_16"
    return info.frames if ok else 0


def _write(job: Job, wav: np.ndarray) -> int:
    """Writes one utterance's wav (its silences and noise floor added); -> samples."""
    path, text, voice, _, _, lead_s, trail_s = job
    if len(wav) == 0:
        raise RuntimeError(f"espeak-ng produced no audio for {text!r} ({voice}): {path}")
    wav = np.pad(wav, (int(round(lead_s * SAMPLE_RATE)), int(round(trail_s * SAMPLE_RATE))))
    wav = noise_floor(wav, np.random.default_rng(zlib.crc32(Path(path).name.encode())))
    with replacing(path, keep_suffix=True) as tmp:
        sf.write(str(tmp), wav, SAMPLE_RATE, subtype="PCM_16", format="WAV")
    return len(wav)


def _synth_block(block: List[Job]) -> Tuple[List[Tuple[str, int]], int]:
    """-> ([(path, samples)], wavs written); a block whose wavs are all valid is kept."""
    frames = [valid_wav_frames(Path(job[0])) for job in block]
    missing = frames.count(0)
    if missing:
        Espeak.reset()
        for i, job in enumerate(block):
            wav = synthesize(*job[1:5])  # even when its wav is kept: what follows depends on it
            if not frames[i]:
                frames[i] = _write(job, wav)
    return [(job[0], n) for job, n in zip(block, frames)], missing


def synthesize_files(jobs: List[Job], nj: int, progress: bool) -> Dict[str, int]:
    """Writes every job's wav (blocks of BLOCK jobs in `nj` spawned workers, each block
    spoken by a freshly loaded engine); -> {wav path: samples}."""
    blocks = [jobs[i:i + BLOCK] for i in range(0, len(jobs), BLOCK)]
    frames: Dict[str, int] = {}
    made = 0
    for done, written in run_jobs(_synth_block, blocks, nj, desc="synthesis", size=len, progress=progress):
        frames.update(done)
        made += written
    log.info("synthesised %d utterances, kept %d existing", made, len(jobs) - made)
    return frames
