"""What a decode output dir holds: bin/decode writes it, bin/merge_decodes joins the
parts of a job-parallel decode into one, bin/score reads its text.

OUT/{text,token,token_int,score} are the best hypothesis's (ESPnet's asr_inference
names), OUT/<k>best_recog/ the same of the k-th best (`decode --nbest`), OUT/.done what
the decode was made from (fama_espnet/provenance.py).
"""
from pathlib import Path
from typing import List, Optional

from fama_espnet import hub, provenance
from fama_espnet.decoding import options as decoding_options

# One table of each per hypothesis.
OUTPUTS = ("text", "token", "token_int", "score")


def decode_files(out: Path) -> List[Path]:
    """The tables a decode output holds, relative to it: OUTPUTS, then <k>best_recog's."""
    nbest = sorted((d for d in out.glob("*best_recog") if d.is_dir()), key=lambda d: int(d.name.split("best")[0]))
    return [Path(n) for n in OUTPUTS if (out / n).is_file()] + \
        [d.relative_to(out) / n for d in nbest for n in OUTPUTS if (d / n).is_file()]


def made_from(model: str, data: Path, task: str, options: dict, dtype: str, nbest: Optional[int] = None,
              long_form: bool = False) -> dict:
    """What a decode of `data` is made from: the one definition of a decode's identity
    (`long_form`: of bin/decode_long's, which also reads the long-form options)."""
    return {"model": [provenance.file_identity(f) for f in hub.model_files(model).values()],
            "data": provenance.dir_identity(data), "task": task, "dtype": dtype,
            "decoding": decoding_options.resolved(options, long_form), "nbest": nbest}
