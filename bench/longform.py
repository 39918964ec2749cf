"""Long-form decoding on recordings with a known answer (fama_espnet/data/long_recordings.py):
held-out mini_fama sentences spoken back to back by espeak-ng with 0.6-1.5 s pauses.

Per language it measures, in one run:
  vad        every speech region's start/end vs the nearest true sentence start/end (s);
             sentences found; longest piece (s)
  asr        normalised WER of FamaSpeech2Text.transcribe on the whole file vs the same
             sentences decoded one by one (each cut at its true bounds +- 0.2 s, batched
             fast search: the same hypotheses as one at a time); the bar is long <= 1.2 x
  words      |start - espeak-ng word event| of each hypothesis word matched (difflib) to
             a reference word; ends vs the next word's event (sentences whose every word
             has an event) or the sentence end
  st         BLEU of the long-form translation vs one by one
  speed      (--speed_minutes) RTFx of transcribe (VAD + batched fast search + alignment)
             on a recording of that length vs the same pieces decoded one at a time by
             stock ESPnet's BatchBeamSearch (`search: espnet`), same process
  memory     (--hour) peak RSS of transcribe on a 1-hour file (read in blocks)

  python bench/longform.py --model egs2/mini_fama/s2t1/exp/fama_mini.zip --sentences 40 \
      --config egs2/mini_fama/s2t1/conf/decode.yaml --speed_minutes 10 --hour
"""
import argparse
import difflib
import json
import logging
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import sacrebleu

logging.disable(logging.WARNING)

from fama_espnet.data.long_recordings import write_recording  # noqa: E402
from fama_espnet.inference import FamaSpeech2Text  # noqa: E402
from fama_espnet.longform import LongAudio, join_text  # noqa: E402
from fama_espnet.longform.vad import SileroVad, make_pieces, speech_regions  # noqa: E402
from fama_espnet.metrics import normalize, wer  # noqa: E402

OTHER = {"en": "it", "it": "en"}
OVERRIDES = {}  # decoding options from the command line, over --config's


def load(model, config, **extra):
    """The model with --config's decoding options, and the VAD options they imply."""
    options = {**FamaSpeech2Text.read_decoding_config(config), **OVERRIDES, **extra}
    s2t = FamaSpeech2Text.from_pretrained(model, **options)
    return s2t, s2t.vad_options()


def vad_figures(path, rec, vad):
    audio = LongAudio(path)
    probs = SileroVad().probabilities(audio)
    regions = speech_regions(probs, audio.duration, vad)
    pieces = make_pieces(regions, audio.duration, probs, vad)
    starts, ends = [s.start for s in rec.sentences], [s.end for s in rec.sentences]
    errs = [e for a, b in regions for e in (min(abs(a - t) for t in starts), min(abs(b - t) for t in ends))]
    found = sum(any(a - 0.3 <= s.start and s.end <= b + 0.3 for a, b in regions) for s in rec.sentences)
    cuts = [(p, q) for p, q in zip(pieces, pieces[1:])]
    in_pause = [any(a <= p.end and q.start <= b for a, b in rec.pauses()) for p, q in cuts]
    # a cut inside speech is allowed only in a sentence too long for one piece
    too_long = [any(s.start < p.end < s.end and s.end - s.start > vad.max_piece_s for s in rec.sentences)
                for p, _ in cuts]
    return {"regions": len(regions), "sentences": len(rec.sentences), "sentences_found_whole": found,
            "boundary_max_s": round(max(errs), 3), "boundary_mean_s": round(statistics.mean(errs), 3),
            "pieces": len(pieces), "piece_max_s": round(max(p.end - p.start for p in pieces), 2),
            "cuts": len(cuts), "cuts_in_true_pauses": sum(in_pause),
            "cuts_in_speech_of_a_too_long_sentence": sum(t and not i for t, i in zip(too_long, in_pause))}


def one_by_one(s2t, path, rec, tgt):
    audio = LongAudio(path)
    waves = [audio.read(s.start - 0.2, s.end + 0.2) for s in rec.sentences]
    out = []
    for i in range(0, len(waves), 16):
        out += [n[0].text if n else "" for n in s2t.batch_decode(waves[i:i + 16], [tgt] * len(waves[i:i + 16]))]
    return " ".join(out)


def word_errors(segments, rec):
    hyp = [(normalize(w.word), w.start, w.end) for s in segments for w in (s.words or [])]
    ref, ref_end = [], []
    for s in rec.sentences:
        complete = len(s.words) == len(s.text.split())
        for k, (w, t) in enumerate(s.words):
            ref.append((normalize(w), t))
            ref_end.append((s.words[k + 1][1] if k + 1 < len(s.words) else s.end) if complete else None)
    m = difflib.SequenceMatcher(a=[r[0] for r in ref], b=[h[0] for h in hyp], autojunk=False)
    starts, ends = [], []
    for block in m.get_matching_blocks():
        for k in range(block.size):
            r, h = block.a + k, block.b + k
            starts.append(abs(hyp[h][1] - ref[r][1]))
            if ref_end[r] is not None:
                ends.append(abs(hyp[h][2] - ref_end[r]))
    if not starts:
        return {"matched_words": 0, "ref_words": len(ref)}
    q = lambda x, p: round(float(np.quantile(x, p)), 3) if x else None  # noqa: E731
    return {"matched_words": len(starts), "ref_words": len(ref),
            "start_mean_s": round(statistics.mean(starts), 3), "start_p95_s": q(starts, 0.95),
            "word_start_within_0.2s": round(float(np.mean(np.array(starts) <= 0.2)), 3),
            "end_mean_s": round(statistics.mean(ends), 3) if ends else None, "end_p95_s": q(ends, 0.95),
            "word_end_within_0.2s": round(float(np.mean(np.array(ends) <= 0.2)), 3) if ends else None}


def measure(model, sentences=40, tmp=None, config=None, st=True):
    s2t, vad = load(model, config)
    tmp = Path(tmp or tempfile.mkdtemp())
    out = {}
    for lang in ("en", "it"):
        path = tmp / f"long_{lang}.wav"
        rec = write_recording(path, lang, sentences, seed=7)
        r = {"duration_s": round(rec.duration, 1), **vad_figures(path, rec, vad)}
        t = time.time()
        segments = s2t.transcribe(path, lang, vad=vad)
        r["asr_long_s"] = round(time.time() - t, 1)
        t = time.time()
        short = one_by_one(s2t, path, rec, lang)
        r["asr_one_by_one_s"] = round(time.time() - t, 1)
        ref = normalize(rec.transcript)
        r["wer_long"] = round(wer([ref], [normalize(join_text(segments))])["wer"], 2)
        r["wer_short"] = round(wer([ref], [normalize(short)])["wer"], 2)
        r["segments"] = len(segments)
        r.update(word_errors(segments, rec))
        if st:
            st_segments = s2t.transcribe(path, OTHER[lang], src_lang=lang, vad=vad)
            st_short = one_by_one(s2t, path, rec, OTHER[lang])
            r["bleu_long"] = round(sacrebleu.corpus_bleu([join_text(st_segments)], [[rec.translation]]).score, 1)
            r["bleu_short"] = round(sacrebleu.corpus_bleu([st_short], [[rec.translation]]).score, 1)
        out[lang] = r
        print(json.dumps({lang: r}), flush=True)
    return out


def speed(model, minutes, tmp, config=None):
    """RTFx of transcribe vs stock ESPnet's search on the same pieces, one at a time."""
    ours, vad = load(model, config)
    # Stock ESPnet has its own beam semantics only (FAMA configs select fairseq's for ours).
    stock, _ = load(model, config, search="espnet", beam_semantics="espnet")
    n = int(minutes * 60 / 3.9)  # ~3.9 s of speech + pause per sentence
    path = Path(tmp) / "speed_en.wav"
    rec = write_recording(path, "en", n, seed=3)
    t = time.time()
    segments = ours.transcribe(path, "en", vad=vad)
    t_ours = time.time() - t
    audio = LongAudio(path)
    probs = SileroVad().probabilities(audio)
    pieces = make_pieces(speech_regions(probs, audio.duration, vad), audio.duration, probs, vad)
    t = time.time()
    texts = [stock(audio.read(p.start, p.end), "en")[0].text for p in pieces]
    t_stock = time.time() - t
    ref = normalize(rec.transcript)
    return {"duration_s": round(rec.duration, 1), "pieces": len(pieces),
            "ours_s": round(t_ours, 1), "ours_rtfx": round(rec.duration / t_ours, 2),
            "stock_espnet_s": round(t_stock, 1), "stock_rtfx": round(rec.duration / t_stock, 2),
            "wer_ours": round(wer([ref], [normalize(join_text(segments))])["wer"], 2),
            "wer_stock": round(wer([ref], [normalize(" ".join(texts))])["wer"], 2)}


def hour(model, tmp, config=None, minutes=60):
    s2t, vad = load(model, config)
    path = Path(tmp) / "hour_it.wav"
    rec = write_recording(path, "it", int(minutes * 60 / 3.9), seed=5)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.time()
    segments = s2t.transcribe(path, "it", vad=vad, progress=True)
    wall = time.time() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"duration_s": round(rec.duration, 1), "wall_s": round(wall, 1), "rtfx": round(rec.duration / wall, 2),
            "rss_before_mb": round(before / 1024), "rss_peak_mb": round(peak / 1024),
            "wave_if_loaded_mb": round(rec.duration * 16000 * 4 / 2 ** 20), "segments": len(segments),
            "wer": round(wer([normalize(rec.transcript)], [normalize(join_text(segments))])["wer"], 2)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--config", type=Path)
    p.add_argument("--sentences", type=int, default=40)
    p.add_argument("--no_st", action="store_true")
    p.add_argument("--speed_minutes", type=float, default=0)
    p.add_argument("--hour", action="store_true", help="1-hour file: peak memory and time (run alone)")
    p.add_argument("--hour_minutes", type=float, default=60)
    p.add_argument("--tmp", type=Path)
    FamaSpeech2Text.add_decoding_arguments(p)  # --max_piece_s 10, --beam_size ...: over --config's
    a = p.parse_args()
    OVERRIDES.update(FamaSpeech2Text.decoding_overrides(a))
    tmp = a.tmp or Path(tempfile.mkdtemp())
    tmp.mkdir(parents=True, exist_ok=True)
    if a.hour:
        print(json.dumps({"hour": hour(a.model, tmp, a.config, a.hour_minutes)}), flush=True)
        return
    if a.sentences:
        measure(a.model, a.sentences, tmp, a.config, st=not a.no_st)
    if a.speed_minutes:
        print(json.dumps({"speed": speed(a.model, a.speed_minutes, tmp, a.config)}), flush=True)


if __name__ == "__main__":
    main()
