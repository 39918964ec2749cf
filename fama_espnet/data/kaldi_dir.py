"""Kaldi-style data directories as FAMA recipes use them.

  wav.scp      utt path.wav           text         utt transcript
  text_tgt     utt translation        utt2lang     utt en
  utt2tgtlang  utt it                 utt2spk, spk2utt
Files are sorted by utterance id and written atomically (temp name, then rename).
Tables are read with Kaldi's rule: the key is the first whitespace-delimited token,
the value the rest of the line with surrounding whitespace removed (tabs and runs of
spaces separate key and value as a single space does).
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from fama_espnet.files import replacing

# Data name in FamaTask -> file in the data dir.
DATA_FILES = {"speech": "wav.scp", "text": "text", "src_lang": "utt2lang",
              "text_tgt": "text_tgt", "tgt_lang": "utt2tgtlang"}


@dataclass
class Utterance:
    id: str
    wav: str
    text: str
    src_lang: str
    speaker: str
    text_tgt: Optional[str] = None
    tgt_lang: Optional[str] = None


def write_table(path: Path, rows: Dict[str, str]) -> None:
    with replacing(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        for key in sorted(rows):
            f.write(f"{key} {rows[key]}\n")


def split_row(line: str) -> Tuple[str, str]:
    """(key, value) of one table line, by Kaldi's rule; ("", "") for a blank line."""
    parts = line.strip().split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def read_table(path: Path) -> Dict[str, str]:
    rows = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            key, value = split_row(line)
            if not key:
                raise ValueError(f"{path}:{n}: empty line")
            if key in rows:
                raise ValueError(f"{path}:{n}: duplicate utterance id {key}")
            rows[key] = value
    return rows


def write_kaldi_dir(data_dir: Path, utts: Iterable[Utterance]) -> None:
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    utts = list(utts)
    write_table(data_dir / "wav.scp", {u.id: u.wav for u in utts})
    write_table(data_dir / "text", {u.id: u.text for u in utts})
    write_table(data_dir / "utt2lang", {u.id: u.src_lang for u in utts})
    utt2spk = {u.id: u.speaker for u in utts}
    write_table(data_dir / "utt2spk", utt2spk)
    write_table(data_dir / "spk2utt", speakers_to_utterances(utt2spk))
    with_st = [u for u in utts if u.text_tgt is not None]
    if with_st:
        write_table(data_dir / "text_tgt", {u.id: u.text_tgt for u in with_st})
        write_table(data_dir / "utt2tgtlang", {u.id: u.tgt_lang for u in with_st})


def data_args(data_dir: Path, names: Iterable[str]) -> List[str]:
    """ESPnet `--*_data_path_and_name_and_type` values for the given data names."""
    kinds = {"speech": "sound"}
    return [f"{Path(data_dir) / DATA_FILES[n]},{n},{kinds.get(n, 'text')}" for n in names]


# Files keyed by utterance id besides DATA_FILES; `utt2*` and `*_shape` files are too.
_UTT_TABLES = {"utt2spk", "speech_shape", "segments"}


def utterance_tables(data_dir: Path) -> List[str]:
    """Names of the files of data_dir that are keyed by utterance id (wav.scp by
    recording id when there is a `segments` file)."""
    known = set(DATA_FILES.values()) | _UTT_TABLES
    return sorted(p.name for p in Path(data_dir).iterdir() if p.is_file() and (
        p.name in known or p.name.startswith("utt2") or p.name.endswith("_shape")))


def speakers_to_utterances(utt2spk: Dict[str, str]) -> Dict[str, str]:
    """spk2utt rows from utt2spk rows (each speaker's utterances in id order): the one
    place spk2utt is made."""
    spk2utt: Dict[str, List[str]] = {}
    for utt in sorted(utt2spk):
        spk2utt.setdefault(utt2spk[utt], []).append(utt)
    return {spk: " ".join(utts) for spk, utts in spk2utt.items()}


def write_subset(src: Path, dst: Path, keep: Iterable[str]) -> None:
    """Writes every utterance table of src restricted to the ids in keep into dst,
    and the spk2utt that goes with the restricted utt2spk."""
    src, dst, keep = Path(src), Path(dst), set(keep)
    names = utterance_tables(src)
    recordings = None
    if "segments" in names:
        recordings = {v.split()[0] for k, v in read_table(src / "segments").items() if k in keep}
    for name in names:
        wanted = recordings if name == "wav.scp" and recordings is not None else keep
        write_table(dst / name, {k: v for k, v in read_table(src / name).items() if k in wanted})
    if "utt2spk" in names:
        write_table(dst / "spk2utt", speakers_to_utterances(read_table(dst / "utt2spk")))
