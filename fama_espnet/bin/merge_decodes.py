"""Join the outputs of job-parallel decoding: `python -m fama_espnet.bin.merge_decodes
--parts OUT/logdir/output.* --data D --output OUT`.

The parts must come from one model, task and set of decoding options (their .done);
OUT/.done records the same, for the whole data dir D (what `decode --check` compares).
"""
import argparse
import sys
from pathlib import Path

from fama_espnet import provenance
from fama_espnet.data.kaldi_dir import DONE_MARK, read_table, write_table, write_text


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--parts", nargs="+", required=True, type=Path)
    p.add_argument("--data", required=True, type=Path, help="the data dir the parts were split from")
    p.add_argument("--output", required=True, type=Path)
    a = p.parse_args(argv)
    made = [provenance.recorded(d) for d in a.parts]
    unfinished = [str(d) for d, m in zip(a.parts, made) if m is None]
    if unfinished:
        print(f"merge_decodes: error: decoding jobs did not finish: {unfinished}", file=sys.stderr)
        return 1
    common = [{k: v for k, v in m.items() if k != "data"} for m in made]
    if any(c != common[0] for c in common):
        print(f"merge_decodes: error: {a.parts} were decoded with different models or options", file=sys.stderr)
        return 1
    merged = {}
    for d in a.parts:
        part = read_table(d / "text")
        dup = set(part) & set(merged)
        if dup:
            print(f"merge_decodes: error: {d}: utterances decoded twice: {sorted(dup)[:5]}", file=sys.stderr)
            return 1
        merged.update(part)
    expected = set(read_table(a.data / "wav.scp"))
    if set(merged) != expected:
        print(f"merge_decodes: error: the parts hold {len(merged)} utterances, {a.data} has {len(expected)}",
              file=sys.stderr)
        return 1
    a.output.mkdir(parents=True, exist_ok=True)
    (a.output / DONE_MARK).unlink(missing_ok=True)  # the output is current only once all of it is written
    write_table(a.output / "text", merged)
    write_text(a.output / DONE_MARK, provenance.stamp({**common[0], "data": provenance.dir_identity(a.data)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
