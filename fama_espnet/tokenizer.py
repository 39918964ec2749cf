"""SentencePiece model with FAMA's language tags, and its ESPnet token list.

Token list layout (ESPnet's): `<blank>` (CTC blank, id 0), `<unk>`, the
`<lang:xx>` tags, the pieces, `<sos/eos>` last.
"""
from pathlib import Path
from typing import Iterable, List, Sequence

import sentencepiece as spm

from fama_espnet.files import replacing, temporary, write_text
from fama_espnet.tokens import BLANK, LANGUAGES, SOS_EOS, UNK, lang_tag


def train_sentencepiece(sentences: Iterable[str], model_prefix: str, vocab_size: int,
                        languages: Sequence[str] = LANGUAGES, model_type: str = "unigram") -> Path:
    """Trains `<model_prefix>.model` (atomically: a failed run leaves nothing behind)."""
    prefix = Path(model_prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    model, vocab = Path(f"{prefix}.model"), Path(f"{prefix}.vocab")
    corpus = temporary(f"{prefix}.txt", keep_suffix=True)
    with open(corpus, "w", encoding="utf-8") as f:
        for s in sentences:
            f.write(s.strip() + "\n")
    try:
        with replacing(vocab, keep_suffix=True), replacing(model, keep_suffix=True) as tmp_model:
            # sentencepiece names its outputs <model_prefix>.model and .vocab: the two temporaries
            spm.SentencePieceTrainer.train(
                input=str(corpus), model_prefix=str(tmp_model.with_suffix("")), vocab_size=vocab_size,
                model_type=model_type, character_coverage=1.0,
                user_defined_symbols=[lang_tag(x) for x in languages],
                unk_id=0, bos_id=-1, eos_id=-1, hard_vocab_limit=False, minloglevel=2,
            )
    finally:
        corpus.unlink(missing_ok=True)
    return model


def token_list(spm_model: str) -> List[str]:
    sp = spm.SentencePieceProcessor(model_file=str(spm_model))
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size()) if not (sp.is_unknown(i) or sp.is_control(i))]
    return [BLANK, UNK] + pieces + [SOS_EOS]


def write_token_list(spm_model: str, path: str) -> List[str]:
    tokens = token_list(spm_model)
    write_text(Path(path), "\n".join(tokens) + "\n")
    return tokens
