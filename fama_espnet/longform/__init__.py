"""Long-form decoding: recordings of any length -> timed segments (and subtitles).

    audio.py      LongAudio: a file or waveform as 16 kHz mono, read in blocks and spans
    vad.py        silero-vad speech regions -> pieces of at most max_piece_s (30 s), cut at pauses
    align.py      word timestamps: CTC forced alignment on the model's final CTC head
    segment.py    Segment (start, end, text, words)
    subtitles.py  txt / json / srt / vtt writers, subtitle cue rules

`FamaSpeech2Text.transcribe` wires them: pieces -> batched fast search -> (ASR) word
times -> segments. `segment_of` is the one place a decoded piece becomes a Segment.
"""
from typing import List, Optional

from fama_espnet.longform.align import Word, align_batch, within_speech
from fama_espnet.longform.audio import AudioError, LongAudio
from fama_espnet.longform.segment import Segment
from fama_espnet.longform.subtitles import FORMATS, join_text, render
from fama_espnet.longform.vad import Piece, VadOptions, batches, find_pieces

__all__ = ["AudioError", "FORMATS", "LongAudio", "Piece", "Segment", "VadOptions", "Word", "align_batch",
           "batches", "find_pieces", "join_text", "render", "segment_of"]


def segment_of(piece: Piece, text: str, words: Optional[List[Word]]) -> Optional[Segment]:
    """ASR: the words' span; ST: the piece's speech span. None for an empty hypothesis."""
    if not text:
        return None
    if words:
        words = within_speech(words, piece.speech)
        return Segment(words[0].start, words[-1].end, text, words)
    return Segment(round(piece.speech_start, 3), round(piece.speech_end, 3), text, None if words is None else [])
