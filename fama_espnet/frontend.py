"""FAMA's features: Kaldi-compatible 80-bin log-mel fbank of the waveform in 16-bit range.

This is what FBK-fairseq's data prep computes (`get_fbank`: waveform * 2**15,
torchaudio.compliance.kaldi.fbank, 25 ms / 10 ms, no dither). Per-utterance CMVN
is ESPnet's `utterance_mvn` normaliser (eps 1e-5 = fairseq's variance floor 1e-10).
"""
from typing import Tuple

import torch
import torchaudio.compliance.kaldi as kaldi
from torch import Tensor
from typeguard import typechecked

from espnet2.asr.frontend.abs_frontend import AbsFrontend

INT16_SCALE = 2**15


def num_frames(num_samples: Tensor, frame_length: int, frame_shift: int) -> Tensor:
    """Kaldi's snip_edges framing: 1 + (N - window) // shift (0 if shorter than a window)."""
    return torch.where(
        num_samples >= frame_length,
        1 + torch.div(num_samples - frame_length, frame_shift, rounding_mode="floor"),
        torch.zeros_like(num_samples),
    )


class KaldiFbank(AbsFrontend):
    """Registered as frontend `kaldi_fbank`. Input: float waveforms in [-1, 1]."""

    @typechecked
    def __init__(self, fs: int = 16000, n_mels: int = 80, frame_length_ms: float = 25.0,
                 frame_shift_ms: float = 10.0, dither: float = 0.0):
        super().__init__()
        self.fs, self.n_mels, self.dither = fs, n_mels, dither
        self.frame_length_ms, self.frame_shift_ms = frame_length_ms, frame_shift_ms
        self.window = int(fs * frame_length_ms / 1000)
        self.shift = int(fs * frame_shift_ms / 1000)

    def output_size(self) -> int:
        return self.n_mels

    def forward(self, speech: Tensor, speech_lengths: Tensor) -> Tuple[Tensor, Tensor]:
        lengths = num_frames(speech_lengths, self.window, self.shift)
        feats = speech.new_zeros(speech.size(0), max(int(lengths.max()), 1), self.n_mels, dtype=torch.float)
        for i, (wav, n) in enumerate(zip(speech, speech_lengths.tolist())):
            if lengths[i] == 0:
                continue
            f = self.fbank(wav[:n], dither=self.dither if self.training else 0.0)
            feats[i, : f.size(0)] = f
        return feats, lengths

    def fbank(self, wav: Tensor, dither: float = 0.0) -> Tensor:
        """(frames, n_mels) of one waveform: also what the fbank dump stage stores
        (fama_espnet/data/extract_fbank.py), so a model reads the same features either way."""
        return kaldi.fbank(
            wav.float().unsqueeze(0) * INT16_SCALE,
            num_mel_bins=self.n_mels,
            frame_length=self.frame_length_ms,
            frame_shift=self.frame_shift_ms,
            sample_frequency=self.fs,
            dither=dither,
        )
