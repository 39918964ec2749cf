"""fairseq speech-to-text TSV manifests -> our Kaldi-style data dirs, reading the audio
in place (no conversion): wav.scp holds the manifests' audio entries, absolute, for
ESPnet's `fairseq_audio` data type (fama_espnet/data/fairseq_audio.py).

A manifest is what FBK-fairseq trains FAMA from: a header line, then one row per
utterance, tab-separated, written with csv QUOTE_NONE (no quoting, so a field is the
text between tabs). Columns `id audio n_frames tgt_text` are required; `src_text
speaker src_lang tgt_lang` are optional (fairseq reads them as "" when absent).
What each row becomes, following FBK's tasks (speech_to_text_ctc, _ctc_asr_st):

  ASR row (tgt_lang == src_lang, or no tgt_lang): text = tgt_text, the decoder's
      target. FBK's ASR manifests repeat the transcript in src_text (preprocess_generic:
      tgt_text = src_text for --task asr), which its intermediate CTC learns; our
      model learns one transcript, so rows where they differ are noted in the report.
  ST row (tgt_lang != src_lang): text = src_text (transcript), text_tgt = tgt_text.

Output (outdir): wav.scp, text, text_tgt and utt2tgtlang (ST rows), utt2lang, utt2spk,
spk2utt, feats_type (waveform or fbank) and speech_shape (10 ms frames), the speech
format contract of speech_format.py, import_report.txt, and .done (what it was made
from) once complete.
Rows that cannot be used are listed in the report by manifest line and skipped.

FBK-MT/fama-data (Hugging Face) layout: the dataset card could not be read here, so
its file layout is assumed from FBK-fairseq's fbk_works/FAMA.md, which trains from
"$DATAROOT" after "downloading and preprocessing" fama-data: a fairseq data root of
`<subset>.tsv` manifests named as in FAMA_SUBSETS (e.g. train_commonvoice-en,
train_st_covost2-it_en), with audio entries relative to the config's `audio_root` (or
absolute). `import_fama_dataroot` converts such a root; if the release differs (other
file names, parquet instead of TSV, audio to fetch from the original corpora), adapt
`find_manifests` and `subset_languages`, the only places that know the layout.
"""
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from fama_espnet import provenance
from fama_espnet.data import speech_format
from fama_espnet.data.fairseq_audio import EntryError, Probe, probe_entry, resolve
from fama_espnet.data.kaldi_dir import Utterance, write_kaldi_dir
from fama_espnet.data.problems import DROPPED, ProblemLog
from fama_espnet.data.speech_format import FBANK, N_MELS, WAVEFORM
from fama_espnet.files import building_dir
from fama_espnet.tokens import LANGUAGES

NOTED = "noted"
REQUIRED_COLUMNS = ("id", "audio", "n_frames", "tgt_text")
OPTIONAL_COLUMNS = ("src_text", "speaker", "src_lang", "tgt_lang")
REPORT = "import_report.txt"

# Report order; each problem is (kind, what it means). Audio problems are named by
# fairseq_audio.EntryError.problem.
PROBLEMS: Dict[str, Tuple[str, str]] = {
    "bad_row": (DROPPED, "number of tab-separated fields differs from the header's"),
    "bad_id": (DROPPED, "empty id, or an id with whitespace"),
    "duplicate_id": (DROPPED, "id on more than one row; no copy is kept"),
    "bad_n_frames": (DROPPED, "n_frames is not a non-negative integer"),
    "missing_src_lang": (DROPPED, "no src_lang (column empty or absent, no default given)"),
    "unknown_language": (DROPPED, "language outside the accepted ones"),
    "empty_text": (DROPPED, "empty tgt_text (transcript of an ASR row, translation of an ST row)"),
    "missing_transcript": (DROPPED, "ST row with an empty src_text (the transcript)"),
    "bad_audio_field": (DROPPED, "audio is not PATH or PATH:OFFSET:LENGTH, integers, length > 0"),
    "missing_audio": (DROPPED, "the audio file does not exist"),
    "bad_slice": (DROPPED, "offset/length beyond the end of the file"),
    "unreadable_audio": (DROPPED, "cannot be decoded, or bytes that are neither .npy nor audio"),
    "wrong_rate": (DROPPED, "audio not at the required rate (nothing is resampled)"),
    "empty_audio": (DROPPED, "no samples or frames"),
    "other_kind": (DROPPED, "waveform among features or the reverse; a dir holds the majority kind"),
    "wrong_dim": (DROPPED, f"features that are not {N_MELS}-dim fbank"),
    "src_text_differs": (NOTED, "ASR row whose src_text differs from tgt_text (text = tgt_text)"),
}


class TsvError(Exception):
    """A problem of the whole manifest (unreadable, header without required columns,
    no usable row)."""


@dataclass
class ImportResult:
    kept: int
    dropped: int
    kind: str
    summary: str


@dataclass
class _Row:
    key: str  # manifest:line, the report's key
    utt: Utterance  # wav: the absolute audio entry


def _languages(row: Dict[str, str], src_lang: Optional[str], tgt_lang: Optional[str]) -> Tuple[str, str]:
    src = row.get("src_lang", "").strip() or (src_lang or "")
    tgt = row.get("tgt_lang", "").strip() or (tgt_lang or "") or src
    return src, tgt


def _check_row(key: str, row: Dict[str, str], log: ProblemLog, languages: Sequence[str],
               src_lang: Optional[str], tgt_lang: Optional[str], root: Optional[str]) -> Optional[_Row]:
    """The row as an utterance, or None after reporting why it cannot be used."""
    utt = row["id"].strip()
    where = f"id {utt}" if utt else "no id"
    ok = True
    if not utt or re.search(r"\s", utt):
        log.add("bad_id", key, f"{row['id']!r}")
        ok = False
    n_frames = row["n_frames"].strip()
    if not n_frames.isdigit():
        log.add("bad_n_frames", key, f"{where}: {n_frames!r}")
        ok = False
    src, tgt = _languages(row, src_lang, tgt_lang)
    if not src:
        log.add("missing_src_lang", key, where)
        ok = False
    for side, lang in (("source", src), ("target", tgt)):
        if lang and lang not in languages:
            log.add("unknown_language", key, f"{where}: {side} {lang!r}")
            ok = False
    st = tgt != src
    tgt_text, src_text = row["tgt_text"].strip(), row.get("src_text", "").strip()
    if not tgt_text:
        log.add("empty_text", key, where)
        ok = False
    if st and not src_text:
        log.add("missing_transcript", key, where)
        ok = False
    if not ok:
        return None
    if not st and src_text and src_text != tgt_text:
        log.add("src_text_differs", key, where)
    speaker = "_".join(row.get("speaker", "").split()) or utt
    return _Row(key, Utterance(utt, resolve(row["audio"], root), src_text if st else tgt_text, src,
                               speaker, tgt_text if st else None, tgt if st else None))


def read_manifest(tsv: Path, log: ProblemLog, languages: Sequence[str], src_lang: Optional[str] = None,
                  tgt_lang: Optional[str] = None, root: Optional[str] = None) -> Tuple[List[_Row], int]:
    """The usable rows of a manifest (tables only, audio not opened) and the row count."""
    try:
        f = open(tsv, encoding="utf-8")
    except OSError as e:
        raise TsvError(f"cannot read {tsv}: {e}") from e
    with f:
        header = f.readline().rstrip("\r\n").split("\t")
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing or len(set(header)) != len(header):
            raise TsvError(f"{tsv}:1: header {header} lacks {missing}" if missing
                           else f"{tsv}:1: header {header} repeats a column")
        rows, n = [], 0
        for line_no, line in enumerate(f, 2):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            n += 1
            key = f"{tsv.name}:{line_no}"
            fields = line.split("\t")
            if len(fields) != len(header):
                log.add("bad_row", key, f"{len(fields)} fields, header has {len(header)}")
                continue
            row = _check_row(key, dict(zip(header, fields)), log, languages, src_lang, tgt_lang, root)
            if row is not None:
                rows.append(row)
    lines_of: Dict[str, List[str]] = {}
    for r in rows:
        lines_of.setdefault(r.utt.id, []).append(r.key)
    for utt, keys in lines_of.items():
        if len(keys) > 1:
            for key in keys:
                log.add("duplicate_id", key, f"id {utt} on lines {', '.join(k.rsplit(':', 1)[1] for k in keys)}")
    return [r for r in rows if len(lines_of[r.utt.id]) == 1], n


def _probe_rows(rows: List[_Row], log: ProblemLog, fs: int) -> Tuple[List[Tuple[_Row, Probe]], str]:
    """Rows whose audio is readable, of the dir's (majority) kind, and that kind."""
    probed = []
    for r in rows:
        try:
            p = probe_entry(r.utt.wav, fs)
        except EntryError as e:
            log.add(e.problem, r.key, f"id {r.utt.id}: {e}")
            continue
        if p.kind == FBANK and p.dim != N_MELS:
            log.add("wrong_dim", r.key, f"id {r.utt.id}: {p.dim}-dim features")
        else:
            probed.append((r, p))
    kinds = Counter(p.kind for _, p in probed)
    kind = max((WAVEFORM, FBANK), key=lambda k: kinds[k])  # a tie keeps waveforms
    kept = []
    for r, p in probed:
        if p.kind != kind:
            log.add("other_kind", r.key, f"id {r.utt.id}: {p.kind} in a {kind} dir")
        else:
            kept.append((r, p))
    return kept, kind


def import_tsv(tsv: Path, outdir: Path, root: Optional[Path] = None, languages: Sequence[str] = LANGUAGES,
               src_lang: Optional[str] = None, tgt_lang: Optional[str] = None,
               fs: int = speech_format.SAMPLE_RATE) -> Optional[ImportResult]:
    """Converts one manifest into outdir (see the module doc); None if outdir is already
    complete. root: what relative audio paths are relative to (fairseq's audio_root),
    default the manifest's directory. src_lang/tgt_lang: used where the row has none.
    Raises TsvError, leaving outdir as it was, when no row is usable."""
    tsv, outdir = Path(tsv).resolve(), Path(outdir).resolve()
    root_dir = str(Path(root).resolve()) if root is not None else str(tsv.parent)
    options = {"tsv": provenance.file_identity(tsv), "root": root_dir, "languages": list(languages),
               "src_lang": src_lang, "tgt_lang": tgt_lang, "fs": fs}
    if provenance.check_data_output(outdir, options, "import_tsv"):
        return None
    log = ProblemLog(PROBLEMS)
    header = ["import_tsv report", f"manifest:    {tsv}", f"audio root:  {root_dir}",
              f"destination: {outdir}",
              f"languages: {' '.join(languages)}; audio at {fs} Hz; rows are keyed manifest:line"]
    failed_report = outdir.with_name(outdir.name + "." + REPORT)
    with building_dir(outdir, provenance.stamp(options)) as tmp:
        rows, n_rows = read_manifest(tsv, log, languages, src_lang, tgt_lang, root_dir)
        kept, kind = _probe_rows(rows, log, fs)
        dropped = n_rows - len(kept)
        noted = len(log.ids(NOTED))
        summary = (f"import_tsv: {tsv} -> {outdir}: {len(kept)} of {n_rows} rows kept ({kind}), "
                   f"{dropped} dropped ({log.counts(DROPPED) or 'none'})"
                   + (f", {noted} noted ({log.counts(NOTED)})" if noted else ""))
        if not kept:
            log.write(failed_report, header, n_rows, set())
            raise TsvError(f"no usable row in {tsv} ({summary}); see {failed_report}")
        write_kaldi_dir(tmp, [r.utt for r, _ in kept])
        speech_format.record(tmp, kind)
        speech_format.write_shapes(tmp, {r.utt.id: speech_format.frames(kind, p.length) for r, p in kept})
        log.write(tmp / REPORT, header, n_rows, {r.key for r, _ in kept})
    failed_report.unlink(missing_ok=True)
    logging.info(summary)
    return ImportResult(len(kept), dropped, kind, f"{summary}; report: {outdir / REPORT}")


# ---- FBK-MT/fama-data: the subsets of FBK-fairseq fbk_works/FAMA.md's training commands.
FAMA_STEP1_TRAIN = tuple(
    f"train_{name}" for name in (
        "commonvoice-en", "commonvoice-it", "covost2-en", "covost2-it", "fleurs-en", "fleurs-it",
        "librilightlarge-en", "librilightmedium-en", "librilightsmall-en", "librispeech-en",
        "mls-en", "mls-it", "voxpopuliasr-en", "voxpopuliasr-it", "voxpopuli-en", "voxpopuli-it",
        "youtubecommons-en_filtered", "youtubecommons-it"))
FAMA_STEP2_TRAIN = tuple(
    f"train_st_{name}" for name in (
        "librispeech-en_it", "commonvoice-en_it", "commonvoice-it_en", "covost2-en_it", "covost2-it_en",
        "covost2-it_en_gold", "fleurs-en_it", "fleurs-it_en", "librilightlarge-en_it",
        "librilightmedium-en_it", "librilightsmall-en_it", "mls-en_it", "mls-it_en", "voxpopuliasr-en_it",
        "voxpopuliasr-it_en", "voxpopuli-en_it", "voxpopuli-it_en", "youtubecommons-en_it",
        "youtubecommons-it_en"))
FAMA_DEV = ("dev_commonvoice-en", "dev_commonvoice-it", "dev_st_covost2-it_en", "dev_st_fleurs-en_it")
FAMA_SUBSETS = FAMA_STEP1_TRAIN + FAMA_STEP2_TRAIN + FAMA_DEV


def subset_languages(name: str) -> Tuple[str, str]:
    """(src, tgt) from a FAMA subset name: train_commonvoice-en -> (en, en),
    train_st_covost2-it_en_gold -> (it, en); used where a row has no language."""
    codes = [c for c in name.rsplit("-", 1)[-1].split("_") if re.fullmatch(r"[a-z]{2}", c)]
    if "-" not in name or not codes:
        raise ValueError(f"{name}: no language codes after the last '-'")
    return codes[0], codes[1] if len(codes) > 1 else codes[0]


def find_manifests(dataroot: Path, subsets: Optional[Sequence[str]] = None) -> Dict[str, Path]:
    """subset name -> manifest of a fairseq data root (`<subset>.tsv`); every named
    subset must be there."""
    dataroot = Path(dataroot)
    found = {p.stem: p for p in sorted(dataroot.glob("*.tsv"))}
    if subsets is None:
        return found
    missing = [s for s in subsets if s not in found]
    if missing:
        raise TsvError(f"{dataroot}: no manifest for {missing} (has {sorted(found)})")
    return {s: found[s] for s in subsets}


def import_fama_dataroot(dataroot: Path, outdir: Path, subsets: Optional[Sequence[str]] = None,
                         audio_root: Optional[Path] = None, languages: Sequence[str] = LANGUAGES,
                         fs: int = speech_format.SAMPLE_RATE) -> Dict[str, Optional[ImportResult]]:
    """Each manifest of a FAMA fairseq data root -> outdir/<subset> (None: already done).
    audio_root defaults to the data root; languages missing from a row come from the
    subset's name."""
    results = {}
    for name, tsv in find_manifests(dataroot, subsets).items():
        try:
            src, tgt = subset_languages(name)
        except ValueError:
            src = tgt = None
        results[name] = import_tsv(tsv, Path(outdir) / name, root=audio_root or dataroot,
                                   languages=languages, src_lang=src, tgt_lang=tgt, fs=fs)
    return results


def read_audio_root(config_yaml: Path) -> Optional[str]:
    """fairseq's `audio_root` from a data config.yaml (None when it sets none); fairseq
    joins it as is, so a relative one is relative to the working directory."""
    import yaml

    with open(config_yaml, encoding="utf-8") as f:
        config = yaml.safe_load(f) or {}
    return config.get("audio_root") or None
