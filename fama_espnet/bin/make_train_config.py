"""The training config of one recipe run, derived from a FAMA config:

  python -m fama_espnet.bin.make_train_config --config conf/train_fama_small_asr.yaml \\
      --gpus 1 --ref_gpus 16 --out exp/fama_small/conf/step1.yaml
  python -m fama_espnet.bin.make_train_config --config conf/finetune_fama_st.yaml \\
      --base_config exp/fama_small/config.yaml --gpus 2 --ref_gpus 1 --out exp/ft/conf/finetune.yaml

--gpus: GPUs of this run (all nodes); batch_bins and accum_grad are rescaled from the
--ref_gpus the config is written for, keeping the per-GPU micro-batch and the examples
per update (fama_espnet/train_config.py has the arithmetic). --base_config: fine-tuning,
the network comes from that model's config.yaml, the training options from --config.
"""
import argparse
import sys
from typing import Optional, Sequence

from fama_espnet.cli import fail
from fama_espnet.train_config import ConfigError, derive_config


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, help="FAMA training config or fine-tuning overlay")
    p.add_argument("--out", required=True, help="config to write")
    p.add_argument("--gpus", type=int, default=None, help="GPUs of this run (default: --ref_gpus, no rescaling)")
    p.add_argument("--ref_gpus", type=int, default=16, help="GPUs --config's batch is written for")
    p.add_argument("--base_config", default=None, help="config.yaml of the model to fine-tune")
    a = p.parse_args(argv)
    try:
        print(derive_config(a.config, a.out, a.gpus, a.ref_gpus, a.base_config), file=sys.stderr)
    except (ConfigError, OSError) as e:
        return fail("make_train_config", e)
    return 0


if __name__ == "__main__":
    sys.exit(main())
