"""The formatting stage: a Kaldi-style data dir -> a dir of 16 kHz mono 16-bit wavs
that ESPnet trains on, with every data problem found, reported and handled.

Input (src): wav.scp (a path, or a command ending in `|` that writes a wav to
stdout), text, and optionally segments (`utt rec start end`, seconds; wav.scp is
then keyed by recording), text_tgt, utt2lang, utt2tgtlang, utt2spk.
Output (dst): data/NNNN/<utt>.wav and wav.scp with their absolute paths, the text
tables restricted to the kept utterances, utt2spk/spk2utt, feats_type (waveform) and
speech_shape (10 ms frames; see speech_format), format_report.txt, and .done (what it
was made from) once complete. A src that already records its speech format (a fairseq
manifest import, read in place) is adopted instead: its entries are checked against
its feats_type and its tables copied.

An utterance with a problem is dropped; audio that only has the wrong rate, channel
count or encoding is converted. Every utterance is reported under each problem
found; audio is not read for utterances already dropped for a table problem.
"""
import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple
from urllib.parse import quote

import numpy as np
import soundfile as sf

from fama_espnet import provenance
from fama_espnet.audio import PCM_16, AudioProblem, read_kaldi_source, resample, to_float, to_pcm16
from fama_espnet.data import speech_format
from fama_espnet.data.kaldi_dir import speakers_to_utterances, split_row, utterance_tables, write_table
from fama_espnet.data.problems import CONVERTED, DROPPED, ProblemLog
from fama_espnet.files import building_dir
from fama_espnet.parallel import run_jobs
from fama_espnet.tokens import LANGUAGES

# Report order; each problem is (kind, what it means).
PROBLEMS: Dict[str, Tuple[str, str]] = {
    "duplicate_id": (DROPPED, "id listed more than once in one file; no copy is kept"),
    "no_audio_entry": (DROPPED, "listed in a table but not in wav.scp (or segments)"),
    "no_transcript": (DROPPED, "in wav.scp (or segments) but not in text"),
    "bad_segment": (DROPPED, "segments line that cannot be cut from its recording"),
    "empty_transcript": (DROPPED, "empty transcript in text"),
    "missing_src_lang": (DROPPED, "no source language in utt2lang"),
    "unknown_language": (DROPPED, "language code outside the accepted ones"),
    "missing_translation": (DROPPED, "no or empty translation in text_tgt"),
    "missing_tgt_lang": (DROPPED, "translation without target language in utt2tgtlang"),
    "missing_audio": (DROPPED, "the audio file does not exist"),
    "unreadable_audio": (DROPPED, "audio that cannot be decoded (corrupted file, failed command)"),
    "empty_audio": (DROPPED, "audio with no samples"),
    "resampled": (CONVERTED, "resampled to the target rate (original rate shown)"),
    "downmixed": (CONVERTED, "averaged to one channel (original channel count shown)"),
    "reencoded": (CONVERTED, "re-encoded as 16-bit PCM wav (original encoding shown)"),
    "segment_truncated": (CONVERTED, "segment end past the recording, cut at its end"),
}

TABLES = ("wav.scp", "text", "segments", "text_tgt", "utt2lang", "utt2tgtlang", "utt2spk",
          "utt2category")  # ESPnet's per-utterance category, scored apart (bin/score.py)
# Kaldi's extract-segments also tolerates ends a little past the recording.
MAX_SEGMENT_OVERSHOOT_S = 0.5
FILES_PER_SUBDIR = 10000
Segments = Dict[str, Tuple[str, float, Optional[float]]]  # utt -> (recording, start s, end s or None)


class FormatError(Exception):
    """A problem of the whole data dir (a required file missing, nothing usable)."""


def read_rows(path: Path) -> Tuple[Dict[str, str], Dict[str, int]]:
    """Rows of a Kaldi table that may be broken: the ids seen once with their values,
    and the ids seen more than once with how often. Blank lines are skipped."""
    rows: Dict[str, str] = {}
    seen: Dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, value = split_row(line)
            if not key:
                continue
            seen[key] = seen.get(key, 0) + 1
            rows[key] = value
    dups = {k: n for k, n in seen.items() if n > 1}
    return {k: v for k, v in rows.items() if k not in dups}, dups


@dataclass
class AudioJob:
    """One audio source (a recording, or an utterance's own file) and the utterances
    to cut from it: (utt, start_s, end_s, output file); end_s None = to the end."""
    source: str
    cuts: List[Tuple[str, float, Optional[float], str]] = field(default_factory=list)


@dataclass
class Plan:
    jobs: List[AudioJob]  # the audio of the utterances that passed the table checks
    tables: Dict[str, Dict[str, str]]  # output tables for the planned utterances
    n_input: int


def plan(src: Path, out_data: Path, log: ProblemLog, languages: Sequence[str],
         require_translation: bool, src_lang: Optional[str]) -> Plan:
    """Checks the tables of src (everything but the audio) and groups the audio work."""
    for name in ("wav.scp", "text"):
        if not (src / name).is_file():
            raise FormatError(f"{src}: no {name}")
    tables, dup_recordings = _read_tables(src, log)
    segments = _parse_segments(tables, dup_recordings, log) if "segments" in tables else None
    audio_ids = set(segments) if segments is not None else set(tables["wav.scp"])
    all_ids = set(audio_ids).union(*(set(tables[n]) for n in TABLES if n in tables and n != "wav.scp"))
    all_ids |= {u for utts in log.found.values() for u in utts}

    translations = require_translation or bool(tables.get("text_tgt") or tables.get("utt2tgtlang"))
    for utt in sorted(all_ids):
        _check_tables(utt, tables, audio_ids, log, languages, translations, src_lang)

    dropped = log.ids(DROPPED)
    keep = sorted(all_ids - dropped)
    out = {"text": {}, "utt2lang": {}, "utt2spk": {}}
    if translations:
        out.update({"text_tgt": {}, "utt2tgtlang": {}})
    for utt in keep:
        out["text"][utt] = tables["text"][utt].strip()
        out["utt2lang"][utt] = tables.get("utt2lang", {}).get(utt, src_lang).strip()
        out["utt2spk"][utt] = tables.get("utt2spk", {}).get(utt, utt).strip() or utt
        if translations:
            out["text_tgt"][utt] = tables["text_tgt"][utt].strip()
            out["utt2tgtlang"][utt] = tables["utt2tgtlang"][utt].strip()
    if "utt2category" in tables:  # optional: an utterance without one is in none
        out["utt2category"] = {u: tables["utt2category"][u].strip() for u in keep if u in tables["utt2category"]}
    return Plan(_audio_jobs(keep, tables["wav.scp"], segments, out_data), out, len(all_ids))


def _read_tables(src: Path, log: ProblemLog) -> Tuple[Dict[str, Dict[str, str]], Dict[str, int]]:
    """The tables of src less their duplicated ids, which are reported; with segments,
    wav.scp is keyed by recording: its duplicates are returned, to drop their segments."""
    tables, dup_recordings = {}, {}
    for name in TABLES:
        if not (src / name).is_file():
            continue
        tables[name], dups = read_rows(src / name)
        if name == "wav.scp" and (src / "segments").is_file():
            dup_recordings = dups
            continue
        for key, n in dups.items():
            log.add("duplicate_id", key, f"{n} times in {name}")
    return tables, dup_recordings


def _parse_segments(tables: Dict[str, Dict[str, str]], dup_recordings: Dict[str, int],
                    log: ProblemLog) -> Segments:
    segments = {}
    for utt, value in tables["segments"].items():
        parts = value.split()
        try:
            rec, start, end = parts[0], float(parts[1]), float(parts[2])
        except (IndexError, ValueError):
            log.add("bad_segment", utt, f"malformed line: {value!r}")
            continue
        if rec in dup_recordings:
            log.add("duplicate_id", utt, f"recording {rec} {dup_recordings[rec]} times in wav.scp")
        elif start < 0 or (end > 0 and end <= start):
            log.add("bad_segment", utt, f"{rec} from {start} to {end} s")
        segments[utt] = (rec, start, end if end > 0 else None)  # Kaldi: end -1 = to the end
    for utt, (rec, _, _) in segments.items():
        if rec not in tables["wav.scp"] and rec not in dup_recordings:
            log.add("no_audio_entry", utt, f"recording {rec} not in wav.scp")
    return segments


def _check_tables(utt: str, tables: Dict[str, Dict[str, str]], audio_ids: Set[str], log: ProblemLog,
                  languages: Sequence[str], translations: bool, src_lang: Optional[str]) -> None:
    if utt in log.found["duplicate_id"]:  # its rows are ambiguous, so not checked further
        return
    if utt not in audio_ids:
        log.add("no_audio_entry", utt, "not in " + ("segments" if "segments" in tables else "wav.scp"))
    text = tables["text"].get(utt)
    if text is None:
        log.add("no_transcript", utt, "not in text")
    elif not text.strip():
        log.add("empty_transcript", utt)
    lang = tables["utt2lang"].get(utt) if "utt2lang" in tables else src_lang
    if not lang or not lang.strip():
        log.add("missing_src_lang", utt, "no utt2lang file" if "utt2lang" not in tables else "")
    elif lang.strip() not in languages:
        log.add("unknown_language", utt, f"source {lang.strip()}")
    if not translations:
        return
    if not tables.get("text_tgt", {}).get(utt, "").strip():
        log.add("missing_translation", utt, "no text_tgt file" if "text_tgt" not in tables else "")
    tgt = tables.get("utt2tgtlang", {}).get(utt, "").strip()
    if not tgt:
        log.add("missing_tgt_lang", utt, "no utt2tgtlang file" if "utt2tgtlang" not in tables else "")
    elif tgt not in languages:
        log.add("unknown_language", utt, f"target {tgt}")


def output_file(out_data: Path, index: int, utt: str) -> str:
    """Where the wav of the index-th kept utterance goes; subdirs keep directories small."""
    return str(out_data / f"{index // FILES_PER_SUBDIR:04d}" / (quote(utt, safe="") + ".wav"))


def _audio_jobs(keep: List[str], wav_scp: Dict[str, str], segments: Optional[Segments],
                out_data: Path) -> List[AudioJob]:
    index = {utt: i for i, utt in enumerate(keep)}
    if segments is None:
        return [AudioJob(wav_scp[u], [(u, 0.0, None, output_file(out_data, index[u], u))]) for u in keep]
    by_recording: Dict[str, AudioJob] = {}
    for utt in keep:
        rec, start, end = segments[utt]
        job = by_recording.setdefault(rec, AudioJob(wav_scp[rec]))
        job.cuts.append((utt, start, end, output_file(out_data, index[utt], utt)))
    return [by_recording[r] for r in sorted(by_recording)]


def convert(x: np.ndarray, rate: int, encoding: str, fs: int) -> Tuple[np.ndarray, List[Tuple[str, str]]]:
    """(mono int16 samples at fs, conversions done) from a samples x channels array."""
    done = []
    channels = x.shape[1]
    if channels > 1:
        x = to_float(x).mean(axis=1)
        done.append(("downmixed", f"{channels} channels"))
    else:
        x = x[:, 0]
    if rate != fs:
        x = resample(to_float(x), rate, fs)
        done.append(("resampled", f"{rate} Hz"))
    if encoding != PCM_16:
        done.append(("reencoded", encoding))
    return to_pcm16(x), done


def process_job(job: AudioJob, fs: int) -> List[Tuple[str, Optional[int], List[Tuple[str, str]]]]:
    """Reads, cuts, converts and writes one job's audio: (utt, samples or None if dropped,
    problems) per cut. Decoding errors are data problems; write errors are not."""
    try:
        audio, rate, encoding = read_kaldi_source(job.source)
    except AudioProblem as p:
        return [(utt, None, [(p.name, p.detail)]) for utt, _, _, _ in job.cuts]
    results = []
    total = audio.shape[0]
    length = f"recording is {total / rate:.2f} s"
    for utt, start, end, path in job.cuts:
        problems = []
        begin = int(round(start * rate))
        stop = total if end is None else int(round(end * rate))
        if total == 0:
            results.append((utt, None, [("empty_audio", "0 samples")]))
            continue
        if begin >= total:
            results.append((utt, None, [("bad_segment", f"starts at {start} s, {length}")]))
            continue
        if stop > total:
            if stop - total > MAX_SEGMENT_OVERSHOOT_S * rate:
                results.append((utt, None, [("bad_segment", f"ends at {end} s, {length}")]))
                continue
            problems.append(("segment_truncated", f"ends at {end} s, {length}"))
        piece = audio[begin:min(stop, total)]
        if piece.shape[0] == 0:
            results.append((utt, None, [("empty_audio", "0 samples in the segment")]))
            continue
        samples, conversions = convert(piece, rate, encoding, fs)
        problems += conversions
        if samples.shape[0] == 0:
            results.append((utt, None, [("empty_audio", "0 samples after resampling")]))
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        sf.write(path, samples, fs, format="WAV", subtype="PCM_16")
        results.append((utt, int(samples.shape[0]), problems))
    return results


def _run_jobs(jobs: List[AudioJob], fs: int, nj: int, progress: bool) -> Iterator[list]:
    """Yields each job's results as they finish; each job writes only its own files."""
    return run_jobs(partial(process_job, fs=fs), jobs, nj, desc="format_data", size=lambda j: len(j.cuts),
                    progress=progress)


@dataclass
class FormatResult:
    kept: int
    dropped: int
    converted: int
    summary: str


def format_data(src: Path, dst: Path, fs: int = speech_format.SAMPLE_RATE, languages: Sequence[str] = LANGUAGES,
                require_translation: bool = False, src_lang: Optional[str] = None,
                nj: int = 1, progress: bool = True) -> Optional[FormatResult]:
    """Formats src into dst (see the module doc); None if dst is already complete.
    Raises FormatError, leaving dst as it was, when src has no usable utterance."""
    src, dst = Path(src).resolve(), Path(dst).resolve()
    options = {"src": provenance.dir_identity(src), "fs": fs, "languages": list(languages),
               "require_translation": require_translation, "src_lang": src_lang}
    if provenance.check_data_output(dst, options, "format_data"):
        return None
    if speech_format.is_recorded(src):
        return adopt(src, dst, options)
    failed_report = dst.with_name(dst.name + ".format_report.txt")
    log = ProblemLog(PROBLEMS)
    header = ["format_data report", f"source:      {src}", f"destination: {dst}",
              f"output:      {fs} Hz mono 16-bit PCM wav; languages: {' '.join(languages)}; "
              f"translations {'required' if require_translation else 'required if any'}",
              "An utterance is listed under each problem found; dropped utterances are not converted."]
    with building_dir(dst, provenance.stamp(options)) as tmp:
        work = plan(src, tmp / "data", log, languages, require_translation, src_lang)
        shapes: Dict[str, int] = {}
        for results in _run_jobs(work.jobs, fs, nj, progress):
            for utt, samples, problems in results:
                for name, detail in problems:
                    log.add(name, utt, detail)
                if samples is not None:
                    shapes[utt] = samples
        keep = sorted(shapes)
        n_conv = len(log.ids(CONVERTED) & set(keep))
        summary = (f"format_data: {src} -> {dst}: {len(keep)} of {work.n_input} utterances kept, "
                   f"{work.n_input - len(keep)} dropped ({log.counts(DROPPED) or 'none'}), "
                   f"{n_conv} converted ({log.counts(CONVERTED) or 'none'})")
        if not keep:
            log.write(failed_report, header, work.n_input, set())
            raise FormatError(f"no usable utterance in {src} ({summary}); see {failed_report}")
        # wav.scp names where the files will be once tmp is renamed to dst
        paths = {utt: str(dst / Path(o).relative_to(tmp)) for j in work.jobs for utt, _, _, o in j.cuts}
        write_table(tmp / "wav.scp", {u: paths[u] for u in keep})
        speech_format.record(tmp, speech_format.WAVEFORM)
        speech_format.write_shapes(tmp, {u: speech_format.frames_of_samples(shapes[u]) for u in keep})
        for name, rows in work.tables.items():
            write_table(tmp / name, {u: rows[u] for u in keep})
        write_table(tmp / "spk2utt", speakers_to_utterances({u: work.tables["utt2spk"][u] for u in keep}))
        log.write(tmp / "format_report.txt", header, work.n_input, set(keep))
    failed_report.unlink(missing_ok=True)
    return FormatResult(len(keep), work.n_input - len(keep), n_conv,
                        f"{summary}; report: {dst / 'format_report.txt'}")


# Entries probed when a dir is adopted, spread over it: the import that wrote the dir
# probed every entry; this catches a dir whose feats_type was edited or mislabelled.
ADOPT_PROBES = 50


def adopt(src: Path, dst: Path, options: dict) -> FormatResult:
    """dst as a copy of the tables of src, a dir already in our format whose entries are
    read in place (a fairseq manifest import), after checking entries against its kind."""
    try:
        utts = sorted(speech_format.frame_counts(src))
        speech_format.check_entries(src, utts[::max(1, len(utts) // ADOPT_PROBES)])
    except speech_format.SpeechFormatError as e:
        raise FormatError(str(e)) from None
    with building_dir(dst, provenance.stamp(options)) as tmp:
        for name in utterance_tables(src) + [n for n in ("spk2utt", speech_format.KIND_FILE) if (src / n).is_file()]:
            (tmp / name).write_bytes((src / name).read_bytes())
    summary = (f"format_data: {src} -> {dst}: {len(utts)} utterances of {speech_format.kind(src)} read in place "
               f"(tables copied)")
    return FormatResult(len(utts), 0, 0, summary)
