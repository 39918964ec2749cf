"""Kaldi-style data directories as FAMA recipes use them.

  wav.scp      utt path.wav           text         utt transcript
  text_tgt     utt translation        utt2lang     utt en
  utt2tgtlang  utt it                 utt2spk, spk2utt
Files are sorted by utterance id and written atomically (temp name, then rename).
"""
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional

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
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for key in sorted(rows):
            f.write(f"{key} {rows[key]}\n")
    os.replace(tmp, path)


def read_table(path: Path) -> Dict[str, str]:
    rows = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            key, _, value = line.rstrip("\n").partition(" ")
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
    write_table(data_dir / "utt2spk", {u.id: u.speaker for u in utts})
    spk2utt: Dict[str, List[str]] = {}
    for u in sorted(utts, key=lambda u: u.id):
        spk2utt.setdefault(u.speaker, []).append(u.id)
    write_table(data_dir / "spk2utt", {s: " ".join(ids) for s, ids in spk2utt.items()})
    with_st = [u for u in utts if u.text_tgt is not None]
    if with_st:
        write_table(data_dir / "text_tgt", {u.id: u.text_tgt for u in with_st})
        write_table(data_dir / "utt2tgtlang", {u.id: u.tgt_lang for u in with_st})


def data_args(data_dir: Path, names: Iterable[str]) -> List[str]:
    """ESPnet `--*_data_path_and_name_and_type` values for the given data names."""
    kinds = {"speech": "sound"}
    return [f"{Path(data_dir) / DATA_FILES[n]},{n},{kinds.get(n, 'text')}" for n in names]
