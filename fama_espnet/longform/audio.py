"""Audio of any length as 16 kHz mono float32, read in blocks.

The rule: a recording is never loaded whole. `LongAudio.blocks` streams it (for the
voice-activity pass) and `LongAudio.read(start, end)` reads one span (for decoding), so
memory is bounded by the block or the decoding batch, not by the file. A file at another
rate or with several channels is downmixed and resampled span by span, each span read
with a margin of context on both sides that is resampled with it and then cut off, so
spans join without edge effects. An in-memory waveform is wrapped the same way.
"""
from pathlib import Path
from typing import Iterator, Tuple, Union

import numpy as np
import torch

from fama_espnet.audio import decoder_error, frames_and_rate, mono, read_samples, resample

FS = 16000
_MARGIN_S = 0.05  # context resampled with each span of a file at another rate


class AudioError(ValueError):
    """A file that cannot be transcribed (unreadable, empty): one message naming it."""


class LongAudio:
    """A waveform (array at `fs`) or an audio file, seen as 16 kHz mono samples."""

    def __init__(self, audio: Union[str, Path, np.ndarray, torch.Tensor], fs: int = FS):
        self.path, self._wave = None, None
        if isinstance(audio, (str, Path)):
            self.path = str(audio)
            try:
                native, self.rate = frames_and_rate(self.path)
            except Exception as e:  # whatever libsndfile makes of it, it is the file's problem
                raise AudioError(f"{self.path}: not a readable audio file ({decoder_error(e)})") from None
            self.num_samples = int(round(native * FS / self.rate))
        else:
            x = audio.numpy() if isinstance(audio, torch.Tensor) else np.asarray(audio)
            wave = mono(x.astype(np.float32, copy=False))  # samples x channels, as soundfile reads
            if wave.ndim != 1:
                raise AudioError(f"a waveform must be 1-D (or samples x channels), got shape {tuple(x.shape)}")
            if fs != FS and len(wave):
                wave = resample(wave, fs, FS)
            self.rate, self._wave, self.num_samples = FS, torch.from_numpy(np.ascontiguousarray(wave)), len(wave)
        if self.num_samples == 0:
            raise AudioError(f"{self.path or 'waveform'}: empty audio (no samples)")

    @property
    def duration(self) -> float:
        return self.num_samples / FS

    def read(self, start: float, end: float) -> torch.Tensor:
        """Samples of [start, end) seconds at 16 kHz, mono float32."""
        a, b = max(0, int(round(start * FS))), min(self.num_samples, int(round(end * FS)))
        if self._wave is not None:
            return self._wave[a:b]
        if self.rate == FS:
            return torch.from_numpy(self._read_native(a, b))
        margin = int(_MARGIN_S * self.rate)
        lo = max(0, int(a * self.rate / FS) - margin)
        hi = int(np.ceil(b * self.rate / FS)) + margin
        wave = torch.from_numpy(resample(self._read_native(lo, hi), self.rate, FS))
        skip = int(round(a - lo * FS / self.rate))  # output sample k is at native time lo/rate + k/FS
        return wave[skip: skip + (b - a)]

    def blocks(self, seconds: float = 30.0) -> Iterator[Tuple[float, torch.Tensor]]:
        """(start time, samples) of consecutive blocks covering the whole recording."""
        step = int(seconds * FS)
        for a in range(0, self.num_samples, step):
            yield a / FS, self.read(a / FS, min(a + step, self.num_samples) / FS)

    def _read_native(self, a: int, b: int) -> np.ndarray:
        try:
            x, _ = read_samples(self.path, a, max(0, b - a))
        except Exception as e:
            raise AudioError(f"{self.path}: unreadable audio at sample {a} ({decoder_error(e)})") from None
        return mono(x)
