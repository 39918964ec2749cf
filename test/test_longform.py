"""Long-form decoding (fama_espnet/longform): the VAD's boundaries and pieces on long
generated recordings with pauses of known length, the CTC word alignment, subtitle
rules, audio read in blocks, and FamaSpeech2Text.transcribe / infer on a trained model.

The recognition bars (long-form WER vs one-by-one, word times vs espeak-ng's word
events) need a model that recognises speech: `bench/longform.py` measures them on the
mini_fama model; here they run when FAMA_MINI_MODEL names one (else skipped)."""
import json
import os

import numpy as np
import pytest
import soundfile as sf
import srt
import torch

from fama_espnet.data.long_recordings import make_recording
from fama_espnet.longform import AudioError, LongAudio, Segment, VadOptions, Word, render
from fama_espnet.longform.align import group_words, token_frames, within_speech, word_times
from fama_espnet.longform.subtitles import CueRules, cues
from fama_espnet.longform.vad import SileroVad, make_pieces, speech_regions


@pytest.fixture(scope="module")
def recordings():
    """One English and one Italian recording: 12 held-out mini_fama sentences each, by
    the mini corpus's voices, with pauses of 0.6-1.5 s (about 45 s each)."""
    return {lang: make_recording(lang, 12, seed=1) for lang in ("en", "it")}


@pytest.fixture(scope="module")
def vad_probs(recordings):
    return {lang: SileroVad().probabilities(LongAudio(r.wave)) for lang, r in recordings.items()}


@pytest.mark.parametrize("lang", ["en", "it"])
def test_vad_boundaries_are_true_pauses(recordings, vad_probs, lang):
    rec, probs = recordings[lang], vad_probs[lang]
    regions = speech_regions(probs, rec.duration)
    starts, ends = [s.start for s in rec.sentences], [s.end for s in rec.sentences]
    for a, b in regions:  # every boundary the VAD finds is within 0.3 s of a true one
        assert min(abs(a - t) for t in starts) < 0.3 and min(abs(b - t) for t in ends) < 0.3, (a, b)
    assert len(regions) == len(rec.sentences)  # and no sentence is missed or split
    a, b = rec.pauses()[0]  # pauses are the corpus's noise floor (-70 dBFS rms), not digital silence
    assert 2e-4 < np.sqrt(np.mean(rec.wave[int(a * 16000) + 10: int(b * 16000) - 10] ** 2)) < 5e-4


@pytest.mark.parametrize("max_piece_s", [30.0, 10.0])
def test_pieces_at_most_max_and_cut_only_in_pauses(recordings, vad_probs, max_piece_s):
    o = VadOptions(max_piece_s=max_piece_s)
    for lang, rec in recordings.items():
        pieces = make_pieces(speech_regions(vad_probs[lang], rec.duration, o), rec.duration, vad_probs[lang], o)
        assert len(pieces) > 1 and max(p.end - p.start for p in pieces) <= max_piece_s
        for p, q in zip(pieces, pieces[1:]):
            assert p.end <= q.start and any(a <= p.end and q.start <= b for a, b in rec.pauses())
        # every sentence lies whole inside one piece
        for s in rec.sentences:
            assert any(p.start <= s.start and s.end <= p.end for p in pieces), s.text


def test_piece_rules_on_given_regions():
    # fits in one piece: the whole recording, untouched (the short-form path)
    assert [(p.start, p.end) for p in make_pieces([(1.0, 2.0), (5.0, 9.0)], 12.0)] == [(0.0, 12.0)]
    assert make_pieces([], 100.0) == []
    # cut at the last pause at least half as long as the longest one; padding <= half a pause
    regions = [(0.0, 4.0), (5.0, 8.0), (8.2, 11.0), (11.1, 14.0)]
    o = VadOptions(max_piece_s=10.0, pad_s=0.2)
    pieces = make_pieces(regions, 20.0, None, o)
    assert [p.speech for p in pieces] == [regions[:1], regions[1:]]
    assert pieces[0].end == pytest.approx(4.2) and pieces[1].start == pytest.approx(4.8)
    # a region with no pause at all is cut at its least speech-like frame
    probs = np.ones(int(25 / 0.032), np.float32)
    probs[int(8.0 / 0.032)] = 0.6
    pieces = make_pieces([(0.0, 25.0)], 25.0, probs, o)
    assert [round(p.speech[0][1], 2) for p in pieces[:1]] == [round(int(8.0 / 0.032) * 0.032, 2)]
    assert max(p.end - p.start for p in pieces) <= 10.0
    # a region that fits max_piece_s stays whole, its padding shrunk to fit (not cut in speech)
    pieces = make_pieces([(1.0, 3.0), (4.0, 13.9), (15.0, 16.0)], 20.0, None, o)
    assert [p.speech for p in pieces] == [[(1.0, 3.0)], [(4.0, 13.9)], [(15.0, 16.0)]]
    assert (pieces[1].start, pieces[1].end) == pytest.approx((3.95, 13.95))
    # merge_regions false: one region per piece, padded as before; a long region is still cut
    one = VadOptions(max_piece_s=10.0, pad_s=0.2, merge_regions=False)
    pieces = make_pieces(regions, 20.0, None, one)
    assert [p.speech for p in pieces] == [[r] for r in regions]
    assert (pieces[1].start, pieces[1].end) == pytest.approx((4.8, 8.1))
    assert make_pieces([(0.0, 25.0)], 25.0, probs, one) == make_pieces([(0.0, 25.0)], 25.0, probs, o)


def test_audio_read_in_blocks_matches_the_whole_file(recordings, tmp_path):
    wave = recordings["en"].wave[: 16000 * 20]
    import torchaudio.functional as AF

    hi = AF.resample(torch.from_numpy(wave), 16000, 44100).numpy()
    path = tmp_path / "stereo44k.wav"
    sf.write(path, np.stack([hi, hi], 1), 44100, subtype="FLOAT")
    audio = LongAudio(path)
    assert audio.num_samples == len(wave)
    whole = AF.resample(torch.from_numpy(hi), 44100, 16000)
    joined = torch.cat([b for _, b in audio.blocks(3.3)])
    assert len(joined) == len(wave) and float((joined - whole).abs().max()) < 2e-3
    assert torch.allclose(audio.read(5.0, 6.0), whole[80000:96000], atol=2e-3)


def test_corrupt_and_empty_files_give_one_message(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF not really a wav")
    with pytest.raises(AudioError, match="bad.wav: not a readable audio file"):
        LongAudio(bad)
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, np.float32), 16000)
    with pytest.raises(AudioError, match="empty.wav: empty audio"):
        LongAudio(empty)


def test_forced_alignment_recovers_a_known_path():
    # 3 words, tokens ▁a b | ▁c | ▁d; the path: blanks, a a, b, blank, c, blank x6 (a pause), d
    V, blank = 6, 0
    path = [0, 0, 1, 1, 2, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 0]
    lp = torch.full((len(path), V), -10.0)
    lp[torch.arange(len(path)), torch.tensor(path)] = 0.0
    ids = [1, 2, 3, 4]
    assert token_frames(lp.log_softmax(-1), ids, blank) == [(2, 3), (4, 4), (6, 6), (15, 16)]
    tokens = ["\u2581a", "b", "\u2581c", "\u2581d"]
    assert group_words(tokens) == [("ab", [0, 1]), ("c", [2]), ("d", [3])]
    words = word_times(tokens, ids, lp.log_softmax(-1), blank, stride=0.04, offset=10.0, pause_s=0.2)
    # ab ends where c starts (one blank frame between), c keeps its pause before d, d takes
    # the last (blank) frame: shorter than a pause
    assert [(w.word, w.start, w.end) for w in words] == [("ab", 10.08, 10.24), ("c", 10.24, 10.28),
                                                          ("d", 10.6, 10.72)]


def test_no_word_starts_in_a_pause_the_vad_found():
    regions = [(1.0, 3.0), (4.0, 6.0)]
    words = [Word("a", 0.8, 1.4), Word("b", 1.5, 2.9), Word("c", 3.2, 4.5), Word("d", 3.1, 3.6)]
    # a (padding before speech) and c (in the pause) move to the next region's start;
    # d, which would end before that region, keeps its times; a and b share the blanks between
    # them; b, the last word of its region, ends with it
    assert within_speech(words, regions) == [Word("a", 1.0, 1.45), Word("b", 1.45, 3.0), Word("c", 4.0, 4.5),
                                             Word("d", 3.1, 3.6)]


def test_late_emissions_inside_speech_are_split_halfway():
    regions = [(1.0, 3.0), (4.0, 6.0)]
    # e emitted 0.4 s into its region; g 0.6 s after f ended (speech to the VAD); h follows g;
    # i, alone in its region, spans from halfway to its emission to the region's end
    words = [Word("e", 1.4, 1.8), Word("f", 1.8, 2.0), Word("g", 2.6, 2.9), Word("h", 2.9, 3.0),
             Word("i", 4.2, 4.6)]
    assert within_speech(words, regions) == [Word("e", 1.2, 1.8), Word("f", 1.8, 2.3), Word("g", 2.3, 2.9),
                                             Word("h", 2.9, 3.0), Word("i", 4.1, 6.0)]


def test_subtitle_cues_respect_lines_and_durations():
    words = [Word(f"word{i:02d}", 0.4 * i, 0.4 * i + 0.35) for i in range(60)]
    words[30:] = [Word(w.word, w.start + 2.0, w.end + 2.0) for w in words[30:]]  # a 2 s pause
    seg = [Segment(0.0, words[-1].end, " ".join(w.word for w in words), words),
           Segment(40.0, 52.0, "una traduzione lunga senza tempi per parola " * 4)]  # ST: no word times
    rules = CueRules()
    out = cues(seg, rules)
    assert all(len(c.lines) <= 2 and max(map(len, c.lines)) <= 42 for c in out)
    assert all(rules.min_s - 1e-9 <= c.end - c.start <= rules.max_s for c in out)
    assert all(a.end <= b.start for a, b in zip(out, out[1:]))
    assert not any(c.start < 14.0 < c.end for c in out)  # the pause (12.0-14.0) separates cues
    parsed = list(srt.parse(render(seg, "srt")))
    assert len(parsed) == len(out) and parsed[0].start.total_seconds() == 0.0
    vtt = render(seg, "vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> ") and vtt.count(" --> ") == len(out)
    doc = json.loads(render(seg, "json", language="en"))
    assert doc["language"] == "en" and "words" not in doc["segments"][1]
    assert render(seg, "txt").count("\n") == 2


# ---------------------------------------------------------------- on a trained model
@pytest.fixture(scope="module")
def model_exp(request):
    """The suite's tiny trained model (FAMA_TINY_EXP: a prebuilt one, to iterate quickly)."""
    if os.environ.get("FAMA_TINY_EXP"):
        return os.environ["FAMA_TINY_EXP"]
    return request.getfixturevalue("tiny_exp")


def test_silence_noise_and_short_audio(model_exp):
    from fama_espnet.inference import FamaSpeech2Text

    s2t = FamaSpeech2Text.from_pretrained(model_exp, max_len=8, beam_size=2)
    assert s2t.transcribe(np.zeros(16000 * 12, np.float32), "en") == []
    noise = np.random.default_rng(0).normal(0, 0.05, 16000 * 12).astype(np.float32)
    assert s2t.transcribe(noise, "en") == []
    from fama_espnet.data.tts import speak

    short = speak("yes", voice="en", rate=170)
    assert len(short) < 16000
    segments = s2t.transcribe(short, "en")
    expected = s2t(short, "en")[0].text
    assert " ".join(s.text for s in segments) == expected
    if expected:
        (seg,) = segments
        assert 0.0 <= seg.start <= seg.end <= len(short) / 16000 + 1e-3 and seg.words


def test_infer_cli_writes_subtitles(model_exp, recordings, tmp_path):
    from fama_espnet.bin.infer import main as infer

    from helpers import run_cli

    rec = recordings["it"]
    wav = tmp_path / "talk.wav"
    sf.write(wav, rec.wave[: int(rec.sentences[3].end * 16000) + 8000], 16000, subtype="PCM_16")
    for fmt in ("json", "srt"):
        run_cli(infer, ["--model", str(model_exp), "--tgt_lang", "it", "--output_format", fmt, "--output_dir",
                        str(tmp_path / "out"), "--max_piece_s", "8", "--quiet", "--config", str(_short(tmp_path)),
                        str(wav)])
    doc = json.loads((tmp_path / "out" / "talk.json").read_text())
    assert doc["task"] == "asr" and len(doc["segments"]) >= 2
    assert all(0 <= s["start"] <= s["end"] and s["end"] - s["start"] <= 8.0 for s in doc["segments"])
    assert all(w["start"] >= doc["segments"][0]["start"] for s in doc["segments"] for w in s["words"])
    list(srt.parse((tmp_path / "out" / "talk.srt").read_text()))
    (tmp_path / "nothing.wav").write_text("")
    with pytest.raises(SystemExit, match="infer: .*nothing.wav: not a readable audio file"):
        run_cli(infer, ["--model", str(model_exp), "--tgt_lang", "en", "--quiet", str(tmp_path / "nothing.wav")])


def test_decode_long_writes_text_segments_and_subtitles(model_exp, recordings, tmp_path):
    from fama_espnet.bin.decode_long import main as decode_long
    from fama_espnet.data.kaldi_dir import read_table, write_table

    from helpers import run_cli

    data = tmp_path / "data"
    data.mkdir()
    rec = recordings["en"]
    wav = tmp_path / "lecture.wav"
    sf.write(wav, rec.wave[: int(rec.sentences[2].end * 16000) + 8000], 16000, subtype="PCM_16")
    write_table(data / "wav.scp", {"lecture": str(wav)})
    write_table(data / "utt2lang", {"lecture": "en"})
    write_table(data / "utt2tgtlang", {"lecture": "it"})
    out = tmp_path / "dec"
    run_cli(decode_long, ["--model", str(model_exp), "--data", str(data), "--task", "st", "--output", str(out),
                          "--config", str(_short(tmp_path)), "--max_piece_s", "6", "--formats", "vtt,json", "--quiet"])
    segments = read_table(out / "segments")
    assert set(read_table(out / "text")) == {"lecture"} and set(segments) == set(read_table(out / "segments_text"))
    assert all(row.split()[0] == "lecture" and float(row.split()[2]) - float(row.split()[1]) <= 6.0
               for row in segments.values())
    doc = json.loads((out / "json" / "lecture.json").read_text())
    assert doc["task"] == "st" and all("words" not in s for s in doc["segments"])  # ST: segment times
    assert (out / "vtt" / "lecture.vtt").read_text().startswith("WEBVTT") and (out / ".done").exists()


def test_decode_long_reads_kaldi_commands(model_exp, recordings, tmp_path):
    """A wav.scp `cmd |` entry (e.g. sox at another rate) decodes as the file it makes;
    a command that fails is one line naming the recording."""
    from fama_espnet.bin.decode_long import main as decode_long
    from fama_espnet.data.kaldi_dir import read_table, write_table

    from helpers import run_cli

    rec = recordings["it"]
    wav = tmp_path / "talk.wav"
    sf.write(wav, rec.wave[: int(rec.sentences[1].end * 16000) + 8000], 16000, subtype="PCM_16")
    texts = {}
    for name, entry in (("file", str(wav)), ("pipe", f"cat {wav} |")):
        data = tmp_path / name
        data.mkdir()
        write_table(data / "wav.scp", {"talk": entry})
        write_table(data / "utt2lang", {"talk": "it"})
        run_cli(decode_long, ["--model", str(model_exp), "--data", str(data), "--task", "asr",
                              "--output", str(tmp_path / f"dec_{name}"), "--config", str(_short(tmp_path)),
                              "--formats", "json", "--quiet"])
        texts[name] = read_table(tmp_path / f"dec_{name}" / "text")
    assert texts["pipe"] == texts["file"]
    # A rerun with the same inputs keeps the decode; one with other options replaces it.
    done = tmp_path / "dec_file" / ".done"
    first = done.stat().st_mtime_ns
    args = ["--model", str(model_exp), "--data", str(tmp_path / "file"), "--task", "asr", "--output",
            str(tmp_path / "dec_file"), "--config", str(_short(tmp_path)), "--formats", "json", "--quiet"]
    run_cli(decode_long, args)
    assert done.stat().st_mtime_ns == first
    run_cli(decode_long, args + ["--max_piece_s", "5"])
    assert "max_piece_s: 5.0" in done.read_text()
    write_table(tmp_path / "pipe" / "wav.scp", {"talk": f"cat {tmp_path}/none.wav |"})
    with pytest.raises(SystemExit, match=r"decode_long: .*wav.scp: talk: command failed \(exit 1\)"):
        run_cli(decode_long, ["--model", str(model_exp), "--data", str(tmp_path / "pipe"), "--task", "asr",
                              "--output", str(tmp_path / "dec_bad"), "--config", str(_short(tmp_path)), "--quiet"])
    assert not (tmp_path / "dec_bad").exists()


def _short(tmp_path):
    path = tmp_path / "short.yaml"
    path.write_text("max_len: 8\nbeam_size: 2\n")
    return path


@pytest.mark.skipif(not os.environ.get("FAMA_MINI_MODEL"), reason="FAMA_MINI_MODEL (a trained mini_fama zip) not set")
def test_recognition_bars_on_the_mini_model(tmp_path):
    import sys
    from pathlib import Path

    from fama_espnet.inference import FamaSpeech2Text

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from longform import measure

    config = Path(__file__).resolve().parents[1] / "egs2" / "mini_fama" / "s2t1" / "conf" / "decode.yaml"
    r = measure(os.environ["FAMA_MINI_MODEL"], sentences=40, tmp=tmp_path, config=config, st=False)
    limit = FamaSpeech2Text.resolved_options(FamaSpeech2Text.read_decoding_config(config))["max_piece_s"]
    for lang in ("en", "it"):
        assert r[lang]["boundary_max_s"] < 0.3 and r[lang]["piece_max_s"] <= limit
        assert r[lang]["cuts_in_true_pauses"] + r[lang]["cuts_in_speech_of_a_too_long_sentence"] == r[lang]["cuts"]
        assert r[lang]["wer_long"] <= 1.2 * r[lang]["wer_short"] + 1.0
        assert r[lang]["word_start_within_0.2s"] >= 0.85 and r[lang]["word_end_within_0.2s"] >= 0.8
