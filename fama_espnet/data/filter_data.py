"""The filtering stage: keeps the utterances of a formatted data dir that training
can use, by duration (speech_format: 10 ms frames, whatever the input kind) and by text.

FAMA trains on utterances of at most 30 s. The output dir holds every utterance
table of the input restricted to the kept ids; its wav.scp still names the input's
wav files, so the input dir must stay. filter_report.txt lists what was dropped.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Set

from fama_espnet import provenance
from fama_espnet.data import speech_format
from fama_espnet.data.kaldi_dir import read_table, write_subset
from fama_espnet.data.problems import DROPPED, ProblemLog
from fama_espnet.files import building_dir

PROBLEMS = {
    "no_shape": (DROPPED, "not in speech_shape"),
    "too_long": (DROPPED, "longer than --max_seconds (length shown)"),
    "too_short": (DROPPED, "shorter than --min_seconds (length shown)"),
    "empty_text": (DROPPED, "empty or missing transcript or translation"),
    "too_many_tokens": (DROPPED, "text longer than --max_text_tokens (table and tokens shown)"),
}
TEXT_TABLES = ("text", "text_tgt")


class FilterError(Exception):
    """The input dir cannot be filtered, or nothing is left after filtering."""


@dataclass
class FilterResult:
    kept: int
    dropped: int
    summary: str


def token_counter(bpemodel: Optional[str]) -> Callable[[str], int]:
    """Counts sentencepiece pieces with a model, else whitespace-separated words."""
    if bpemodel is None:
        return lambda text: len(text.split())
    import sentencepiece

    sp = sentencepiece.SentencePieceProcessor(model_file=str(bpemodel))
    return lambda text: len(sp.encode(text))


def _utterances(src: Path) -> Set[str]:
    keyed = src / ("segments" if (src / "segments").is_file() else "wav.scp")
    return set(read_table(keyed))


def filter_data(src: Path, dst: Path, max_seconds: float = 30.0, min_seconds: float = 0.1,
                max_text_tokens: Optional[int] = None,
                bpemodel: Optional[str] = None) -> Optional[FilterResult]:
    """Filters src into dst; None if dst is already made from the same src and options
    (provenance.check_data_output)."""
    src, dst = Path(src).resolve(), Path(dst).resolve()
    options = {"src": provenance.dir_identity(src), "max_seconds": max_seconds, "min_seconds": min_seconds,
               "max_text_tokens": max_text_tokens,
               "bpemodel": provenance.file_identity(bpemodel) if bpemodel else None}
    if provenance.check_data_output(dst, options, "filter_data"):
        return None
    if not (src / "wav.scp").is_file():
        raise FilterError(f"{src}: no wav.scp (run format_data first)")
    try:
        utts = _utterances(src)
        kind = speech_format.kind(src)
        seconds_of = speech_format.durations(src)
        texts = {n: read_table(src / n) for n in TEXT_TABLES if (src / n).is_file()}
    except ValueError as e:  # no format, duplicate ids or blank lines: not a formatted dir
        raise FilterError(str(e)) from e
    count = token_counter(bpemodel) if max_text_tokens is not None else None
    log = ProblemLog(PROBLEMS)
    for utt in sorted(utts):
        if utt not in seconds_of:
            log.add("no_shape", utt)
        else:
            seconds = seconds_of[utt]
            if seconds > max_seconds:
                log.add("too_long", utt, f"{seconds:.2f} s")
            elif seconds < min_seconds:
                log.add("too_short", utt, f"{seconds:.2f} s")
        for name, rows in texts.items():
            text = rows.get(utt, "").strip()
            if not text:
                log.add("empty_text", utt, name)
            elif count is not None and count(text) > max_text_tokens:
                log.add("too_many_tokens", utt, f"{name}: {count(text)}")
    keep = utts - log.ids(DROPPED)
    summary = (f"filter_data: {src} -> {dst}: {len(keep)} of {len(utts)} utterances kept, "
               f"{len(utts) - len(keep)} dropped ({log.counts(DROPPED) or 'none'})")
    if not keep:
        raise FilterError(f"no utterance of {src} is left ({summary})")
    header = ["filter_data report", f"source:      {src} ({speech_format.DESCRIPTION[kind]})",
              f"destination: {dst}",
              f"kept:        {min_seconds} s <= length <= {max_seconds} s (10 ms frames / 100), non-empty text"
              + (f", at most {max_text_tokens} tokens per text" if max_text_tokens is not None else "")]
    with building_dir(dst, provenance.stamp(options)) as tmp:
        write_subset(src, tmp, keep)
        speech_format.record(tmp, kind)
        log.write(tmp / "filter_report.txt", header, len(utts), keep)
    return FilterResult(len(keep), len(utts) - len(keep), f"{summary}; report: {dst / 'filter_report.txt'}")
