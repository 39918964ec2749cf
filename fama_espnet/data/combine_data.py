"""Concatenates Kaldi-style data dirs into one, as Kaldi's utils/combine_data.sh: FAMA's
subsets (one dir per fairseq manifest) into the one training or validation set that
ESPnet reads per step.

Every utterance id, speaker id and `segments` recording id of an input gets the prefix
`<input dir name>-`: FAMA's subsets share clips (Common Voice and CoVoST 2; the machine
and the human CoVoST 2 it->en translations), so their ids collide otherwise.

Translations (text_tgt, utt2tgtlang) follow `translation`:
  drop     left out: an ASR set (the formatting stage requires a translation of every
           row once any row has one)
  require  every input has them: an ASR + ST set
  fill     an input without them gets its transcript as text_tgt and its source language
           as utt2tgtlang. That is what FBK's ASR manifests hold (tgt_text = transcript,
           tgt_lang = src_lang), so FAMA's step-2 validation on dev_commonvoice-* scores
           the "translation" of those rows as a second transcript, as the reference does.

Tables are streamed, so memory does not grow with the corpus (FAMA's step-1 set has
tens of millions of rows); rows keep the inputs' order, grouped by input (ESPnet reads
tables into dicts, so global order does not matter). Inputs must have the same tables
besides the translations, and the same recorded speech kind (speech_format) if any.
"""
from pathlib import Path
from typing import Dict, List, Optional, Sequence, TextIO

from fama_espnet import provenance
from fama_espnet.data import speech_format
from fama_espnet.data.kaldi_dir import read_table, speakers_to_utterances, split_row, utterance_tables
from fama_espnet.files import building_dir

TRANSLATION = ("text_tgt", "utt2tgtlang")
MODES = ("drop", "require", "fill")


class CombineError(Exception):
    """Inputs that cannot be combined; the message names the dirs and files."""


def _tables(d: Path) -> List[str]:
    return [t for t in utterance_tables(d) if t not in TRANSLATION]


def _check_inputs(inputs: List[Path], translation: str) -> Dict[Path, bool]:
    """Whether each input has translations; raises CombineError on any mismatch."""
    if translation not in MODES:
        raise CombineError(f"translation must be one of {MODES}, not {translation!r}")
    if not inputs:
        raise CombineError("no input dirs")
    names = [d.name for d in inputs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise CombineError(f"input dirs share the names {repeated}: their id prefixes would collide")
    for d in inputs:
        for name in ("wav.scp", "text"):
            if not (d / name).is_file():
                raise CombineError(f"{d}: no {name}")
    first = set(_tables(inputs[0]))
    for d in inputs[1:]:
        tables = set(_tables(d))
        if tables != first:
            raise CombineError(f"{d} has tables {sorted(tables)}, {inputs[0]} has {sorted(first)}: "
                               f"differing {sorted(tables ^ first)}")
    try:
        kinds = {d: speech_format.kind(d) for d in inputs if speech_format.is_recorded(d)}
    except speech_format.SpeechFormatError as e:
        raise CombineError(str(e)) from None
    if kinds and (len(kinds) != len(inputs) or len(set(kinds.values())) > 1):
        raise CombineError(f"inputs differ in {speech_format.KIND_FILE}: "
                           + ", ".join(f"{d.name}: {kinds.get(d, 'none')}" for d in inputs))
    has = {}
    for d in inputs:
        present = [t for t in TRANSLATION if (d / t).is_file()]
        if len(present) == 1:
            raise CombineError(f"{d} has {present[0]} but not {[t for t in TRANSLATION if t not in present][0]}")
        has[d] = bool(present)
    lacking = [d.name for d in inputs if not has[d]]
    if translation == "require" and lacking:
        raise CombineError(f"translations required, but {lacking} have no {' / '.join(TRANSLATION)}")
    if translation == "fill":
        no_lang = [d.name for d in inputs if not has[d] and not (d / "utt2lang").is_file()]
        if no_lang:
            raise CombineError(f"{no_lang} have neither translations nor utt2lang to fill them from")
    return has


def _copy(src: Path, dst: TextIO, prefix: str, name: str) -> int:
    """Appends src's rows to dst with prefixed ids; returns the row count."""
    n = 0
    with open(src, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            key, value = split_row(line)
            if not key:
                continue
            if name == "utt2spk":
                value = f"{prefix}{value}"
            elif name == "segments":
                value = prefix + value.lstrip()
            dst.write(f"{prefix}{key} {value}\n")
            n += 1
    return n


def combine_data(inputs: Sequence[Path], out: Path, translation: str = "require") -> Optional[str]:
    """Writes `out` from inputs (see the module doc), atomically; None if out is already
    made from the same inputs (provenance.check_data_output)."""
    inputs, out = [Path(d) for d in inputs], Path(out)
    made_from = {"translation": translation, "inputs": [provenance.dir_identity(d) for d in inputs]}
    if provenance.check_data_output(out, made_from, "combine_data"):
        return None
    has = _check_inputs(inputs, translation)
    tables = _tables(inputs[0]) + (list(TRANSLATION) if translation != "drop" else [])
    counts = []
    with building_dir(out, provenance.stamp(made_from)) as tmp:
        files = {t: open(tmp / t, "w", encoding="utf-8") for t in tables}
        spk2utt = open(tmp / "spk2utt", "w", encoding="utf-8")
        try:
            for d in inputs:
                prefix = f"{d.name}-"
                n = _copy(d / "text", files["text"], prefix, "text")
                counts.append(n)
                for t in tables:
                    if t == "text":
                        continue
                    if t in TRANSLATION and not has[d]:  # fill: the transcript, the source language
                        _copy(d / ("text" if t == "text_tgt" else "utt2lang"), files[t], prefix, t)
                    else:
                        _copy(d / t, files[t], prefix, t)
                if (d / "spk2utt").is_file() and "utt2spk" in tables:
                    # Prefixed, one input's speakers never meet another input's: stream its spk2utt.
                    with open(d / "spk2utt", encoding="utf-8") as f:
                        for line in f:
                            if line.strip():
                                spk2utt.write(" ".join(prefix + w for w in line.split()) + "\n")
                elif "utt2spk" in tables:
                    rows = speakers_to_utterances({prefix + u: prefix + s for u, s in
                                                   read_table(d / "utt2spk").items()})
                    for spk in sorted(rows):
                        spk2utt.write(f"{spk} {rows[spk]}\n")
        finally:
            for f in list(files.values()) + [spk2utt]:
                f.close()
        if "utt2spk" not in tables:
            (tmp / "spk2utt").unlink()
        if speech_format.is_recorded(inputs[0]):
            speech_format.record(tmp, speech_format.kind(inputs[0]))
    detail = ", ".join(f"{d.name} {n}" for d, n in zip(inputs, counts))
    return (f"combine_data: {len(inputs)} dirs -> {out}: {sum(counts)} utterances "
            f"(translations: {translation}; {detail})")
