"""Where the speech is (silero-vad), and where to cut a long recording into pieces.

The rules, in order:
1. Speech probability per 32 ms frame from silero-vad, whose model file ships inside
   its wheel (nothing is downloaded at run time). The recording is streamed block by
   block; the detector's recurrent state runs on across blocks, so the result does not
   depend on the block size. It runs on one thread (its steps are tiny; more threads
   only add overhead) and restores the caller's thread count.
2. Speech regions by hysteresis: a region opens at a frame with p >= `threshold` and
   closes once p stays below `threshold - 0.15` for `min_silence_s`; regions shorter than
   `min_speech_s` are dropped (clicks, breaths).
3. Pieces for the decoder, each at most `max_piece_s` (FAMA is trained on <= 30 s):
   - a recording that fits in one piece and has speech is one piece, the whole
     recording, so it decodes exactly as the short-form path;
   - otherwise pieces are filled greedily with whole regions; when the next region no
     longer fits, the piece is cut at the last pause in it that is at least half as
     long as its longest pause (a sentence pause rather than a breath, and as late as
     possible, so pieces stay long). Cuts fall only in pauses. With `merge_regions`
     false each region is a piece of its own (a model trained on single sentences
     decodes two back to back worse: mini_fama, long-form WER 8.4-8.7 -> 7.3 en,
     8.9-9.0 -> 6.8 it, 100 sentences each);
   - a region longer than `max_piece_s` (speech with no pause at all) is first cut at its
     least speech-like frame in the second half of each window.
4. A piece extends into the pauses around it by `pad_s`, by at most half of each pause,
   so neighbouring pieces never overlap, and by no more than keeps it within
   `max_piece_s` (rule 3 groups several regions within max_piece_s - 2 pad_s; a region
   alone may fill the whole piece: a sentence near the limit is shortened in its padding,
   not cut, which on mini_fama's 5 s pieces turned one word into two wrong ones).
"""
import contextlib
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import numpy as np
import torch

from fama_espnet.decoding.options import DecodingOptions
from fama_espnet.longform.audio import FS, LongAudio

FRAME = 512                 # silero-vad's window at 16 kHz (32 ms)
FRAME_S = FRAME / FS


@dataclass(frozen=True)
class VadOptions:
    threshold: float = 0.5      # p >= this opens a speech region
    neg_offset: float = 0.15    # p < threshold - this (for min_silence_s) closes it
    min_silence_s: float = 0.4   # gaps inside slow speech (stop closures, word gaps) reach 0.3 s
    min_speech_s: float = 0.25
    max_piece_s: float = DecodingOptions.max_piece_s  # the decoding option (FAMA's training limit)
    merge_regions: bool = DecodingOptions.merge_regions  # the decoding option: several regions per piece
    pad_s: float = 0.2


@dataclass
class Piece:
    """One span handed to the decoder, with the speech regions inside it (seconds)."""
    start: float
    end: float
    speech: List[Tuple[float, float]] = field(default_factory=list)

    @property
    def speech_start(self) -> float:
        return self.speech[0][0] if self.speech else self.start

    @property
    def speech_end(self) -> float:
        return self.speech[-1][1] if self.speech else self.end


@contextlib.contextmanager
def _threads(n: int):
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class SileroVad:
    """silero-vad's TorchScript model, loaded from the installed wheel's data folder
    (found without importing the package, whose import sets torch to one thread)."""

    _model = None

    def __init__(self):
        if SileroVad._model is None:
            spec = find_spec("silero_vad")
            if spec is None or spec.origin is None:
                raise ImportError("silero-vad is not installed (pip install silero-vad; setup.py pins it)")
            path = Path(spec.origin).parent / "data" / "silero_vad.jit"
            SileroVad._model = torch.jit.load(str(path), map_location="cpu").eval()
        self.model = SileroVad._model

    @torch.no_grad()
    def probabilities(self, audio: LongAudio, progress: bool = False) -> np.ndarray:
        """Speech probability of each 32 ms frame of the recording (the last frame zero-padded)."""
        probs = np.zeros(int(np.ceil(audio.num_samples / FRAME)), dtype=np.float32)
        bar = progress_bar(progress, audio.duration, "voice activity")
        with _threads(1):
            self.model.reset_states()
            i, rest = 0, torch.zeros(0)
            for _, block in audio.blocks(60.0):
                x = torch.cat([rest, block])
                usable = len(x) // FRAME * FRAME
                for a in range(0, usable, FRAME):
                    probs[i] = float(self.model(x[a:a + FRAME][None], FS))
                    i += 1
                rest = x[usable:]
                if bar is not None:
                    bar.update(len(block) / FS)
            if len(rest):
                probs[i] = float(self.model(torch.nn.functional.pad(rest, (0, FRAME - len(rest)))[None], FS))
            self.model.reset_states()
        if bar is not None:
            bar.close()
        return probs


def progress_bar(progress: bool, total: float, desc: str):
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=round(total, 1), desc=desc, unit="s", bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s "
                "[{elapsed}<{remaining}]")


def speech_regions(probs: np.ndarray, duration: float, o: VadOptions = VadOptions()) -> List[Tuple[float, float]]:
    """Rule 2: (start, end) seconds of each speech region."""
    regions, start, low_since = [], None, None
    need_silence = max(1, int(round(o.min_silence_s / FRAME_S)))
    for i, p in enumerate(probs):
        if start is None:
            if p >= o.threshold:
                start, low_since = i, None
        elif p < o.threshold - o.neg_offset:
            low_since = i if low_since is None else low_since
            if i - low_since + 1 >= need_silence:
                regions.append((start, low_since))
                start, low_since = None, None
        else:
            low_since = None
    if start is not None:
        regions.append((start, low_since if low_since is not None else len(probs)))
    out = [(a * FRAME_S, min(b * FRAME_S, duration)) for a, b in regions]
    return [(a, b) for a, b in out if b - a >= o.min_speech_s]


def _split_long(region: Tuple[float, float], probs: np.ndarray, max_s: float) -> List[Tuple[float, float]]:
    """Rule 3, last point: a region with no pause cut at its least speech-like frames."""
    out, (a, b) = [], region
    while b - a > max_s:
        lo, hi = int((a + max_s / 2) / FRAME_S), int((a + max_s) / FRAME_S)
        cut = (lo + int(np.argmin(probs[lo:hi]))) * FRAME_S
        out.append((a, cut))
        a = cut
    return out + [(a, b)]


def make_pieces(regions: List[Tuple[float, float]], duration: float, probs: Optional[np.ndarray] = None,
                o: VadOptions = VadOptions()) -> List[Piece]:
    """Rules 3 and 4: regions -> pieces of at most `o.max_piece_s` seconds."""
    if not regions:
        return []
    if duration <= o.max_piece_s:
        return [Piece(0.0, duration, list(regions))]
    if probs is None:
        probs = np.ones(int(np.ceil(duration / FRAME_S)), dtype=np.float32)
    limit = o.max_piece_s - 2 * o.pad_s  # room for the padding
    regions = [r for region in regions for r in _split_long(region, probs, o.max_piece_s)]
    groups, first = [], 0
    while first < len(regions):
        last = first
        while o.merge_regions and last + 1 < len(regions) and regions[last + 1][1] - regions[first][0] <= limit:
            last += 1
        if last + 1 < len(regions):
            # gaps after regions first..last; the one after `last` is always a valid cut
            gaps = [regions[k + 1][0] - regions[k][1] for k in range(first, last + 1)]
            longest = max(gaps)
            last = first + max(k for k, g in enumerate(gaps) if g >= longest / 2)
        groups.append(regions[first:last + 1])
        first = last + 1
    pieces = []
    for k, g in enumerate(groups):
        before = g[0][0] - groups[k - 1][-1][1] if k else g[0][0] * 2
        after = groups[k + 1][0][0] - g[-1][1] if k + 1 < len(groups) else (duration - g[-1][1]) * 2
        room = (o.max_piece_s - (g[-1][1] - g[0][0])) / 2
        start = max(0.0, g[0][0] - min(o.pad_s, before / 2, room))
        end = min(duration, g[-1][1] + min(o.pad_s, after / 2, room))
        pieces.append(Piece(start, end, list(g)))
    return pieces


def find_pieces(audio: LongAudio, options: VadOptions = VadOptions(), progress: bool = False) -> List[Piece]:
    """The recording's pieces (empty when it holds no speech)."""
    probs = SileroVad().probabilities(audio, progress)
    return make_pieces(speech_regions(probs, audio.duration, options), audio.duration, probs, options)


def batches(pieces: List[Piece], budget_s: float) -> Iterator[List[Piece]]:
    """Pieces in time order, batched while count x longest <= `budget_s` (padded audio)."""
    current: List[Piece] = []
    for p in pieces:
        longest = max([p.end - p.start] + [q.end - q.start for q in current])
        if current and (len(current) + 1) * longest > budget_s:
            yield current
            current = []
        current.append(p)
    if current:
        yield current
