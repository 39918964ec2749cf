"""SentencePiece with FAMA's language tags, and the ESPnet token list:
`python -m fama_espnet.bin.train_tokenizer --text data/train/text --text data/train/text_tgt
--vocab_size 400 --outdir data/token_list` -> bpe.model, tokens.txt."""
import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from fama_espnet.data.kaldi_dir import read_table
from fama_espnet.tokenizer import train_sentencepiece, write_token_list
from fama_espnet.tokens import LANGUAGES


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--text", action="append", required=True, type=Path, help="Kaldi text table(s)")
    p.add_argument("--vocab_size", type=int, required=True)
    p.add_argument("--languages", nargs="+", default=list(LANGUAGES))
    p.add_argument("--model_type", default="unigram")
    p.add_argument("--outdir", required=True, type=Path)
    a = p.parse_args(argv)
    # A sentence spoken in several voices is still one sentence for the tokenizer.
    sentences = sorted({s for t in a.text for s in read_table(t).values()})
    model = train_sentencepiece(sentences, str(a.outdir / "bpe"), a.vocab_size, a.languages, a.model_type)
    tokens = write_token_list(str(model), str(a.outdir / "tokens.txt"))
    print(f"{model}: {len(tokens)} tokens")
    return 0


if __name__ == "__main__":
    sys.exit(main())
