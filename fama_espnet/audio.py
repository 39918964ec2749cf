"""Audio decoding, in one place: every reader of audio (format_data, fairseq manifest
entries and so bin/decode, extract_fbank and the benchmarks, long-form decoding and so
inference) opens it here, so sample types, channel averaging, resampling and what a
broken file is said to be are decided once.

A source is a file path or a file-like object (a zip member's bytes, a command's
output). Arrays come as samples x channels, as soundfile reads them; `mono` averages
the channels (fairseq downmixes with sox `channels 1`, an average).
"""
import functools
import os
import struct
import subprocess
from io import BytesIO
from typing import BinaryIO, Tuple, Union

import numpy as np
import soundfile as sf

Source = Union[str, os.PathLike, BinaryIO]
PCM_16 = "WAV PCM_16"  # the encoding of what the formatting stage writes
PCM16_SCALE = 32768.0  # int16 full scale


class AudioProblem(Exception):
    """A Kaldi wav.scp source that cannot be read, named as problem reports name it
    (missing_audio, empty_audio, unreadable_audio) with a detail naming the source."""

    def __init__(self, name: str, detail: str):
        super().__init__(detail)
        self.name, self.detail = name, detail


def decoder_error(e: BaseException) -> str:
    """What the decoder said about a source it could not read: libsndfile's own words
    when it has them."""
    return str(getattr(e, "error_string", None) or e)


def frames_and_rate(source: Source) -> Tuple[int, int]:
    """(samples per channel, sample rate), from the header only."""
    info = sf.info(source)
    return info.frames, info.samplerate


def read_samples(source: Source, start: int = 0, frames: int = -1) -> Tuple[np.ndarray, int]:
    """(float32 samples x channels, rate): `frames` samples from sample `start` (-1: to
    the end; a span past the end is cut at it)."""
    return sf.read(source, frames=frames, start=start, dtype="float32", always_2d=True)


def to_float(x: np.ndarray) -> np.ndarray:
    """float32 samples in [-1, 1): int16 scaled by 1 / 32768, as soundfile reads PCM_16."""
    return x.astype(np.float32) / PCM16_SCALE if x.dtype == np.int16 else x.astype(np.float32, copy=False)


def to_pcm16(x: np.ndarray) -> np.ndarray:
    """int16 samples of float ones (rounded, clipped at full scale); int16 as it is."""
    if x.dtype == np.int16:
        return x
    return np.clip(np.round(x * PCM16_SCALE), -PCM16_SCALE, PCM16_SCALE - 1).astype(np.int16)


def mono(x: np.ndarray, channels_first: bool = False) -> np.ndarray:
    """1-D float32: a 2-D array's channels averaged (channels_first: channels x samples,
    as fairseq saves arrays), a 1-D one as it is."""
    if x.ndim == 2:
        x = x.mean(axis=0 if channels_first else 1)
    return x.astype(np.float32, copy=False)


@functools.lru_cache(maxsize=8)
def _resampler(rate: int, fs: int) -> "torchaudio.transforms.Resample":  # noqa: F821
    import torchaudio.transforms  # only a caller that resamples pays for importing torch

    # Built once per rate pair: making torchaudio's sinc kernel (22050 -> 16000 Hz: 320
    # phases) costs 2-25 ms, four times what filtering one sentence costs.
    return torchaudio.transforms.Resample(rate, fs)


def resample(x: np.ndarray, rate: int, fs: int) -> np.ndarray:
    """Float samples (last axis is time) from `rate` to `fs` Hz, torchaudio's sinc filter."""
    import torch

    with torch.no_grad():
        return _resampler(rate, fs)(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))).numpy()


def _fix_stream_header(data: bytes) -> bytes:
    """A wav written to a pipe cannot know its length: its RIFF and data sizes are
    placeholders (0 when streamed by some tools). Sets them to what arrived."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return data
    fixed = bytearray(data)
    struct.pack_into("<I", fixed, 4, len(data) - 8)
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if chunk == b"data":
            struct.pack_into("<I", fixed, pos + 4, len(data) - pos - 8)
            return bytes(fixed)
        pos += 8 + size + (size & 1)
    return data


def open_kaldi_source(source: str) -> Source:
    """A Kaldi wav.scp value as soundfile opens it: a file path, or for a command ending
    in `|` a BytesIO of what it wrote to stdout."""
    source = source.strip()
    if source.endswith("|"):
        command = source[:-1].strip()
        done = subprocess.run(command, shell=True, executable="/bin/bash", capture_output=True)
        if done.returncode != 0:
            err = done.stderr.decode(errors="replace").strip().splitlines()
            raise AudioProblem("unreadable_audio", f"command failed (exit {done.returncode}): {command}"
                               + (f": {err[-1]}" if err else ""))
        if not done.stdout:
            raise AudioProblem("empty_audio", f"no output from: {command}")
        return BytesIO(_fix_stream_header(done.stdout))
    if not source:
        raise AudioProblem("missing_audio", "empty wav.scp entry")
    if not os.path.isfile(source):
        raise AudioProblem("missing_audio", source)
    if os.path.getsize(source) == 0:
        raise AudioProblem("empty_audio", f"0-byte file {source}")
    return source


def read_kaldi_source(source: str, keep_pcm16: bool = True) -> Tuple[np.ndarray, int, str]:
    """(samples x channels array, rate, encoding) of a Kaldi wav.scp value; 16-bit PCM
    is kept as int16 (unless keep_pcm16 is false) so an input that needs no conversion
    is copied bit for bit."""
    opened = open_kaldi_source(source)
    try:
        with sf.SoundFile(opened) as f:
            encoding = f"{f.format} {f.subtype}"
            dtype = "int16" if keep_pcm16 and encoding == PCM_16 else "float32"
            return f.read(dtype=dtype, always_2d=True), f.samplerate, encoding
    except Exception as e:  # whatever the decoder makes of a broken file, it is the file's problem
        raise AudioProblem("unreadable_audio", f"{source.strip()}: {decoder_error(e)}") from e
