"""What a stage output was made from, and what a rerun does with it.

A finished output dir holds `.done`: a YAML mapping of what it was made from (the
stage's options, the identities of its input dirs and model file, the decoding
options). A rerun computes the same mapping and compares it with the recorded one:

  same       the output is current: the stage skips it;
  different  a data stage refuses (StaleOutput names every differing entry and the dir
             to remove: a data dir feeds every later stage, so replacing it behind
             their back would leave their outputs stale); a decoding is rebuilt.

Identities. A file is its resolved path, size and modification time, so a retrained or
re-averaged model.pth differs; a config is its path and the digest of its text (a
recipe may rewrite it unchanged). A dir our stages made is the digest of its own `.done`,
which holds its inputs' identities in turn: a change anywhere upstream shows
downstream. Any other dir (a user's Kaldi dir) is the digest of its files' names and
contents (tables only: a data prep that rewrites them unchanged changes nothing).
"""
import hashlib
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import yaml

from fama_espnet.files import DONE_MARK, write_text

MadeFrom = Dict[str, Any]


class StaleOutput(RuntimeError):
    """A finished output made from other inputs or options than this run's."""


def file_identity(path: Union[str, Path]) -> str:
    p = Path(path).resolve()
    st = p.stat()
    return f"{p} ({st.st_size} bytes, modified {st.st_mtime_ns})"


def content_identity(path: Union[str, Path]) -> str:
    p = Path(path).resolve()
    return f"{p} ({hashlib.sha1(p.read_bytes()).hexdigest()[:16]})"


def dir_identity(path: Union[str, Path]) -> str:
    p = Path(path).resolve()
    done = p / DONE_MARK
    if done.is_file():
        digest = hashlib.sha1(done.read_bytes()).hexdigest()[:16]
    else:
        h = hashlib.sha1()
        for f in sorted(f for f in p.iterdir() if f.is_file()):
            h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
        digest = h.hexdigest()[:16]
    return f"{p} ({digest})"


def stamp(made_from: MadeFrom) -> str:
    return yaml.safe_dump(made_from, sort_keys=True, allow_unicode=True)


def recorded(out: Union[str, Path]) -> Optional[MadeFrom]:
    """The mapping in out/.done; None if out is not finished. A mark that is not a
    mapping (an older format) reads as {}: it matches nothing."""
    done = Path(out) / DONE_MARK
    if not done.is_file():
        return None
    try:
        value = yaml.safe_load(done.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return {}
    return value if isinstance(value, dict) else {}


def differences(old: MadeFrom, new: MadeFrom) -> List[str]:
    lines = []
    for key in sorted(set(old) | set(new)):
        if old.get(key, "<none>") != new.get(key, "<none>"):
            lines.append(f"{key}: {old.get(key, '<none>')!r} then, {new.get(key, '<none>')!r} now")
    return lines


def is_current(out: Union[str, Path], made_from: MadeFrom) -> bool:
    """True if out is finished and was made from exactly made_from."""
    old = recorded(out)
    return old is not None and old == yaml.safe_load(stamp(made_from))


def file_mark(path: Union[str, Path]) -> Path:
    """Where a file output (an averaged model.pth) records what it was made from."""
    path = Path(path)
    return path.with_name(path.name + DONE_MARK)


def is_current_file(path: Union[str, Path], made_from: MadeFrom) -> bool:
    mark = file_mark(path)
    if not (Path(path).is_file() and mark.is_file()):
        return False
    return yaml.safe_load(mark.read_text(encoding="utf-8")) == yaml.safe_load(stamp(made_from))


def mark_file(path: Union[str, Path], made_from: MadeFrom) -> None:
    write_text(file_mark(path), stamp(made_from))


def check_data_output(out: Union[str, Path], made_from: MadeFrom, stage: str) -> bool:
    """For data stages: True if out is finished from the same inputs (skip it), False if
    it is not finished (build it); raises StaleOutput if it was made otherwise."""
    old = recorded(out)
    if old is None:
        return False
    new = yaml.safe_load(stamp(made_from))
    if old == new:
        return True
    raise StaleOutput(f"{stage}: {out} exists but was made from other inputs or options:\n  "
                      + "\n  ".join(differences(old, new))
                      + f"\nRemove {out} (and what was made from it) to rebuild it with this run's.")
