"""Import a released FAMA checkpoint (FBK-fairseq) as an ESPnet exp dir and model-zoo zip:

    python -m fama_espnet.bin.import_fairseq --checkpoint fama-small.pt \\
        --spm_model spm_en_it_16000_lid.model --dict spm_en_it_16000_lid.txt \\
        [--config config.yaml] --outdir exp/fama_small

writes exp/fama_small/{config.yaml, model.pth, bpe.model, fama_small.zip}. Paths inside
are relative to the current directory, as in ESPnet recipes; the zip is self-contained.
On any error nothing is left in --outdir.
"""
import argparse
import shutil
import sys
from pathlib import Path
from typing import Optional, Sequence

from fama_espnet import hub
from fama_espnet.cli import fail
from fama_espnet.import_fairseq import CheckpointError, import_checkpoint


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="fairseq .pt (e.g. the averaged FAMA checkpoint)")
    p.add_argument("--spm_model", required=True, help="spm_en_it_16000_lid.model")
    p.add_argument("--dict", required=True, help="fairseq dictionary, spm_en_it_16000_lid.txt")
    p.add_argument("--config", help="fairseq data config.yaml (default: FAMA's utterance CMVN, 80 bins)")
    p.add_argument("--outdir", required=True, type=Path)
    p.add_argument("--zip", type=Path, help="packed model (default: OUTDIR/<name of OUTDIR>.zip)")
    a = p.parse_args(argv)
    try:
        out = import_checkpoint(a.checkpoint, a.spm_model, a.dict, str(a.outdir), a.config)
    except (CheckpointError, FileNotFoundError, FileExistsError) as e:
        return fail("import_fairseq", e)
    try:
        hub.pack(out / "config.yaml", out / "model.pth", a.zip or out / f"{out.name}.zip")
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    print(f"imported {a.checkpoint} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
