"""Decode an unsegmented data dir (one long recording per wav.scp row):

    python -m fama_espnet.bin.decode_long --model M --data D --task asr|st --output OUT \
        [--config conf/decode_fama.yaml] [--formats json,srt,vtt] [--max_piece_s 30 --beam_size 5 ...]

Each recording goes through FamaSpeech2Text.transcribe (pieces cut at pauses, batched
fast search; ASR with word times). ASR decodes into the recording's language (utt2lang),
ST into utt2tgtlang. Writes, atomically:
  OUT/text            `rec hypothesis` (the segments joined; score it against D/text or
                      D/text_tgt with fama_espnet.bin.score like any decode)
  OUT/segments        Kaldi segments of the output: `rec-NNNN rec start end`
  OUT/segments_text   `rec-NNNN text`
  OUT/<fmt>/<rec>.<fmt> for each of --formats
and OUT/.done; a finished OUT made from the same model, data and options is kept, one made
otherwise is replaced.
"""
import argparse
import logging
import sys
from pathlib import Path
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from fama_espnet import provenance
from fama_espnet.cli import fail
from fama_espnet.data.kaldi_dir import read_table, write_table
from fama_espnet.data.speech_format import SAMPLE_RATE
from fama_espnet.decode_dir import made_from
from fama_espnet.files import building_dir
from fama_espnet.inference import FamaSpeech2Text
from fama_espnet.longform import FORMATS, AudioError, join_text, render


def audio_of(entry: str) -> Tuple[Union[str, np.ndarray], int]:
    """(audio, its rate) for FamaSpeech2Text.transcribe: a plain file path is read in
    blocks; a Kaldi command (`cmd |`) is run and what it writes read whole; an archive
    slice is loaded whole by the data loader. An entry that cannot be read is an
    AudioError naming it."""
    if Path(entry).is_file():
        return entry, SAMPLE_RATE
    from fama_espnet import audio
    from fama_espnet.data.fairseq_audio import EntryError, load_entry

    try:
        if entry.strip().endswith("|"):
            samples, rate, _ = audio.read_kaldi_source(entry, keep_pcm16=False)
            return samples, rate
        return load_entry(entry), SAMPLE_RATE
    except (EntryError, audio.AudioProblem) as e:
        raise AudioError(str(e)) from e


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="packed .zip or exp dir")
    p.add_argument("--data", required=True, type=Path)
    p.add_argument("--task", choices=["asr", "st"], required=True)
    p.add_argument("--output", required=True, type=Path)
    p.add_argument("--config", type=Path, help="decoding options yaml (beam_size, ctc_weight, ...)")
    p.add_argument("--formats", default="json,srt", help=f"comma-separated, of {FORMATS}")
    p.add_argument("--batch_seconds", type=float, default=200.0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "int8"])
    p.add_argument("--quiet", action="store_true")
    FamaSpeech2Text.add_decoding_arguments(p)  # --max_piece_s, --beam_size, ... over --config's
    a = p.parse_args(argv)
    formats = [f for f in a.formats.split(",") if f]
    bad = sorted(set(formats) - set(FORMATS))
    if bad:
        return fail("decode_long", f"--formats: unknown {bad}; known: {list(FORMATS)}")
    try:
        options = FamaSpeech2Text.decoding_options_from_args(a)
    except ValueError as e:
        return fail("decode_long", e)
    made = {**made_from(a.model, a.data, a.task, options, a.dtype, long_form=True), "formats": formats}
    if provenance.is_current(a.output, made):  # a decode made otherwise is replaced, as bin/decode's
        logging.info(f"{a.output} already decoded")
        return 0
    wavs = read_table(a.data / "wav.scp")
    src = read_table(a.data / "utt2lang")
    tgt = src if a.task == "asr" else read_table(a.data / "utt2tgtlang")
    missing = sorted(set(wavs) - set(tgt) | set(wavs) - set(src))
    if missing:
        return fail("decode_long", f"{a.data}: no language for {len(missing)} recordings, e.g. {missing[:5]}")
    s2t = FamaSpeech2Text.from_pretrained(a.model, device=a.device, dtype=a.dtype, **options)
    texts, seg_rows, seg_text = {}, {}, {}
    docs = {f: {} for f in formats}
    for i, rec in enumerate(sorted(wavs)):
        if not a.quiet:
            logging.warning(f"[{i + 1}/{len(wavs)}] {rec}")
        try:
            wave, fs = audio_of(wavs[rec])
            segments = s2t.transcribe(wave, tgt[rec], fs=fs, src_lang=src[rec],
                                      batch_seconds=a.batch_seconds, progress=not a.quiet)
        except AudioError as e:
            return fail("decode_long", f"{a.data / 'wav.scp'}: {rec}: {e}")
        texts[rec] = join_text(segments)
        for k, s in enumerate(segments):
            seg_rows[f"{rec}-{k:04d}"] = f"{rec} {s.start:.3f} {s.end:.3f}"
            seg_text[f"{rec}-{k:04d}"] = s.text
        for f in formats:
            docs[f][rec] = render(segments, f, recording=rec, language=tgt[rec], task=a.task)
    with building_dir(a.output, provenance.stamp(made)) as out:  # the output appears whole, or not at all
        for f in formats:
            (out / f).mkdir()
            for rec, doc in docs[f].items():
                (out / f / f"{rec}.{f}").write_text(doc, encoding="utf-8")
        write_table(out / "text", texts)
        write_table(out / "segments", seg_rows)
        write_table(out / "segments_text", seg_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
