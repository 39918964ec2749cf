"""Turns one data row (waveform, transcript, translation, languages) into model inputs."""
from typing import Dict, Optional, Sequence, Union

import numpy as np

from espnet2.text.build_tokenizer import build_tokenizer
from espnet2.text.token_id_converter import TokenIDConverter
from espnet2.train.preprocessor import AbsPreprocessor

from fama_espnet.tokens import UNK, lang_tag, languages_of, missing_tags

TEXT_KEYS = ("text", "text_tgt")
LANG_KEYS = ("src_lang", "tgt_lang")


class FamaPreprocessor(AbsPreprocessor):
    """`text`/`text_tgt`: sentencepiece ids (no tag, no </s>); `src_lang`/`tgt_lang`:
    the language code ("en") -> the id of its `<lang:en>` tag, shape (1,). `speech`: a
    mono waveform, or (frames, feature_dim) features when feature_dim is given."""

    def __init__(self, train: bool, token_list: Union[str, Sequence[str]], bpemodel: str,
                 languages: Optional[Sequence[str]] = None, unk_symbol: str = UNK,
                 feature_dim: Optional[int] = None):
        super().__init__(train)
        self.feature_dim = feature_dim
        self.tokenizer = build_tokenizer(token_type="bpe", bpemodel=bpemodel)
        self.converter = TokenIDConverter(token_list=token_list, unk_symbol=unk_symbol)
        tokens = self.converter.token_list
        languages = languages_of(tokens) if languages is None else languages  # default: the list's tags
        missing = missing_tags(tokens, languages)
        if missing:
            raise ValueError(f"token list lacks the language tags {missing}")
        self.tag_ids = {x: self.converter.token2id[lang_tag(x)] for x in languages}

    def __call__(self, uid: str, data: Dict[str, Union[str, np.ndarray]]) -> Dict[str, np.ndarray]:
        out = dict(data)
        speech = data.get("speech")
        if speech is not None:
            if self.feature_dim is not None and (speech.ndim != 2 or speech.shape[1] != self.feature_dim):
                raise ValueError(f"utterance {uid}: speech must be (frames, {self.feature_dim}) features, "
                                 f"got shape {speech.shape}")
            if self.feature_dim is None and speech.ndim != 1:
                raise ValueError(f"utterance {uid}: speech must be mono, got shape {speech.shape}")
            out["speech"] = speech.astype(np.float32)
        for key in TEXT_KEYS:
            if key in data:
                text = data[key].strip()
                if not text:
                    raise ValueError(f"utterance {uid}: empty {key}")
                ids = self.converter.tokens2ids(self.tokenizer.text2tokens(text))
                out[key] = np.asarray(ids, dtype=np.int64)
        for key in LANG_KEYS:
            if key in data:
                lang = data[key].strip()
                if lang not in self.tag_ids:
                    raise ValueError(
                        f"utterance {uid}: {key} '{lang}' is not one of the model's languages "
                        f"{sorted(self.tag_ids)}"
                    )
                out[key] = np.asarray([self.tag_ids[lang]], dtype=np.int64)
        return out
