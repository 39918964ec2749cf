"""Word timestamps from a CTC forced alignment of the hypothesis on the model's own
final CTC head (the head the joint search scores with, LN(top + E[tag]) -> vocab).

The rule: the decoded tokens are aligned to the final-CTC log-probabilities of their
piece under the same target tag (torchaudio's Viterbi `forced_align`, blank = the
model's `<ctc_blank>`). A token occupies the encoder frames the path gives it (its
first emission to its last repeat); a word is the tokens from one sentencepiece word
start (`▁`) to the next. Word start = first frame of its first token; word end = end of
its last token's last frame, extended over the blank frames that follow it up to the
next word's start unless those blanks last `pause_s` or more (a pause stays a pause).
Encoder frame k spans [k, k+1) x `stride` seconds, `stride` = piece duration / its
encoder frames (the frontend's 10 ms shift x the encoder's subsampling, 40 ms for FAMA).
A hypothesis the alignment cannot place (more tokens than frames allow) gets its words
spread over the piece's speech in proportion to their characters. Last, a word that
reaches into speech does not start in the pause before it that the VAD found
(`within_speech`): Viterbi puts a piece's first token on the padding before its speech
(first words were 0.19 s early, median, on mini_fama); and within speech, long blank
stretches before a word are split between it and what comes before (late emissions).
"""
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import torch
import torchaudio.functional as AF

WORD_START = "\u2581"


@dataclass
class Word:
    word: str
    start: float
    end: float


def group_words(tokens: Sequence[str]) -> List[Tuple[str, List[int]]]:
    """(word text, token positions) per word; a bare `▁` token joins the word after it."""
    words: List[Tuple[str, List[int]]] = []
    opens = True
    for i, t in enumerate(tokens):
        if opens or t.startswith(WORD_START) or not words:
            words.append(("", []))
        text, pos = words[-1]
        words[-1] = (text + t.replace(WORD_START, ""), pos + [i])
        opens = t == WORD_START
    return [(w, p) for w, p in words if w]


def spread(words: Sequence[str], start: float, end: float) -> List[Word]:
    """Words over [start, end] in proportion to their lengths (the fallback)."""
    total = sum(len(w) for w in words) or 1
    out, t = [], start
    for w in words:
        d = (end - start) * len(w) / total
        out.append(Word(w, round(t, 3), round(t + d, 3)))
        t += d
    return out


def within_speech(words: List[Word], regions: Sequence[Tuple[float, float]]) -> List[Word]:
    """Word times placed by the speech the VAD found. A word that starts before the first
    speech region, or between two, starts at the next region's start (when that comes
    before the word's end). Inside a region, blanks that `word_times` left between two
    words (a stretch of pause_s or more that is speech to the VAD) are split at their
    middle, and a region's first word starts halfway between the region's start and its
    first emission: CTC emits a token at or after its onset, often well after (the last
    word of a mini_fama sentence 0.6-1 s after it began), but not always, so half the gap.
    The last word of a region ends where the region ends: its last emission is no guide
    (mini_fama's sentence-final words ended 0.25 s late, median, by their emissions)."""
    out: List[Word] = []
    for w in words:
        speech_start = next((a for a, b in regions if a <= w.start < b), None)  # of w's region
        if speech_start is None:
            nxt = next((round(a, 3) for a, _ in regions if a > w.start), None)
            if nxt is not None and nxt < w.end:
                w = Word(w.word, nxt, w.end)
        elif out and speech_start <= out[-1].end < w.start:
            mid = round((out[-1].end + w.start) / 2, 3)
            out[-1] = Word(out[-1].word, out[-1].start, mid)
            w = Word(w.word, mid, w.end)
        elif not out or out[-1].end < speech_start:
            w = Word(w.word, round((speech_start + w.start) / 2, 3), w.end)
        out.append(w)
    for k, w in enumerate(out):
        speech_end = next((b for a, b in regions if a <= w.start < b), None)
        if speech_end is not None and (k + 1 == len(out) or out[k + 1].start >= speech_end) and w.start < speech_end:
            out[k] = Word(w.word, w.start, round(speech_end, 3))
    return out


def token_frames(log_probs: torch.Tensor, ids: Sequence[int], blank: int) -> List[Tuple[int, int]]:
    """[first, last] frame of each token on the Viterbi CTC path of `ids` through
    `log_probs` (T x V). Raises ValueError when the path cannot exist."""
    T = log_probs.size(0)
    repeats = sum(1 for a, b in zip(ids, ids[1:]) if a == b)
    if not ids or T < len(ids) + repeats:
        raise ValueError(f"{len(ids)} tokens do not fit {T} frames")
    path, _ = AF.forced_align(log_probs[None].float().cpu(), torch.tensor([list(ids)], dtype=torch.int32),
                              blank=blank)
    path = path[0].tolist()
    spans, k, prev = [], -1, blank
    for t, label in enumerate(path):
        if label != blank and (prev == blank or label != prev):
            k += 1  # a new token starts (after a blank, or a different label)
            spans.append([t, t])
        elif label != blank:
            spans[k][1] = t
        prev = label
    return [tuple(s) for s in spans]


def word_times(tokens: Sequence[str], ids: Sequence[int], log_probs: torch.Tensor, blank: int,
               stride: float, offset: float, pause_s: float = 0.3) -> List[Word]:
    """Words of one hypothesis with absolute times (`offset` = the piece's start)."""
    words = group_words(tokens)
    spans = token_frames(log_probs, ids, blank)
    T = log_probs.size(0)
    out = []
    for n, (text, pos) in enumerate(words):
        first, last = spans[pos[0]][0], spans[pos[-1]][1] + 1
        nxt = spans[words[n + 1][1][0]][0] if n + 1 < len(words) else T
        if (nxt - last) * stride < pause_s:
            last = nxt
        out.append(Word(text, round(offset + first * stride, 3), round(offset + last * stride, 3)))
    return out


@torch.no_grad()
def align_batch(model, inputs: List[torch.Tensor], durations: List[float], tag: int,
                hyps: List[Tuple[List[str], List[int]]], offsets: List[float],
                speech: List[Tuple[float, float]]) -> List[List[Word]]:
    """Word timestamps for each piece's hypothesis (tokens, ids): one encoder pass over
    the batch (`inputs` as the model takes them: waveforms or fbank), then the final CTC
    head under `tag`. `durations`, `offsets`: each piece's length and start (seconds)."""
    device = next(model.parameters()).device
    lengths = torch.tensor([len(x) for x in inputs], device=device)
    batch = torch.nn.utils.rnn.pad_sequence(inputs, batch_first=True).to(device)
    enc, enc_lens = model.encode_sorted(batch, lengths)
    log_probs = model.final_ctc_log_probs(enc, torch.full((len(inputs),), tag, device=device))
    out = []
    for i, (tokens, ids) in enumerate(hyps):
        if not ids:
            out.append([])
            continue
        T = int(enc_lens[i])
        stride = durations[i] / T
        try:
            out.append(word_times(tokens, ids, log_probs[i, :T], model.blank_id, stride, offsets[i]))
        except ValueError:
            out.append(spread([w for w, _ in group_words(tokens)], *speech[i]))
    return out
