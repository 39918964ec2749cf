"""Transcribe or translate audio files with a FAMA model (packed .zip or exp dir):

    python -m fama_espnet.bin.infer --model exp/fama_small/fama_small.zip --tgt_lang en speech_en.wav
    python -m fama_espnet.bin.infer --model exp/fama_small/fama_small.zip --tgt_lang it speech_en.wav

--tgt_lang is the output language: the audio's own language gives a transcript (ASR),
the other one a translation (ST). Any rate or channel count is read and converted to
16 kHz mono. Audio of any length: long recordings are cut at pauses found by a voice
activity detector into pieces of at most --max_piece_s (30 s, FAMA's training limit;
fama_espnet/longform). Prints
`file<TAB>text` per input, or with --output_format json|srt|vtt (and txt: one segment a
line) writes FILE_STEM.FORMAT under --output_dir (stdout without one). ASR segments
(--src_lang omitted or equal to --tgt_lang) carry word timestamps; ST ones segment times.

    python -m fama_espnet.bin.infer --model M --tgt_lang en --output_format srt --output_dir subs lecture.wav
    python -m fama_espnet.bin.infer --model M --src_lang en --tgt_lang it --output_format vtt talk.flac
"""
import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from fama_espnet.cli import fail
from fama_espnet.inference import FamaSpeech2Text
from fama_espnet.longform import FORMATS, AudioError, join_text, render


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="packed .zip or exp dir")
    p.add_argument("--tgt_lang", required=True, help="output language (en, it)")
    p.add_argument("--src_lang", help="the audio's language; default: --tgt_lang (ASR, with word timestamps)")
    p.add_argument("--config", type=Path, help="decoding options yaml, e.g. conf/decode_fama.yaml")
    p.add_argument("--device", default="cpu")
    p.add_argument("--output_format", choices=FORMATS, help="write segments in this format (default: "
                   "print file<TAB>text)")
    p.add_argument("--output_dir", type=Path, help="with --output_format: write FILE_STEM.FORMAT here")
    p.add_argument("--batch_seconds", type=float, default=200.0, help="padded audio per batched search")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("wavs", nargs="+")
    FamaSpeech2Text.add_decoding_arguments(p)  # --max_piece_s, --beam_size, ... over --config's
    a = p.parse_args(argv)
    try:
        options = FamaSpeech2Text.decoding_options_from_args(a)
    except ValueError as e:
        return fail("infer", e)
    s2t = FamaSpeech2Text.from_pretrained(a.model, device=a.device, **options)
    for wav in a.wavs:
        try:
            segments = s2t.transcribe(wav, a.tgt_lang, src_lang=a.src_lang,
                                      batch_seconds=a.batch_seconds, progress=not a.quiet)
        except AudioError as e:
            return fail("infer", e)
        if a.output_format is None:
            print(f"{wav}\t{join_text(segments)}")
            continue
        doc = render(segments, a.output_format, file=wav, language=a.tgt_lang,
                     task="asr" if a.src_lang in (None, a.tgt_lang) else "st")
        if a.output_dir is None:
            print(doc, end="")
        else:
            a.output_dir.mkdir(parents=True, exist_ok=True)
            (a.output_dir / f"{Path(wav).stem}.{a.output_format}").write_text(doc, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
