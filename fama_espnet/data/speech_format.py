"""What `speech` is in a data dir: the one home of that convention.

Every data dir our stages write records, in `<dir>/feats_type` (ESPnet's file name for
it), one of two kinds:

  waveform   16 kHz mono samples in [-1, 1]   (wav.scp: audio files, slices, zipped audio)
  fbank      80-dim Kaldi fbank at 100 frames/s, as FBK's preprocessing writes it
             (wav.scp: .npy files or zipped .npy)

and `<dir>/speech_shape` counts, for both kinds, 10 ms feature frames: what the encoder
sees, the unit of FBK's `--max-tokens` and `--max-source-positions`. A waveform of N
samples has Kaldi's snip-edges framing 1 + (N - 400) // 160 frames, exactly the number
of rows of its fbank, so the same utterances as wav or as fbank have the same shapes,
the same ESPnet batches (`batch_bins` counts frames) and the same filters.

Everything that needs the kind or a duration asks here: filtering, statistics,
batching, training (`--input_size`), decoding, the recipe scripts
(`python -m fama_espnet.bin.speech_format DIR`).
"""
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from fama_espnet.data.kaldi_dir import read_table, write_table
from fama_espnet.files import write_text

WAVEFORM, FBANK = "waveform", "fbank"
KINDS = (WAVEFORM, FBANK)
KIND_FILE = "feats_type"
SHAPE_FILE = "speech_shape"
SAMPLE_RATE = 16000
FRAME_RATE = 100
N_MELS = 80
WINDOW, SHIFT = 400, 160  # 25 ms / 10 ms at 16 kHz
DESCRIPTION = {WAVEFORM: f"{SAMPLE_RATE} Hz waveform", FBANK: f"{N_MELS}-dim fbank at {FRAME_RATE} frames/s"}
# Utterances named in an error about a dir's entries.
SHOWN = 5


class SpeechFormatError(ValueError):
    """A data dir whose speech is not what it says, or says nothing."""


def frames_of_samples(samples: int) -> int:
    """Kaldi's snip-edges framing of a 16 kHz waveform (0 if shorter than one window)."""
    return 1 + (samples - WINDOW) // SHIFT if samples >= WINDOW else 0


def seconds(frames: int) -> float:
    return frames / FRAME_RATE


def frames(kind: str, length: int) -> int:
    """10 ms frames of an utterance of `length` samples (waveform) or rows (fbank)."""
    return frames_of_samples(length) if kind == WAVEFORM else length


def record(data_dir: Path, kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"speech kind must be one of {KINDS}, not {kind!r}")
    write_text(Path(data_dir) / KIND_FILE, kind + "\n")


def is_recorded(data_dir: Path) -> bool:
    return (Path(data_dir) / KIND_FILE).is_file()


def kind(data_dir: Path) -> str:
    """The recorded kind of a data dir."""
    path = Path(data_dir) / KIND_FILE
    if not path.is_file():
        raise SpeechFormatError(f"{data_dir}: no {KIND_FILE}: not a formatted data dir (our format and "
                                "import stages record whether speech is waveform or fbank)")
    value = path.read_text(encoding="utf-8").strip()
    if value not in KINDS:
        raise SpeechFormatError(f"{path}: unknown kind {value!r} (expected {' or '.join(KINDS)})")
    return value


def kind_of(data_dir: Path) -> str:
    """The recorded kind, or, for a dir that records none (a user's own Kaldi dir given to
    the decoder), the kind its entries hold."""
    if is_recorded(data_dir):
        return kind(data_dir)
    from fama_espnet.data.fairseq_audio import entries_kind

    try:
        return entries_kind(data_dir)
    except ValueError as e:
        raise SpeechFormatError(str(e)) from None


def write_shapes(data_dir: Path, frame_counts: Dict[str, int]) -> None:
    write_table(Path(data_dir) / SHAPE_FILE, {u: str(n) for u, n in frame_counts.items()})


def frame_counts(data_dir: Path) -> Dict[str, int]:
    """utterance -> 10 ms frames, from speech_shape."""
    path = Path(data_dir) / SHAPE_FILE
    if not path.is_file():
        raise SpeechFormatError(f"{data_dir}: no {SHAPE_FILE} (run the format stage first)")
    counts = {}
    for utt, value in read_table(path).items():
        try:
            counts[utt] = int(value)
        except ValueError:
            raise SpeechFormatError(f"{path}: utterance {utt}: {value!r} is not a frame count (one integer; "
                                    "a dir written before frames were the unit: remove it and rerun)") from None
    return counts


def durations(data_dir: Path) -> Dict[str, float]:
    """utterance -> seconds."""
    return {u: seconds(n) for u, n in frame_counts(data_dir).items()}


def describe_array(shape: Tuple[int, ...]) -> str:
    return f"an array of shape {tuple(shape)}"


def array_problem(expected: str, shape: Tuple[int, ...]) -> Optional[str]:
    """Why an array loaded from an entry is not speech of the expected kind (None if it is)."""
    if expected == WAVEFORM and len(shape) != 1:
        return f"{describe_array(shape)}, expected a {DESCRIPTION[WAVEFORM]} (1-D)"
    if expected == FBANK and (len(shape) != 2 or shape[1] != N_MELS):
        return f"{describe_array(shape)}, expected {DESCRIPTION[FBANK]} (frames x {N_MELS})"
    return None


def check_entries(data_dir: Path, utts: Optional[Iterable[str]] = None) -> None:
    """Probes the entries (headers only) of `utts` (default: all) against the recorded
    kind; raises naming the dir, the first offending utterances and what was expected."""
    from fama_espnet.data.fairseq_audio import EntryError, probe_entry

    data_dir = Path(data_dir)
    expected = kind(data_dir)
    entries = read_table(data_dir / "wav.scp")
    bad: List[str] = []
    for utt in (sorted(entries) if utts is None else utts):
        try:
            p = probe_entry(entries[utt], SAMPLE_RATE)
        except EntryError as e:
            bad.append(f"{utt}: {e}")
        else:
            if p.kind != expected:
                what = f"{p.dim}-dim features" if p.kind == FBANK else "a waveform"
                bad.append(f"{utt}: holds {what}")
            elif p.kind == FBANK and p.dim != N_MELS:
                bad.append(f"{utt}: {p.dim}-dim features")
        if len(bad) >= SHOWN:
            break
    if bad:
        raise SpeechFormatError(f"{data_dir}: {KIND_FILE} says {DESCRIPTION[expected]}, but "
                                + "; ".join(bad) + (" (first shown)" if len(bad) >= SHOWN else ""))
