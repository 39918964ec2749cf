"""Shared fixtures: a small bilingual speech corpus spoken by espeak-ng, and its tokenizer."""
import os
from pathlib import Path
from typing import List

import pytest
import soundfile as sf
import torch

from fama_espnet.data import speech_format
from fama_espnet.data.kaldi_dir import Utterance, write_kaldi_dir
from fama_espnet.data.tts import speak
from fama_espnet.tokenizer import train_sentencepiece, write_token_list

# Under pytest-xdist each worker is given one core: torch, and the recipes run as subprocesses
# (path.sh keeps a given OMP_NUM_THREADS), use one thread, so workers never oversubscribe.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["OMP_NUM_THREADS"] = "1"
    torch.set_num_threads(1)

PAIRS = [
    ("the red cat sleeps on the table", "il gatto rosso dorme sul tavolo"),
    ("my brother reads a new book", "mio fratello legge un libro nuovo"),
    ("the children eat bread in the morning", "i bambini mangiano pane la mattina"),
    ("where is the old market", "dove è il vecchio mercato"),
    ("she opens the blue door", "lei apre la porta blu"),
    ("we drink cold water after dinner", "beviamo acqua fredda dopo cena"),
]


def make_utterances(wav_dir: Path) -> List[Utterance]:
    wav_dir.mkdir(parents=True, exist_ok=True)
    utts = []
    for i, (en, it) in enumerate(PAIRS):
        for src, tgt, s, t in (("en", "it", en, it), ("it", "en", it, en)):
            uid = f"{src}{i:02d}"
            path = wav_dir / f"{uid}.wav"
            sf.write(path, speak(s, voice=src, rate=170), 16000, subtype="PCM_16")
            utts.append(Utterance(uid, str(path), s, src, f"spk_{src}", t, tgt))
    return utts


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """(data_dir, token_list_path, spm_model_path) of 12 utterances, 6 pairs x 2 languages."""
    root = tmp_path_factory.mktemp("corpus")
    utts = make_utterances(root / "wav")
    data = root / "data"
    write_kaldi_dir(data, utts)
    speech_format.write_shapes(data, {u.id: speech_format.frames_of_samples(sf.info(u.wav).frames) for u in utts})
    spm = train_sentencepiece([u.text for u in utts] * 4, str(root / "bpe"), vocab_size=60)
    tokens = root / "tokens.txt"
    write_token_list(str(spm), str(tokens))
    return data, tokens, spm


@pytest.fixture(scope="session")
def batch(corpus):
    """A collated batch of the first 4 utterances, as ESPnet's iterator gives it."""
    from espnet2.train.collate_fn import CommonCollateFn

    from fama_espnet.data.kaldi_dir import read_table
    from fama_espnet.preprocessor import FamaPreprocessor

    data, tokens, spm = corpus
    pre = FamaPreprocessor(train=True, token_list=str(tokens), bpemodel=str(spm))
    wavs, tables = read_table(data / "wav.scp"), {n: read_table(data / n) for n in ("text", "text_tgt")}
    langs = {n: read_table(data / f) for n, f in (("src_lang", "utt2lang"), ("tgt_lang", "utt2tgtlang"))}
    items = []
    for uid in sorted(wavs)[:4]:
        row = {"speech": sf.read(wavs[uid], dtype="float32")[0], **{k: v[uid] for k, v in tables.items()},
               **{k: v[uid] for k, v in langs.items()}}
        items.append((uid, pre(uid, row)))
    _, collated = CommonCollateFn(float_pad_value=0.0, int_pad_value=-1)(items)
    return collated


@pytest.fixture(scope="session")
def tiny_exp(corpus, tmp_path_factory):
    """A tiny ASR+ST model trained for 4 updates by ESPnet's trainer, averaged to model.pth."""
    from fama_espnet.bin.average_checkpoints import main as average

    from helpers import STEP2, run_cli, tiny_config, train

    root = tmp_path_factory.mktemp("tiny_exp")
    exp = root / "exp"
    train(corpus, tiny_config(root, ""), exp, STEP2, "--max_epoch", "2")
    run_cli(average, ["--exp_dir", str(exp), "--num", "2", "--output", str(exp / "model.pth")])
    return exp


@pytest.fixture(scope="session")
def straight_exp(corpus, tmp_path_factory):
    """(config, exp dir) of a tiny ASR+ST training run 3 epochs without a stop, the
    reference that resumed and killed runs must equal."""
    from helpers import NO_PLOTS, STEP2, tiny_config, train

    root = tmp_path_factory.mktemp("straight")
    config = tiny_config(root, "")
    train(corpus, config, root / "exp", STEP2, "--max_epoch", "3", "--resume", "true", *NO_PLOTS)
    return config, root / "exp"
