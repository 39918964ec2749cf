"""The `audio` field of fairseq speech-to-text manifests, read as FBK-fairseq reads it
(`fairseq/data/audio/speech_to_text_dataset.py::get_features_or_waveform`), and the
ESPnet data type `fairseq_audio` that reads a wav.scp of such entries on the fly.

Entry forms (a relative path is first joined with the data root, as fairseq joins
`audio_root` and the field with `os.path.join`):

  /d/a.wav  /d/a.flac  /d/a.ogg   the whole audio file
  /d/a.npy                        a saved array
  /d/a.flac:START:FRAMES          FRAMES samples from sample START of an audio file
                                  (soundfile's start/frames: fairseq's get_waveform slicing)
  /d/fbank.zip:OFFSET:SIZE        SIZE bytes at byte OFFSET of an uncompressed (stored) zip:
                                  an .npy or a wav/flac/ogg file, told apart by their first
                                  bytes as fairseq does (fairseq's get_zip_manifest writes
                                  OFFSET = local header offset + 30 + len(name): the data)

Arrays: 1-D, or 2-D with at most MAX_CHANNELS rows (fairseq's channels x samples, what
FBK's `--store-waveform` preprocessing saves) are waveforms; other 2-D arrays are
(frames, dim) features, the 80-bin fbank of fairseq's manifests.
Audio (decoded by fama_espnet/audio.py) is returned as float32 in [-1, 1], channels
averaged, and must be at the expected rate: nothing is resampled here.
"""
import collections.abc
import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Optional, Tuple

import numpy as np

from fama_espnet.audio import decoder_error, frames_and_rate, mono, read_samples
from fama_espnet.data import speech_format
from fama_espnet.data.kaldi_dir import read_table
from fama_espnet.data.speech_format import FBANK, WAVEFORM

DATA_TYPE = "fairseq_audio"
WHOLE_FILE_SUFFIXES = {".wav", ".flac", ".ogg", ".npy"}
AUDIO_MAGIC = {b"RIFF": "wav", b"fLaC": "flac", b"OggS": "ogg"}
NPY_MAGIC = b"\x93NUMPY"
MAX_CHANNELS = 2
# An .npy header is 10 bytes plus a small dict: this much holds it, so probing a zipped
# feature matrix does not read the matrix.
NPY_HEAD_BYTES = 4096


class EntryError(ValueError):
    """An entry that cannot be read; `problem` names the kind (import report section)."""

    def __init__(self, problem: str, message: str):
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class Entry:
    path: str
    offset: Optional[int] = None  # zip: byte offset; audio file: first sample
    length: Optional[int] = None  # zip: bytes; audio file: samples

    @property
    def in_zip(self) -> bool:
        return self.offset is not None and self.path.lower().endswith(".zip")


@dataclass(frozen=True)
class Probe:
    """What an entry holds, learnt from headers only."""
    kind: str  # WAVEFORM or FBANK
    length: int  # samples or frames
    dim: Optional[int] = None  # feature dim (FBANK)


def resolve(audio: str, root: Optional[str]) -> str:
    """The absolute entry for a manifest's audio field: os.path.join keeps absolute paths."""
    return os.path.abspath(os.path.join(root or "", audio.strip()))


def parse_entry(entry: str) -> Entry:
    entry = entry.strip()
    if not entry:
        raise EntryError("bad_audio_field", "empty audio field")
    if Path(entry).suffix.lower() in WHOLE_FILE_SUFFIXES or ":" not in entry:
        return Entry(entry)
    parts = entry.rsplit(":", 2)
    if len(parts) != 3 or not parts[0]:
        raise EntryError("bad_audio_field", f"expected PATH or PATH:OFFSET:LENGTH, got {entry!r}")
    try:
        offset, length = int(parts[1]), int(parts[2])
    except ValueError:
        raise EntryError("bad_audio_field", f"offset and length must be integers: {entry!r}") from None
    if offset < 0 or length <= 0:
        raise EntryError("bad_audio_field", f"negative offset or non-positive length: {entry!r}")
    return Entry(parts[0], offset, length)


def _require_file(path: str) -> None:
    if not os.path.isfile(path):
        raise EntryError("missing_audio", f"no such file: {path}")


def _read_bytes(path: str, offset: int, size: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(size)


def _check_slice(entry: Entry) -> None:
    _require_file(entry.path)
    size = os.path.getsize(entry.path)
    if entry.offset + entry.length > size:
        raise EntryError("bad_slice", f"{entry.path}: {entry.length} bytes at {entry.offset} "
                                      f"run past its end ({size} bytes)")


def _read_slice(entry: Entry) -> bytes:
    _check_slice(entry)
    return _read_bytes(entry.path, entry.offset, entry.length)


def _array_probe(shape: Tuple[int, ...], where: str) -> Probe:
    if len(shape) == 1:
        return Probe(WAVEFORM, shape[0])
    if len(shape) == 2 and shape[0] <= MAX_CHANNELS:
        return Probe(WAVEFORM, shape[1])
    if len(shape) == 2:
        return Probe(FBANK, shape[0], shape[1])
    raise EntryError("unreadable_audio", f"{where}: array of shape {shape} is neither a waveform "
                                         "nor a (frames, dim) feature matrix")


def _npy_shape(head: bytes, size: int, where: str) -> Optional[Tuple[int, ...]]:
    """Shape from an .npy's first bytes, checked against its size in bytes (a wrong
    length in a manifest shows here); None for header versions numpy has no public
    reader for (the caller loads the array instead)."""
    f = io.BytesIO(head)
    try:
        version = np.lib.format.read_magic(f)
        read = {(1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read is None:
            return None
        shape, _, dtype = read(f)
    except Exception as e:
        raise EntryError("unreadable_audio", f"{where}: not a readable .npy header ({e})") from e
    need = f.tell() + int(np.prod(shape)) * dtype.itemsize
    if need != size:
        raise EntryError("bad_slice", f"{where}: {size} bytes, but its .npy header ({shape}, {dtype}) "
                                      f"needs {need}")
    return shape


@lru_cache(maxsize=64)
def _audio_info(path: str) -> Tuple[int, int]:
    """(frames, rate) of a whole audio file; cached as many slices share one file."""
    return frames_and_rate(path)


def _check_audio(frames: int, rate: int, fs: int, where: str) -> None:
    if rate != fs:
        raise EntryError("wrong_rate", f"{where}: {rate} Hz, {fs} Hz required (resample it first)")
    if frames <= 0:
        raise EntryError("empty_audio", f"{where}: no samples")


def _magic_kind(data: bytes, where: str) -> str:
    if data.startswith(NPY_MAGIC):
        return "npy"
    if data[:4] in AUDIO_MAGIC:
        return AUDIO_MAGIC[data[:4]]
    raise EntryError("unreadable_audio", f"{where}: neither .npy nor wav/flac/ogg data "
                                         f"(first bytes {data[:8]!r}); wrong offset?")


def probe_entry(entry: str, fs: int = speech_format.SAMPLE_RATE) -> Probe:
    """Kind and length of an entry from its headers (a zipped audio file is read whole)."""
    e = parse_entry(entry)
    try:
        if e.in_zip:
            _check_slice(e)
            head = _read_bytes(e.path, e.offset, min(e.length, NPY_HEAD_BYTES))
            if _magic_kind(head, entry) == "npy":
                shape = _npy_shape(head, e.length, entry)
                if shape is None:
                    shape = np.load(io.BytesIO(_read_slice(e))).shape
                probe = _array_probe(shape, entry)
            else:
                frames, rate = frames_and_rate(io.BytesIO(_read_slice(e)))
                _check_audio(frames, rate, fs, entry)
                probe = Probe(WAVEFORM, frames)
        elif e.offset is None and e.path.lower().endswith(".npy"):
            _require_file(e.path)
            shape = _npy_shape(_read_bytes(e.path, 0, NPY_HEAD_BYTES), os.path.getsize(e.path), entry)
            probe = _array_probe(np.load(e.path, mmap_mode="r").shape if shape is None else shape, entry)
        else:
            _require_file(e.path)
            frames, rate = _audio_info(e.path)
            _check_audio(frames, rate, fs, e.path)
            probe = Probe(WAVEFORM, frames)
            if e.offset is not None:
                if e.offset + e.length > frames:
                    raise EntryError("bad_slice", f"{entry}: samples {e.offset}..{e.offset + e.length} "
                                                  f"past the end of {e.path} ({frames} samples)")
                probe = Probe(WAVEFORM, e.length)
        if probe.length <= 0:
            raise EntryError("empty_audio", f"{entry}: no samples or frames")
        return probe
    except EntryError:
        raise
    except Exception as err:  # whatever the decoder makes of a broken file, it is the file's problem
        raise EntryError("unreadable_audio", f"{entry}: {decoder_error(err)}") from err


def _from_array(x: np.ndarray, where: str) -> np.ndarray:
    probe = _array_probe(x.shape, where)
    if probe.kind == FBANK:
        return x.astype(np.float32, copy=False)
    return mono(x, channels_first=True)


def _from_audio(source, fs: int, where: str, start: int = 0, frames: int = -1) -> np.ndarray:
    x, rate = read_samples(source, start, frames)
    _check_audio(x.shape[0], rate, fs, where)
    return mono(x)


def load_entry(entry: str, fs: int = speech_format.SAMPLE_RATE) -> np.ndarray:
    """The waveform (1-D float32) or features ((frames, dim) float32) an entry holds."""
    e = parse_entry(entry)
    try:
        if e.in_zip:
            data = _read_slice(e)
            if _magic_kind(data, entry) == "npy":
                return _from_array(np.load(io.BytesIO(data)), entry)
            return _from_audio(io.BytesIO(data), fs, entry)
        _require_file(e.path)
        if e.offset is None and e.path.lower().endswith(".npy"):
            return _from_array(np.load(e.path), entry)
        if e.offset is None:
            return _from_audio(e.path, fs, e.path)
        x = _from_audio(e.path, fs, e.path, start=e.offset, frames=e.length)
        if x.shape[0] != e.length:
            raise EntryError("bad_slice", f"{entry}: {x.shape[0]} of {e.length} samples read "
                                          f"from sample {e.offset} of {e.path}")
        return x
    except EntryError:
        raise
    except Exception as err:
        raise EntryError("unreadable_audio", f"{entry}: {decoder_error(err)}") from err


class FairseqAudioReader(collections.abc.Mapping):
    """utterance id -> array, read on access from a wav.scp of fairseq entries. When the
    scp's dir records its speech kind (speech_format), every array is checked against it,
    so a mislabelled dir stops at its first wrong utterance instead of training on it."""

    def __init__(self, scp: str, fs: int = speech_format.SAMPLE_RATE, float_dtype: Optional[str] = None):
        self.scp, self.fs, self.float_dtype = scp, fs, float_dtype
        self.entries = read_table(Path(scp))
        folder = Path(scp).parent
        self.kind = speech_format.kind(folder) if speech_format.is_recorded(folder) else None

    def __getitem__(self, utt: str) -> np.ndarray:
        try:
            x = load_entry(self.entries[utt], self.fs)
        except EntryError as e:
            raise EntryError(e.problem, f"{self.scp}: utterance {utt}: {e}") from e
        problem = self.kind and speech_format.array_problem(self.kind, x.shape)
        if problem:
            raise EntryError("other_kind", f"{self.scp}: utterance {utt}: {problem} "
                                           f"({speech_format.KIND_FILE} of its dir says {self.kind})")
        return x.astype(self.float_dtype) if self.float_dtype else x

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def fairseq_audio_loader(path: str, float_dtype: Optional[str] = None) -> FairseqAudioReader:
    """ESPnet DATA_TYPES loader: `--*_data_path_and_name_and_type wav.scp,speech,fairseq_audio`."""
    return FairseqAudioReader(path, float_dtype=float_dtype)


DATA_TYPE_SPEC = dict(
    func=fairseq_audio_loader,
    kwargs=["float_dtype"],
    help="fairseq speech-to-text audio entries: an audio or .npy file, PATH:START:FRAMES "
         "of an audio file, or ZIP:OFFSET:SIZE of a stored zip (.npy fbank or audio bytes)"
         "\n\n"
         "   utterance_id_a /d/fbank.zip:1234:56789\n"
         "   utterance_id_b /d/b.flac\n"
         "   ...",
)


def entries_kind(data_dir: Path) -> str:
    """WAVEFORM or FBANK: what a dir's wav.scp entries hold, for a dir that records no
    kind (a user's own Kaldi dir): plain audio paths without opening them, other entries
    from their headers; a dir mixing both is an error."""
    data_dir = Path(data_dir)
    seen = {}
    for utt, entry in read_table(data_dir / "wav.scp").items():
        e = parse_entry(entry)
        plain_audio = e.offset is None and not e.path.lower().endswith(".npy")
        kind = WAVEFORM if plain_audio or (e.offset is not None and not e.in_zip) else probe_entry(entry).kind
        seen.setdefault(kind, utt)
        if len(seen) > 1:
            raise ValueError(f"{data_dir / 'wav.scp'} mixes waveforms ({seen[WAVEFORM]}) and "
                             f"features ({seen[FBANK]}); a data dir must hold one kind")
    if not seen:
        raise ValueError(f"{data_dir / 'wav.scp'} is empty")
    return next(iter(seen))
