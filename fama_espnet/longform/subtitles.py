"""Writers for timed segments: txt, json, srt, vtt.

Subtitle rule (the usual broadcast limits): a cue holds at most `lines` lines of at
most `line_chars` characters and lasts at most `max_s`; a new cue starts at a pause of
`pause_s` or more between words; lines break at the word boundary that balances them.
A cue is shown for at least `min_s`, taken from the gap after it (never overlapping the
next cue). Cue times come from the words' times (ASR); a segment without word times (ST)
has its words spread over it in proportion to their length, so long translated
segments are still cut into readable cues.
SRT goes through the `srt` library; WebVTT is written directly (a header and cues).
"""
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import List, Sequence

from fama_espnet.longform.align import Word, spread
from fama_espnet.longform.segment import Segment

FORMATS = ("txt", "json", "srt", "vtt")


@dataclass(frozen=True)
class CueRules:
    line_chars: int = 42
    lines: int = 2
    max_s: float = 7.0
    min_s: float = 1.0
    pause_s: float = 0.5


@dataclass
class Cue:
    start: float
    end: float
    lines: List[str]


def split_lines(words: Sequence[str], width: int, count: int) -> List[str]:
    """Words -> at most `count` lines, broken where the longest line is shortest."""
    text = " ".join(words)
    if len(text) <= width or count < 2 or len(words) < 2:
        return [text]
    best = min(range(1, len(words)), key=lambda k: max(len(" ".join(words[:k])), len(" ".join(words[k:]))))
    return [" ".join(words[:best])] + split_lines(words[best:], width, count - 1)


def fits(words: Sequence[str], width: int, count: int) -> bool:
    """Whether the words wrap (greedily) into at most `count` lines of `width` chars."""
    lines, used = 1, -1
    for w in words:
        if used + 1 + len(w) <= width:
            used += 1 + len(w)
        elif len(w) <= width or used < 0:
            lines, used = lines + (used >= 0), len(w)
        else:
            return False
    return lines <= count


def cues(segments: Sequence[Segment], rules: CueRules = CueRules()) -> List[Cue]:
    out: List[Cue] = []
    for seg in segments:
        words = seg.words if seg.words else spread(seg.text.split(), seg.start, seg.end)
        group: List[Word] = []
        for w in words:
            if group:
                if (not fits([x.word for x in group + [w]], rules.line_chars, rules.lines)
                        or w.end - group[0].start > rules.max_s
                        or w.start - group[-1].end >= rules.pause_s):
                    out.append(_cue(group, rules))
                    group = []
            group.append(w)
        if group:
            out.append(_cue(group, rules))
    for cue, nxt in zip(out, out[1:] + [None]):
        if cue.end - cue.start < rules.min_s:
            cue.end = cue.start + rules.min_s if nxt is None else min(cue.start + rules.min_s, max(cue.end, nxt.start))
    return out


def _cue(words: List[Word], rules: CueRules) -> Cue:
    return Cue(words[0].start, words[-1].end, split_lines([w.word for w in words], rules.line_chars, rules.lines))


def _stamp(t: float, sep: str) -> str:
    ms = int(round(t * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def to_srt(segments: Sequence[Segment], rules: CueRules = CueRules()) -> str:
    import srt

    return srt.compose([srt.Subtitle(i + 1, timedelta(seconds=c.start), timedelta(seconds=c.end), "\n".join(c.lines))
                        for i, c in enumerate(cues(segments, rules))])


def to_vtt(segments: Sequence[Segment], rules: CueRules = CueRules()) -> str:
    body = "".join(f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}\n" + "\n".join(c.lines) + "\n\n"
                   for c in cues(segments, rules))
    return "WEBVTT\n\n" + body


def to_txt(segments: Sequence[Segment]) -> str:
    return "".join(s.text + "\n" for s in segments)


def to_json(segments: Sequence[Segment], **meta) -> str:
    return json.dumps({**meta, "segments": [s.to_dict() for s in segments]}, ensure_ascii=False, indent=1) + "\n"


def render(segments: Sequence[Segment], fmt: str, **meta) -> str:
    """`fmt` in FORMATS; `meta` (language, task, duration, ...) goes into json only."""
    if fmt == "txt":
        return to_txt(segments)
    if fmt == "json":
        return to_json(segments, **meta)
    if fmt == "srt":
        return to_srt(segments)
    if fmt == "vtt":
        return to_vtt(segments)
    raise ValueError(f"output format must be one of {FORMATS}, got {fmt!r}")


def join_text(segments: Sequence[Segment]) -> str:
    return " ".join(s.text for s in segments if s.text)

