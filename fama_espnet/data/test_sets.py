"""FAMA's test sets, read from each corpus's own release layout into our Kaldi-style
dirs (kaldi_dir.write_kaldi_dir): wav.scp (the release's audio files, read by the
formatting stage), text, utt2lang, utt2spk and, for speech translation, text_tgt and
utt2tgtlang. The audio is not converted here: stage 2 (format_data) decodes it with
soundfile, which reads wav, flac, Ogg Vorbis/Opus and MP3 (libsndfile >= 1.1.0; the
soundfile >= 0.12 wheels bundle 1.2.x).

The layouts relied on, and where they are documented:

Common Voice (commonvoice_datasets releases, `cv-corpus-<version>/<lang>/`):
    clips/<path>                    MP3 audio (48 kHz or 32 kHz, depending on the release)
    test.tsv, dev.tsv, ...          tab-separated with a header; columns used: `path`
                                    (the clip's file name, with .mp3 since version 4),
                                    `sentence`, `client_id` (the speaker). Written without
                                    quoting, so a field is the text between tabs.
    (Hugging Face mozilla-foundation/common_voice_* cards list the columns client_id, path,
    sentence, up_votes, down_votes, age, gender, accent(s), locale, segment[, variant].)

LibriSpeech (openslr.org/12, `LibriSpeech/`):
    <split>/<spk>/<chapter>/<spk>-<chapter>.trans.txt   lines `<spk>-<chapter>-<n> TRANSCRIPT`
    <split>/<spk>/<chapter>/<spk>-<chapter>-<n>.flac    16 kHz; split: test-clean, test-other
    (as read by ESPnet's egs2/librispeech recipes.)

Multilingual LibriSpeech (openslr.org/94, `mls_english[_opus]/`, `mls_italian[_opus]/`; the
release README's "DIRECTORY STRUCTURE"):
    test/transcripts.txt            lines `<spk>_<book>_<seg>\\t<transcript>`
    test/audio/<spk>/<book>/<spk>_<book>_<seg>.flac   16 kHz (.opus in the *_opus releases)
    (ESPnet egs2/mls/asr1/local/data_prep.py reads the same files.)

VoxPopuli, transcribed data (github.com/facebookresearch/voxpopuli, `voxpopuli.get_asr_data`):
    transcribed_data/<lang>/asr_test.tsv   tab-separated with a header: id, raw_text,
                                    normalized_text, speaker_id, split, gender (newer
                                    versions add columns; they are ignored)
    transcribed_data/<lang>/<year>/<id>.ogg   year = the id's first 4 characters (the id is
                                    `<session id>-<n>` and session ids start with the date)
    The reference is raw_text (cased, punctuated, as FAMA writes), normalized_text when
    raw_text is empty; the scoring stage also reports WER on normalised text.

FLEURS (huggingface.co/datasets/google/fleurs, `data/`):
    <code>/test.tsv                 no header, tab-separated: id, file name, raw
                                    transcription, normalised transcription, characters,
                                    num_samples, gender (the columns fleurs.py reads)
    <code>/audio/test/<file name>   16 kHz wav (from <code>/audio/test.tar.gz)
    code: en_us, it_it. `id` is the FLoRes sentence id, shared by every language's
    recordings of that sentence (several speakers may read one sentence): a translation
    pair is a recording of sentence `id` with the other language's text of `id`, looked
    up in that language's train/dev/test TSVs. Texts are the raw transcriptions.

CoVoST 2 (github.com/facebookresearch/covost, `get_covost_splits.py`):
    covost_v2.<src>_<tgt>.<split>.tsv   tab-separated with a header: path, sentence,
                                    translation, client_id; written by pandas with
                                    QUOTE_NONE and escapechar `\\`
    audio: the Common Voice <src> release's clips/<path> (CoVoST 2 is built on Common
    Voice 4.0; later releases still hold those clips).

Every set is checked before it is written: an id that is not unique or holds
whitespace, or a row that does not parse, stops with the file and line; a missing audio
file stops with the count and examples (or, when allowed, is skipped and reported);
rows without text, or without a translation in an ST set, are skipped and listed in
<outdir>/prepare_report.txt.
"""
import csv
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from fama_espnet import provenance
from fama_espnet.data.kaldi_dir import Utterance, split_row, write_kaldi_dir
from fama_espnet.files import building_dir, write_text

REPORT = "prepare_report.txt"
FLEURS_CODES = {"en": "en_us", "it": "it_it"}
FLEURS_SPLITS = ("train", "dev", "test")
SHOW = 10  # missing files named in an error before it only counts

# Common Voice and CoVoST fields can be longer than csv's default limit of 128 KiB.
csv.field_size_limit(1 << 24)


class TestSetError(Exception):
    """A release that cannot become a test set: missing files, unreadable rows, missing audio."""


@dataclass
class Prepared:
    """The utterances of a test set and the rows left out, as (file:line, reason, detail)."""
    utts: List[Utterance] = field(default_factory=list)
    skipped: List[Tuple[str, str, str]] = field(default_factory=list)


def _one_line(text: str) -> str:
    # Kaldi tables are one utterance per line: tabs, newlines and runs of spaces become one space.
    return " ".join(text.split())


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        raise TestSetError(f"{path}: not found ({what})")
    return path


def _tsv_rows(path: Path, escapechar: Optional[str] = None) -> Iterator[Tuple[int, Dict[str, str]]]:
    """(line number, row) of a headed TSV written without quoting."""
    with open(_require(path, "tab-separated manifest"), encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar=escapechar)
        for row in reader:
            if None in row or any(v is None for v in row.values()):
                n = sum(v is not None for k, v in row.items() if k is not None) + len(row.get(None) or [])
                raise TestSetError(f"{path}:{reader.line_num}: {n} fields where the header "
                                   f"{reader.fieldnames} has {len(reader.fieldnames)}")
            yield reader.line_num, row


def _columns(path: Path, row: Dict[str, str], needed: Sequence[str], line: int) -> None:
    missing = [c for c in needed if c not in row]
    if missing:
        raise TestSetError(f"{path}:{line}: no column {missing} (columns: {list(row)})")


def _add(out: Prepared, where: str, utt: Utterance, need_translation: bool = False) -> None:
    """Keeps utt unless it has nothing to score against."""
    if not utt.text:
        out.skipped.append((where, "empty_text", utt.id))
    elif need_translation and not utt.text_tgt:
        out.skipped.append((where, "no_translation", utt.id))
    else:
        out.utts.append(utt)


def commonvoice(root: Path, lang: str, split: str = "test") -> Prepared:
    """A Common Voice release's language dir (clips/, <split>.tsv) -> ASR set."""
    root, out = Path(root), Prepared()
    tsv = root / f"{split}.tsv"
    clips = _require(root / "clips", "Common Voice audio dir")
    for line, row in _tsv_rows(tsv):
        _columns(tsv, row, ("path", "sentence"), line)
        name = row["path"].strip()
        if not name.endswith(".mp3") and "." not in name:
            name += ".mp3"  # releases before version 4 list clips without the extension
        uid = Path(name).stem
        speaker = row.get("client_id", "").strip() or uid
        _add(out, f"{tsv}:{line}", Utterance(uid, str(clips / name), _one_line(row["sentence"]), lang, speaker))
    return out


def librispeech(root: Path, split: str = "test-clean") -> Prepared:
    """LibriSpeech/<split> (test-clean, test-other) -> English ASR set."""
    base, out = _require(Path(root) / split, "LibriSpeech split dir"), Prepared()
    transcripts = sorted(base.glob("*/*/*.trans.txt"))
    if not transcripts:
        raise TestSetError(f"{base}: no <spk>/<chapter>/*.trans.txt files")
    for trans in transcripts:
        with open(trans, encoding="utf-8") as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                uid, text = split_row(line)
                _add(out, f"{trans}:{line_no}",
                     Utterance(uid, str(trans.parent / f"{uid}.flac"), _one_line(text), "en", uid.split("-")[0]))
    return out


def mls(root: Path, lang: str, split: str = "test") -> Prepared:
    """An MLS language release (mls_english, mls_italian, or their _opus versions) -> ASR set."""
    base, out = Path(root) / split, Prepared()
    trans = _require(base / "transcripts.txt", "MLS transcripts")
    with open(trans, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            uid, tab, text = line.rstrip("\r\n").partition("\t")
            parts = uid.split("_")
            if not tab or len(parts) != 3:
                raise TestSetError(f"{trans}:{line_no}: expected `<spk>_<book>_<seg>\\t<transcript>`, "
                                   f"got {line.strip()[:80]!r}")
            stem = base / "audio" / parts[0] / parts[1] / uid
            flac, opus = stem.with_suffix(".flac"), stem.with_suffix(".opus")
            wav = opus if not flac.exists() and opus.exists() else flac
            _add(out, f"{trans}:{line_no}", Utterance(uid, str(wav), _one_line(text), lang, parts[0]))
    return out


def voxpopuli(root: Path, lang: str, split: str = "test") -> Prepared:
    """VoxPopuli's transcribed data (the output of voxpopuli.get_asr_data) -> ASR set."""
    base, out = Path(root) / "transcribed_data" / lang, Prepared()
    tsv = base / f"asr_{split}.tsv"
    for line, row in _tsv_rows(tsv):
        _columns(tsv, row, ("id", "raw_text"), line)
        uid = row["id"].strip()
        text = _one_line(row["raw_text"]) or _one_line(row.get("normalized_text", ""))
        speaker = row.get("speaker_id", "").strip() or uid
        _add(out, f"{tsv}:{line}", Utterance(uid, str(base / uid[:4] / f"{uid}.ogg"), text, lang, speaker))
    return out


def _fleurs_rows(tsv: Path) -> Iterator[Tuple[int, List[str]]]:
    with open(_require(tsv, "FLEURS manifest"), encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) < 7:
                raise TestSetError(f"{tsv}:{line_no}: {len(fields)} fields, FLEURS rows have 7 "
                                   "(id, file name, raw transcription, transcription, characters, "
                                   "num_samples, gender)")
            yield line_no, fields


def _fleurs_code(lang: str) -> str:
    if lang not in FLEURS_CODES:
        raise TestSetError(f"FLEURS: no language {lang!r} here (known: {sorted(FLEURS_CODES)})")
    return FLEURS_CODES[lang]


def fleurs(root: Path, lang: str, tgt_lang: Optional[str] = None, split: str = "test") -> Prepared:
    """google/fleurs `data/` -> ASR set of <lang>, or with tgt_lang the ST set <lang> -> tgt_lang
    (the recordings whose sentence the target language also has)."""
    root, out = Path(root), Prepared()
    base = root / _fleurs_code(lang)
    tsv = base / f"{split}.tsv"
    translations: Dict[str, str] = {}
    if tgt_lang is not None:
        tgt_dir = root / _fleurs_code(tgt_lang)
        tgt_tsvs = [tgt_dir / f"{s}.tsv" for s in FLEURS_SPLITS if (tgt_dir / f"{s}.tsv").exists()]
        if not tgt_tsvs:
            raise TestSetError(f"{tgt_dir}: no {'/'.join(FLEURS_SPLITS)}.tsv to take {tgt_lang} translations from")
        for t in tgt_tsvs:
            for _, fields in _fleurs_rows(t):
                translations.setdefault(fields[0].strip(), _one_line(fields[2]))
    for line_no, fields in _fleurs_rows(tsv):
        sentence, name = fields[0].strip(), fields[1].strip()
        uid = Path(name).stem
        utt = Utterance(uid, str(base / "audio" / split / name), _one_line(fields[2]), lang, uid)
        if tgt_lang is not None:
            utt.text_tgt, utt.tgt_lang = translations.get(sentence), tgt_lang
        _add(out, f"{tsv}:{line_no}", utt, need_translation=tgt_lang is not None)
    return out


def covost2(root: Path, clips: Path, src_lang: str = "it", tgt_lang: str = "en", split: str = "test") -> Prepared:
    """CoVoST 2 <src>_<tgt> split TSV + Common Voice <src> clips -> ST set (and its ASR)."""
    root, out = Path(root), Prepared()
    clips = _require(Path(clips), "Common Voice clips dir of CoVoST 2's source language")
    tsv = root / f"covost_v2.{src_lang}_{tgt_lang}.{split}.tsv"
    for line, row in _tsv_rows(tsv, escapechar="\\"):
        _columns(tsv, row, ("path", "sentence", "translation"), line)
        name = row["path"].strip()
        uid = Path(name).stem
        speaker = row.get("client_id", "").strip() or uid
        _add(out, f"{tsv}:{line}", Utterance(uid, str(clips / name), _one_line(row["sentence"]), src_lang,
                                              speaker, _one_line(row["translation"]), tgt_lang),
             need_translation=True)
    return out


# --corpus name -> the function reading that release
PREPARERS: Dict[str, Callable[..., Prepared]] = {
    "commonvoice": commonvoice, "librispeech": librispeech, "mls": mls,
    "voxpopuli": voxpopuli, "fleurs": fleurs, "covost2": covost2,
}


def check(prepared: Prepared, allow_missing_audio: bool = False) -> Prepared:
    """Ids unique and without whitespace; audio present (or, if allowed, its rows skipped)."""
    seen: Dict[str, int] = {}
    for u in prepared.utts:
        if not u.id or any(c.isspace() for c in u.id):
            raise TestSetError(f"utterance id {u.id!r} is empty or holds whitespace (audio {u.wav})")
        seen[u.id] = seen.get(u.id, 0) + 1
    dups = sorted(k for k, n in seen.items() if n > 1)
    if dups:
        raise TestSetError(f"{len(dups)} utterance ids occur more than once, e.g. {dups[:SHOW]}")
    missing = [u for u in prepared.utts if not os.path.isfile(u.wav)]
    if missing and not allow_missing_audio:
        shown = ", ".join(u.wav for u in missing[:SHOW])
        raise TestSetError(f"{len(missing)} of {len(prepared.utts)} audio files are missing, e.g. {shown} "
                           "(allow_missing_audio skips them, listed in the report)")
    gone = {u.id for u in missing}
    return Prepared([u for u in prepared.utts if u.id not in gone],
                    prepared.skipped + [(u.wav, "missing_audio", u.id) for u in missing])


def write_test_set(prepared: Prepared, outdir: Path, source: str, allow_missing_audio: bool = False,
                   made_from: Optional[dict] = None) -> Optional[str]:
    """Checks and writes outdir atomically, its .done recording made_from (default: the
    source); None if outdir is already made from the same (provenance.check_data_output)."""
    outdir = Path(outdir)
    made_from = made_from or {"source": source, "allow_missing_audio": allow_missing_audio}
    if provenance.check_data_output(outdir, made_from, "prepare_test_set"):
        return None
    prepared = check(prepared, allow_missing_audio)
    if not prepared.utts:
        raise TestSetError(f"{source}: no usable utterance ({len(prepared.skipped)} skipped)")
    n_st = sum(u.text_tgt is not None for u in prepared.utts)
    summary = (f"prepare_test_set: {source} -> {outdir}: {len(prepared.utts)} utterances"
               + (" with translations" if n_st else "") + f", {len(prepared.skipped)} skipped")
    lines = [summary, ""] + [f"{reason}\t{utt}\t{where}" for where, reason, utt in prepared.skipped]
    with building_dir(outdir, provenance.stamp(made_from)) as tmp:
        write_kaldi_dir(tmp, prepared.utts)
        write_text(tmp / REPORT, "\n".join(lines) + "\n")
    return summary
