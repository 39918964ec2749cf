"""Join the outputs of job-parallel decoding: `python -m fama_espnet.bin.merge_decodes
--parts OUT/logdir/output.* --output OUT [--config decode.yaml --model M]`."""
import argparse
from pathlib import Path

import yaml

from fama_espnet.data.kaldi_dir import read_table, write_table, write_text


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--parts", nargs="+", required=True, type=Path)
    p.add_argument("--output", required=True, type=Path)
    p.add_argument("--config", type=Path)
    p.add_argument("--model")
    a = p.parse_args(argv)
    unfinished = [str(d) for d in a.parts if not (d / ".done").exists()]
    if unfinished:
        raise SystemExit(f"decoding jobs did not finish: {unfinished}")
    merged = {}
    for d in a.parts:
        part = read_table(d / "text")
        dup = set(part) & set(merged)
        if dup:
            raise SystemExit(f"{d}: utterances decoded twice: {sorted(dup)[:5]}")
        merged.update(part)
    a.output.mkdir(parents=True, exist_ok=True)
    write_table(a.output / "text", merged)
    info = yaml.safe_load(a.config.read_text()) if a.config else {}
    info.update(model=a.model, parts=len(a.parts), utterances=len(merged))
    write_text(a.output / ".done", yaml.safe_dump(info, sort_keys=False))


if __name__ == "__main__":
    main()
