"""What several test modules build: tiny FAMA models and training runs, FBK-format
manifests and features, test-set releases. One home, so test modules never import
each other."""
import contextlib
import io
import sys
import zipfile
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import soundfile as sf
import torch
import torchaudio.compliance.kaldi as ta_kaldi
import yaml

from fama_espnet.bin.train import main
from fama_espnet.data.kaldi_dir import data_args
from fama_espnet.data.tts import speak
from fama_espnet.task import FamaTask, load_config
from fama_espnet.tokens import read_token_list

# FBK-fairseq's own outputs for a tiny FAMA checkpoint (README.md there): the fidelity evidence.
ORACLE = Path(__file__).resolve().parent / "fixtures" / "fbk_fairseq"

CONF = Path(__file__).resolve().parents[1] / "conf"


def run_cli(cli_main: Callable[[Optional[Sequence[str]]], int], argv: Sequence[str]) -> str:
    """Runs a bin module's main in-process as `python -m` runs it: returns what it printed
    on stdout; a non-zero status raises SystemExit carrying its stderr (the one-line
    error), as the process would end. What it printed is passed on, so capsys sees it."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = cli_main(list(argv))
    finally:
        sys.stdout.write(out.getvalue())
        sys.stderr.write(err.getvalue())
    if status != 0:
        raise SystemExit(err.getvalue().strip() or status)
    return out.getvalue()


def infer_texts(argv: Sequence[str]) -> List[str]:
    """The texts bin/infer prints, one `file<TAB>text` line per input, in input order."""
    from fama_espnet.bin.infer import main as infer

    return [line.split("\t", 1)[1] for line in run_cli(infer, argv).splitlines()]


TINY = {
    "encoder_conf": dict(output_size=32, attention_heads=4, linear_units=64, num_blocks=3,
                         conv_channels=48, interctc_layer_idx=[2]),
    "decoder_conf": dict(attention_heads=4, linear_units=64, num_blocks=2),
}


def tiny_model(tokens, config="train_fama_small.yaml", encoder_conf=None, **model_conf):
    overrides = {**TINY, "model_conf": model_conf} if model_conf else dict(TINY)
    if encoder_conf:
        overrides["encoder_conf"] = {**TINY["encoder_conf"], **encoder_conf}
    args = load_config(CONF / config, overrides, token_list=read_token_list(str(tokens)))
    torch.manual_seed(0)
    return FamaTask.build_model(args)


STEP1 = ["speech", "text", "src_lang"]


STEP2 = STEP1 + ["text_tgt", "tgt_lang"]


# For runs compared by weights only: matplotlib (attention maps, curves) is most of a tiny epoch.
NO_PLOTS = ("--num_att_plot", "0", "--use_matplotlib", "false")


def tiny_config(tmp_path, name):
    conf = yaml.safe_load((CONF / f"train_fama_small{name}.yaml").read_text())
    for key, value in TINY.items():
        conf[key].update(value)
    conf.update(batch_type="length", batch_bins=1875, accum_grad=1, num_iters_per_epoch=2,
                keep_nbest_models=2, num_workers=0)
    path = tmp_path / f"tiny{name}.yaml"
    path.write_text(yaml.safe_dump(conf))
    return path


def train(corpus, config, out, names, *extra, data=None, speech_type="sound"):
    main(train_args(corpus, config, out, names, *extra, data=data, speech_type=speech_type))


def train_args(corpus, config, out, names, *extra, data=None, speech_type="sound"):
    """The command line of `python -m fama_espnet.bin.train` for a tiny run."""
    data_dir, tokens, spm = corpus
    data_dir = data or data_dir
    cmd = ["--config", str(config), "--output_dir", str(out), "--token_list", str(tokens),
           "--bpemodel", str(spm), "--ngpu", "0", "--use_tensorboard", "false",
           "--train_shape_file", str(data_dir / "speech_shape"),
           "--valid_shape_file", str(data_dir / "speech_shape")]
    for arg in data_args(data_dir, names):
        if arg.endswith(",speech,sound"):
            arg = arg[: -len("sound")] + speech_type
        cmd += ["--train_data_path_and_name_and_type", arg, "--valid_data_path_and_name_and_type", arg]
    return cmd + list(extra)


HEADER = ["id", "audio", "n_frames", "tgt_text", "src_text", "speaker", "src_lang", "tgt_lang"]


def fbank(wav: np.ndarray) -> np.ndarray:
    """fairseq's extract_fbank_features: Kaldi fbank of the 16-bit-range waveform."""
    x = torch.from_numpy(wav * 32768.0).unsqueeze(0)
    return ta_kaldi.fbank(x, num_mel_bins=80, sample_frequency=16000).numpy()


def write_tsv(path: Path, rows: List[List[str]], header=HEADER) -> Path:
    """Tab-joined with no quoting, as fairseq's save_df_to_tsv (csv QUOTE_NONE) writes."""
    path.write_text("\n".join("\t".join(map(str, r)) for r in [header] + rows) + "\n", encoding="utf-8")
    return path


def zip_entries(zip_path: Path, members: Dict[str, bytes]) -> Dict[str, str]:
    """A stored zip and `zip:offset:size` per member name, offsets computed as fairseq's
    get_zip_manifest does (local header offset + 30 + file name length)."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    with zipfile.ZipFile(zip_path) as z:
        return {Path(i.filename).stem: f"{zip_path.name}:{i.header_offset + 30 + len(i.filename)}:{i.file_size}"
                for i in z.infolist()}


def npy_bytes(x: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, x)
    return buf.getvalue()


def wav_bytes(x: np.ndarray, rate: int = 16000) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, x, rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


FS = 16000


CV_HEADER = "client_id\tpath\tsentence\tup_votes\tdown_votes\tage\tgender\taccents\tlocale\tsegment"


def audio(path: Path, text: str, lang: str, fs: int = FS, **kwargs) -> None:
    """Speech of `text` written as the release stores it (the format follows the suffix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wav = speak(text, voice=lang, rate=190)
    if fs != FS:
        import torch
        import torchaudio.functional as AF

        wav = AF.resample(torch.from_numpy(wav), FS, fs).numpy()
    formats = {".mp3": ("MP3", "MPEG_LAYER_III"), ".opus": ("OGG", "OPUS"), ".ogg": ("OGG", "VORBIS"),
               ".flac": ("FLAC", "PCM_16"), ".wav": ("WAV", "PCM_16")}
    fmt, subtype = formats[path.suffix]
    sf.write(path, wav, fs, format=fmt, subtype=subtype, **kwargs)


def lines(path: Path, rows: List[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(r + "\n" for r in rows), encoding="utf-8")


def make_releases(root: Path) -> Dict[str, Path]:
    """One tiny release per corpus, laid out as documented in fama_espnet/data/test_sets.py."""
    cv_en, cv_it = root / "cv-corpus-17.0" / "en", root / "cv-corpus-17.0" / "it"
    audio(cv_en / "clips" / "common_voice_en_101.mp3", "the cat sleeps", "en", fs=48000)
    audio(cv_en / "clips" / "common_voice_en_102.mp3", "he said hello", "en", fs=48000)
    lines(cv_en / "test.tsv", [CV_HEADER,
                               "c1\tcommon_voice_en_101.mp3\tThe cat sleeps.\t2\t0\t\t\t\ten\t",
                               'c2\tcommon_voice_en_102.mp3\tHe said "hello".\t2\t0\t\t\t\ten\t',
                               "c2\tcommon_voice_en_103.mp3\t\t2\t0\t\t\t\ten\t"])  # no sentence: skipped
    for i, s in ((201, "il gatto dorme"), (202, "una casa rossa")):
        audio(cv_it / "clips" / f"common_voice_it_{i}.mp3", s, "it", fs=48000)
    lines(cv_it / "test.tsv", [CV_HEADER, "c3\tcommon_voice_it_201.mp3\tIl gatto dorme.\t2\t0\t\t\t\tit\t"])

    ls = root / "LibriSpeech"
    for split, spk, chapter, texts in (("test-clean", "1089", "134686", ["HE HOPED THERE", "STUFF IT INTO YOU"]),
                                       ("test-other", "1688", "142285", ["THERE WAS NO ONE"])):
        d = ls / split / spk / chapter
        rows = []
        for n, text in enumerate(texts):
            uid = f"{spk}-{chapter}-{n:04d}"
            audio(d / f"{uid}.flac", text.lower(), "en")
            rows.append(f"{uid} {text}")
        lines(d / f"{spk}-{chapter}.trans.txt", rows)

    mls_it, mls_en = root / "mls_italian", root / "mls_english_opus"
    audio(mls_it / "test" / "audio" / "1595" / "1102" / "1595_1102_000001.flac", "buongiorno a tutti", "it")
    lines(mls_it / "test" / "transcripts.txt", ["1595_1102_000001\tbuongiorno a tutti"])
    audio(mls_en / "test" / "audio" / "4800" / "10003" / "4800_10003_000000.opus", "good morning", "en",
          fs=48000)
    lines(mls_en / "test" / "transcripts.txt", ["4800_10003_000000\tgood morning"])

    vp = root / "voxpopuli"
    vp_header = "id\traw_text\tnormalized_text\tspeaker_id\tsplit\tgender\tis_gold_transcript\taccent"
    for lang, text in (("en", "Thank you, Mr President."), ("it", "Grazie, signor Presidente.")):
        uid = f"20180312-0900-PLENARY-15-{lang}_20180312-17:43:06_3"
        audio(vp / "transcribed_data" / lang / "2018" / f"{uid}.ogg", text, lang)
        lines(vp / "transcribed_data" / lang / "asr_test.tsv",
              [vp_header, f"{uid}\t{text}\t{text.lower()}\t1234\ttest\tmale\tTrue\tNone"])

    fl = root / "fleurs"
    # Sentence 1001 is read by two English speakers; Italian has 1001 in test, 1002 only in dev;
    # nobody reads 1003 in Italian.
    en_rows = [("1001", "11.wav", "The sun is out."), ("1001", "12.wav", "The sun is out."),
               ("1002", "13.wav", "It rains."), ("1003", "14.wav", "Snow falls.")]
    it_rows = [("1001", "21.wav", "C'è il sole.")]
    for code, lang, rows in (("en_us", "en", en_rows), ("it_it", "it", it_rows)):
        for _, name, text in rows:
            audio(fl / code / "audio" / "test" / name, text, lang)
        lines(fl / code / "test.tsv", [f"{i}\t{n}\t{t}\t{t.lower()}\t{' '.join(t)}\t{FS}\tMALE" for i, n, t in rows])
    lines(fl / "it_it" / "dev.tsv", [f"1002\t31.wav\tPiove.\tpiove\tp i o v e\t{FS}\tFEMALE"])

    cov = root / "covost"
    audio(cv_it / "clips" / "common_voice_it_202.mp3", "una casa rossa", "it", fs=48000)
    # pandas' QUOTE_NONE + escapechar "\\" writes a double quote as \"
    lines(cov / "covost_v2.it_en.test.tsv", ["path\tsentence\ttranslation\tclient_id",
                                            "common_voice_it_201.mp3\tIl gatto dorme.\tThe cat \\\"sleeps\\\".\tc3",
                                            "common_voice_it_202.mp3\tUna casa rossa.\tA red house.\tc4"])
    return {"cv_en": cv_en, "cv_it": cv_it, "librispeech": ls, "mls_it": mls_it, "mls_en": mls_en,
            "voxpopuli": vp, "fleurs": fl, "covost": cov}
