"""Pack a FAMA model for the model zoo: `python -m fama_espnet.bin.pack --config EXP/config.yaml
--model_file EXP/model.pth --outpath EXP/fama.zip` (run from the recipe dir: paths in the
zip are relative to it). meta.yaml keys are FamaSpeech2Text's argument names, so
`FamaSpeech2Text.from_pretrained(zip)` and espnet_model_zoo's ModelDownloader load it."""
import argparse
from pathlib import Path

import yaml

from espnet2.main_funcs.pack_funcs import pack

from fama_espnet.files import replacing


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--model_file", required=True, type=Path)
    p.add_argument("--outpath", required=True, type=Path)
    p.add_argument("--option", action="append", default=[], type=Path, help="extra files (README, RESULTS.md)")
    a = p.parse_args(argv)
    conf = yaml.safe_load(a.config.read_text())
    bpemodel = Path(conf["bpemodel"])
    with replacing(a.outpath, keep_suffix=True) as tmp:  # ESPnet's packer picks the format by suffix
        pack(files={"s2t_model_file": a.model_file}, yaml_files={"s2t_train_config": a.config},
             outpath=tmp, option=[bpemodel, *a.option])


if __name__ == "__main__":
    main()
