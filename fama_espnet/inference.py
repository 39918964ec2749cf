"""FamaSpeech2Text: transcribe or translate speech with a trained or packed FAMA model.

    s2t = FamaSpeech2Text.from_pretrained("exp/.../fama_mini.zip")   # or an exp dir
    s2t(wav, tgt_lang="it")[0].text                # en audio -> Italian translation
    s2t.batch_decode([wav1, wav2], ["en", "it"])   # utterance-batched search
"""
import argparse
import logging
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import yaml

from espnet2.text.build_tokenizer import build_tokenizer
from espnet2.text.token_id_converter import TokenIDConverter

from fama_espnet.beam_search import DecodingOptions, FamaBeamSearch
from fama_espnet.fast_beam_search import FastBeamSearch
from fama_espnet.model import FamaModel
from fama_espnet.task import FamaTask

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}
# ESPnet exp dirs hold several averaged models; the most useful first.
MODEL_FILES = ("model.pth", "valid.total_count.ave.pth", "valid.acc.ave.pth", "valid.loss.ave.pth")


@dataclass
class Result:
    text: str
    tokens: List[str]
    token_ids: List[int]
    score: float  # length-normalised log-probability (the ranking score)


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
        self.model, conf = load_model(s2t_train_config, s2t_model_file, device)
        self.device = device
        bpemodel = Path(bpemodel or conf.bpemodel)
        if not bpemodel.is_file():
            raise FileNotFoundError(f"sentencepiece model {bpemodel} (bpemodel of {s2t_train_config}) not found")
        # Resolved now: the tokenizer opens it lazily, perhaps after the caller changed directory.
        self.tokenizer = build_tokenizer(token_type="bpe", bpemodel=str(bpemodel.resolve()))
        self.converter = TokenIDConverter(token_list=self.model.token_list)
        self.options = replace(DecodingOptions(), **decoding)
        searches = {"fast": FastBeamSearch, "espnet": FamaBeamSearch}
        if self.options.search not in searches:
            raise ValueError(f"search must be one of {sorted(searches)}, got {self.options.search!r}")
        self.search = searches[self.options.search](self.model, self.options)
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
        self.dtype = DTYPES[dtype]
        # Tags and special symbols never reach the output text.
        self.hidden = {self.model.sos, self.model.blank_id, *self.model.lang_ids.values()}

    @classmethod
    def from_pretrained(cls, model: Union[str, Path], **kwargs) -> "FamaSpeech2Text":
        """`model`: a packed .zip (unpacked by espnet_model_zoo) or an ESPnet exp dir."""
        path = Path(model)
        if path.is_dir():
            files = [path / m for m in MODEL_FILES if (path / m).exists()]
            if not (path / "config.yaml").exists() or not files:
                raise FileNotFoundError(f"{path}: needs config.yaml and one of {MODEL_FILES}")
            return cls(path / "config.yaml", files[0], **kwargs)
        if not path.exists():
            raise FileNotFoundError(f"no such model: {path}")
        from espnet_model_zoo.downloader import ModelDownloader

        return cls(**ModelDownloader().download_and_unpack(str(path)), **kwargs)

    @staticmethod
    def decoding_option_names() -> List[str]:
        return [f.name for f in fields(DecodingOptions)]

    @classmethod
    def read_decoding_config(cls, path: Optional[Union[str, Path]]) -> dict:
        """Decoding options from a yaml (e.g. conf/decode_fama.yaml); unknown keys are an error."""
        if path is None:
            return {}
        with open(path, encoding="utf-8") as f:
            options = yaml.safe_load(f) or {}
        bad = sorted(set(options) - set(cls.decoding_option_names()))
        if bad:
            raise ValueError(f"{path}: unknown decoding options {bad}; known: {cls.decoding_option_names()}")
        return options

    def __call__(self, speech: Union[np.ndarray, torch.Tensor], tgt_lang: str) -> List[Result]:
        return self.batch_decode([speech], [tgt_lang])[0]

    @torch.no_grad()
    def batch_decode(self, speeches: Sequence[Union[np.ndarray, torch.Tensor]],
                     tgt_langs: Sequence[str]) -> List[List[Result]]:
        unknown = sorted(set(tgt_langs) - set(self.model.lang_ids))
        if unknown:
            raise ValueError(f"unknown target language(s) {unknown}; the model has {sorted(self.model.lang_ids)}")
        waves = [torch.as_tensor(np.asarray(s), dtype=torch.float32) for s in speeches]
        tags = [self.model.lang_ids[x] for x in tgt_langs]
        return [[self.result(h) for h in nbest] for nbest in self._decode(waves, tags)]

    def _decode(self, waves: List[torch.Tensor], tags: List[int]) -> list:
        """Encoder + search on one padded batch; a batch that runs out of device memory
        is split in two and retried (a single utterance that does not fit re-raises)."""
        try:
            lengths = torch.tensor([len(w) for w in waves], device=self.device)
            batch = torch.nn.utils.rnn.pad_sequence(waves, batch_first=True).to(self.device)
            with torch.autocast(batch.device.type, dtype=self.dtype, enabled=self.dtype != torch.float32):
                enc, enc_lens, _ = self.model.encode(batch, lengths)
                return self.search.decode(enc, enc_lens, torch.tensor(tags, device=self.device))
        except torch.OutOfMemoryError:
            if len(waves) == 1:
                raise
            logging.warning(f"out of memory decoding {len(waves)} utterances; splitting the batch")
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            half = len(waves) // 2
            return self._decode(waves[:half], tags[:half]) + self._decode(waves[half:], tags[half:])

    def result(self, hyp) -> Result:
        ids = [int(t) for t in hyp.yseq.tolist() if int(t) not in self.hidden]
        tokens = self.converter.ids2tokens(ids)
        length = len(hyp.yseq) - 1  # tag and </s> included, as fairseq's ranking
        return Result(self.tokenizer.tokens2text(tokens), tokens, ids, float(hyp.score) / length)
