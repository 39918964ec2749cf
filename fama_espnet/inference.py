"""FamaSpeech2Text: transcribe or translate speech with a trained or packed FAMA model.

    s2t = FamaSpeech2Text.from_pretrained("exp/.../fama_mini.zip")   # or an exp dir
    s2t(wav, tgt_lang="it")[0].text                # en audio -> Italian translation
    s2t.batch_decode([wav1, wav2], ["en", "it"])   # utterance-batched search
"""
import argparse
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import yaml

from espnet2.text.build_tokenizer import build_tokenizer
from espnet2.text.token_id_converter import TokenIDConverter

from fama_espnet import hub
from fama_espnet.data import speech_format
from fama_espnet.decoding import DecodingOptions, build_search, options as decoding_options
from fama_espnet.decoding.rules import Hypothesis, ranking_score
from fama_espnet.frontend import KaldiFbank
from fama_espnet.model import FamaModel
from fama_espnet.task import FamaTask

# Compute dtype of each precision; int8: the linear layers dynamically quantised (int8
# weights, activations quantised per call; CPU only), everything else float32.
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "int8": torch.float32}


def quantize_int8(model: FamaModel) -> None:
    """dtype int8, in place: every linear layer on int8 weights, its input quantised per
    call (torch's dynamic quantisation; CPU)."""
    torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


@dataclass
class Result:
    text: str
    tokens: List[str]
    token_ids: List[int]
    score: float  # the ranking score (rules.ranking_score: length-normalised unless normalize_length false)


def load_model(config: Union[str, Path], model_file: Union[str, Path],
               device: str = "cpu") -> Tuple[FamaModel, argparse.Namespace]:
    """Build from a training config.yaml and load weights, every key accounted for
    (ESPnet's own loader is strict=False and would hide a mismatch). -> (model, config)"""
    with open(config, encoding="utf-8") as f:
        args = argparse.Namespace(**yaml.safe_load(f))
    model = FamaTask.build_model(args)
    state = torch.load(model_file, map_location="cpu", weights_only=True)
    expected = set(model.state_dict())
    missing, unexpected = expected - set(state), set(state) - expected
    if missing or unexpected:
        raise RuntimeError(
            f"{model_file} does not match {config}: missing {sorted(missing)[:5]}, "
            f"unexpected {sorted(unexpected)[:5]}"
        )
    model.load_state_dict(state)
    return model.to(device).eval(), args


class FamaSpeech2Text:
    """Argument names are the packed zip's meta.yaml keys (ESPnet model-zoo convention)."""

    def __init__(self, s2t_train_config: Union[str, Path], s2t_model_file: Union[str, Path],
                 bpemodel: Optional[str] = None, device: str = "cpu", dtype: str = "float32", **decoding):
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
        if dtype == "int8" and torch.device(device).type != "cpu":
            raise ValueError(f"dtype int8 (dynamic quantisation) runs on the CPU, not on {device}")
        self.model, conf = load_model(s2t_train_config, s2t_model_file, device)
        if dtype == "int8":
            quantize_int8(self.model)
        self.device = device
        bpemodel = Path(bpemodel or conf.bpemodel)
        if not bpemodel.is_file():
            raise FileNotFoundError(f"sentencepiece model {bpemodel} (bpemodel of {s2t_train_config}) not found")
        # Resolved now: the tokenizer opens it lazily, perhaps after the caller changed directory.
        self.tokenizer = build_tokenizer(token_type="bpe", bpemodel=str(bpemodel.resolve()))
        self.converter = TokenIDConverter(token_list=self.model.token_list)
        self.options = replace(DecodingOptions(), **decoding)
        self.search = build_search(self.model, self.options)
        self.dtype = DTYPES[dtype]
        # Tags and special symbols never reach the output text.
        self.hidden = {self.model.sos, self.model.blank_id, *self.model.lang_ids.values()}
        # A model trained on precomputed fbank has no front-end: FAMA's features (what
        # FBK's preprocessing writes) are computed here for the waveforms it is given.
        frontend = self.model.frontend or KaldiFbank(fs=speech_format.SAMPLE_RATE, n_mels=conf.input_size)
        self.fbank = frontend.eval()
        self.n_mels = frontend.output_size()

    @classmethod
    def model_files(cls, model: Union[str, Path]) -> Tuple[Path, ...]:
        """The local files `from_pretrained(model)` reads, the model file last: what a
        decode is made from (for a Hub repo, its cached snapshot's files)."""
        return tuple(hub.model_files(model).values())

    @classmethod
    def from_pretrained(cls, model: Union[str, Path], **kwargs) -> "FamaSpeech2Text":
        """`model`: a packed .zip (unpacked by espnet_model_zoo), an ESPnet exp dir, a
        model file (.pth) in one, an unpacked zip, or a Hub repo id holding any of them
        ("org/name" or "org/name@revision"; a local path that exists wins)."""
        files = hub.model_files(model)
        if "zip" not in files:
            return cls(**{**files, **kwargs})
        from espnet_model_zoo.downloader import ModelDownloader

        return cls(**ModelDownloader().download_and_unpack(str(files["zip"])), **kwargs)

    # Decoding options live in decoding/options.py (light: a rerun's check needs no torch).
    resolved_options = staticmethod(decoding_options.resolved)
    read_decoding_config = staticmethod(decoding_options.read)
    add_decoding_arguments = staticmethod(decoding_options.add_arguments)
    decoding_overrides = staticmethod(decoding_options.overrides)
    decoding_options_from_args = staticmethod(decoding_options.from_args)

    @staticmethod
    def decoding_option_names() -> List[str]:
        return decoding_options.names()

    def __call__(self, speech: Union[np.ndarray, torch.Tensor], tgt_lang: str) -> List[Result]:
        return self.batch_decode([speech], [tgt_lang])[0]

    @torch.no_grad()
    def batch_decode(self, speeches: Sequence[Union[np.ndarray, torch.Tensor]],
                     tgt_langs: Sequence[str]) -> List[List[Result]]:
        unknown = sorted(set(tgt_langs) - set(self.model.lang_ids))
        if unknown:
            raise ValueError(f"unknown target language(s) {unknown}; the model has {sorted(self.model.lang_ids)}")
        inputs = self.model_inputs(speeches)
        tags = [self.model.lang_ids[x] for x in tgt_langs]
        return [[self.result(h) for h in nbest] for nbest in self._decode(inputs, tags)]

    def model_inputs(self, speeches: Sequence[Union[np.ndarray, torch.Tensor]]) -> List[torch.Tensor]:
        """Each input as this model takes it, one kind for the whole batch: a 16 kHz
        waveform (1-D) or 80-dim fbank ([frames, 80]) is accepted by every model;
        waveforms become fbank for a model without front-end, or when the batch mixes
        kinds (the same features the front-end computes, so the hypotheses are equal)."""
        xs = [torch.as_tensor(np.asarray(s), dtype=torch.float32) for s in speeches]
        for i, x in enumerate(xs):
            if not (x.dim() == 1 or (x.dim() == 2 and x.size(1) == self.n_mels)):
                raise ValueError(f"input {i}: shape {tuple(x.shape)}; "
                                 f"expected a {speech_format.DESCRIPTION['waveform']} "
                                 f"(1-D) or {speech_format.DESCRIPTION['fbank']} ([frames, {self.n_mels}])")
        if self.model.frontend is not None and all(x.dim() == 1 for x in xs):
            return xs
        return [self._fbank(x) if x.dim() == 1 else x for x in xs]

    def _fbank(self, wave: torch.Tensor) -> torch.Tensor:
        feats, n = self.fbank(wave[None], torch.tensor([len(wave)]))
        return feats[0, : int(n[0])]

    def _decode(self, waves: List[torch.Tensor], tags: List[int]) -> list:
        """Encoder (length-sorted chunks: model.encode_sorted) + search on one padded
        batch of model_inputs (waveforms [N] padded to [B, N], or features [T, D] to
        [B, T, D]); a batch that runs out of device memory
        is split in two and retried (a single utterance that does not fit re-raises)."""
        try:
            lengths = torch.tensor([len(w) for w in waves], device=self.device)
            batch = torch.nn.utils.rnn.pad_sequence(waves, batch_first=True).to(self.device)
            with torch.autocast(batch.device.type, dtype=self.dtype, enabled=self.dtype != torch.float32):
                enc, enc_lens = self.model.encode_sorted(batch, lengths)
                return self.search.decode(enc, enc_lens, torch.tensor(tags, device=self.device))
        except torch.OutOfMemoryError:
            if len(waves) == 1:
                raise
            logging.warning(f"out of memory decoding {len(waves)} utterances; splitting the batch")
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            half = len(waves) // 2
            return self._decode(waves[:half], tags[:half]) + self._decode(waves[half:], tags[half:])

    def result(self, hyp: Hypothesis) -> Result:
        ids = [int(t) for t in hyp.yseq.tolist() if int(t) not in self.hidden]
        tokens = self.converter.ids2tokens(ids)
        return Result(self.tokenizer.tokens2text(tokens), tokens, ids,
                      ranking_score(hyp, self.options.normalize_length))

    def vad_options(self):
        """transcribe's default VadOptions: the decoding options max_piece_s, merge_regions."""
        from fama_espnet import longform

        return longform.VadOptions(max_piece_s=self.options.max_piece_s, merge_regions=self.options.merge_regions)

    @torch.no_grad()
    def transcribe(self, audio: Union[str, Path, np.ndarray, torch.Tensor], tgt_lang: str,
                   fs: int = speech_format.SAMPLE_RATE,
                   src_lang: Optional[str] = None, vad=None, batch_seconds: float = 200.0,
                   progress: bool = False) -> list:
        """Audio of any length (a file path, read in blocks, or a waveform at `fs` Hz) ->
        [longform.Segment] with start/end seconds and text; [] when there is no speech.
        Pieces cut at pauses (fama_espnet/longform/vad.py; `vad`: VadOptions, by default
        with the decoding option max_piece_s) are decoded batched (`batch_seconds` of
        padded audio). ASR (`src_lang` None or = `tgt_lang`) adds word times from the
        final CTC head; ST segments carry the speech span."""
        from fama_espnet import longform

        if tgt_lang not in self.model.lang_ids:
            raise ValueError(f"unknown target language(s) {[tgt_lang]}; the model has {sorted(self.model.lang_ids)}")
        source = longform.LongAudio(audio, fs)
        pieces = longform.find_pieces(source, vad or self.vad_options(), progress)
        asr = src_lang in (None, tgt_lang)
        bar = longform.vad.progress_bar(progress and bool(pieces), sum(p.end - p.start for p in pieces), "decode")
        segments = []
        for batch in longform.batches(pieces, batch_seconds):
            waves = [source.read(p.start, p.end) for p in batch]
            best = [nbest[0] if nbest else None for nbest in self.batch_decode(waves, [tgt_lang] * len(batch))]
            hyps = [(r.tokens, r.token_ids) if r else ([], []) for r in best]
            seconds = [len(w) / speech_format.SAMPLE_RATE for w in waves]
            words = (longform.align_batch(self.model, self.model_inputs(waves), seconds,
                                          self.model.lang_ids[tgt_lang], hyps, [p.start for p in batch],
                                          [(p.speech_start, p.speech_end) for p in batch])
                     if asr else [None] * len(batch))
            for piece, r, w in zip(batch, best, words):
                segment = longform.segment_of(piece, r.text if r else "", w)
                segments += [segment] if segment else []
            if bar is not None:
                bar.update(sum(p.end - p.start for p in batch))
        if bar is not None:
            bar.close()
        return segments
