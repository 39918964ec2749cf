"""Transcribe or translate audio files with a FAMA model (packed .zip or exp dir):

    python -m fama_espnet.bin.infer --model exp/fama_small/fama_small.zip --tgt_lang en speech_en.wav
    python -m fama_espnet.bin.infer --model exp/fama_small/fama_small.zip --tgt_lang it speech_en.wav

--tgt_lang is the output language: the audio's own language gives a transcript (ASR),
the other one a translation (ST). Any rate or channel count is read and converted to
16 kHz mono. Prints `file<TAB>text` per input.
"""
import argparse
from pathlib import Path
from typing import List

import numpy as np

from fama_espnet.data.format_data import AudioProblem, convert, read_audio
from fama_espnet.inference import FamaSpeech2Text

FS = 16000


def load_wav(path: str) -> np.ndarray:
    """Float samples in [-1, 1], 16 kHz mono."""
    x, rate, encoding = read_audio(path)
    samples, _ = convert(x, rate, encoding, FS)
    return samples.astype(np.float32) / 32768.0


def main(argv=None) -> List[str]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="packed .zip or exp dir")
    p.add_argument("--tgt_lang", required=True, help="output language (en, it)")
    p.add_argument("--config", type=Path, help="decoding options yaml, e.g. conf/decode_fama.yaml")
    p.add_argument("--device", default="cpu")
    p.add_argument("wavs", nargs="+")
    a = p.parse_args(argv)
    try:
        options = FamaSpeech2Text.read_decoding_config(a.config)
    except ValueError as e:
        raise SystemExit(str(e)) from None
    try:
        speech = [load_wav(w) for w in a.wavs]
    except AudioProblem as e:
        raise SystemExit(f"infer: {e}") from None
    s2t = FamaSpeech2Text.from_pretrained(a.model, device=a.device, **options)
    texts = [nbest[0].text if nbest else "" for nbest in s2t.batch_decode(speech, [a.tgt_lang] * len(speech))]
    for wav, text in zip(a.wavs, texts):
        print(f"{wav}\t{text}")
    return texts


if __name__ == "__main__":
    main()
