"""Puts a vocabulary in the recipe's token dir, so the tokenizer stage (fama.sh stage 4,
skipped once tokens.txt exists) keeps it:

  python -m fama_espnet.bin.prepare_token_list --spm_model spm_en_it_16000_lid.model --outdir data/token_list
  python -m fama_espnet.bin.prepare_token_list --spm_model exp/fama_small/bpe.model \\
      --model_config exp/fama_small/config.yaml --outdir data/token_list

Without --model_config: the ESPnet token list of the sentencepiece model (training from
scratch with FAMA's own sentencepiece model). With it: the model's own token list, in
its order (fine-tuning). Refuses an outdir that holds another vocabulary.
"""
import argparse
import sys
from typing import Optional, Sequence

from fama_espnet.cli import fail
from fama_espnet.tokens import LANGUAGES
from fama_espnet.train_config import ConfigError, install_token_list


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--spm_model", required=True)
    p.add_argument("--outdir", required=True)
    p.add_argument("--model_config", default=None, help="config.yaml of the model to fine-tune")
    p.add_argument("--languages", nargs="+", default=list(LANGUAGES))
    a = p.parse_args(argv)
    try:
        print(install_token_list(a.spm_model, a.outdir, a.model_config, a.languages), file=sys.stderr)
    except (ConfigError, OSError) as e:
        return fail("prepare_token_list", e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
