"""Join the outputs of job-parallel decoding: `python -m fama_espnet.bin.merge_decodes
--parts OUT/logdir/output.* --data D --output OUT`.

The parts must come from one model, task and set of decoding options (their .done);
OUT/.done records the same, for the whole data dir D (what `decode --check` compares).
Every file decode writes is joined: text, token, token_int, score, and each
<k>best_recog/ of them (`decode --nbest`).
"""
import argparse
import shutil
import sys
from pathlib import Path
from typing import Optional, Sequence

from fama_espnet import provenance
from fama_espnet.cli import fail
from fama_espnet.data.kaldi_dir import read_table, write_table
from fama_espnet.decode_dir import decode_files
from fama_espnet.files import DONE_MARK, write_text


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--parts", nargs="+", required=True, type=Path)
    p.add_argument("--data", required=True, type=Path, help="the data dir the parts were split from")
    p.add_argument("--output", required=True, type=Path)
    a = p.parse_args(argv)
    made = [provenance.recorded(d) for d in a.parts]
    unfinished = [str(d) for d, m in zip(a.parts, made) if m is None]
    if unfinished:
        return fail("merge_decodes", f"decoding jobs did not finish: {unfinished}")
    common = [{k: v for k, v in m.items() if k != "data"} for m in made]
    if any(c != common[0] for c in common):
        return fail("merge_decodes", f"{a.parts} were decoded with different models or options")
    names = decode_files(a.parts[0])
    for d in a.parts:
        if decode_files(d) != names:
            return fail("merge_decodes", f"{d} holds {[str(n) for n in decode_files(d)]}, {a.parts[0]} holds "
                        f"{[str(n) for n in names]}")
    merged = {n: {} for n in names}
    for d in a.parts:
        for n in names:
            part = read_table(d / n)
            dup = set(part) & set(merged[n])
            if dup:
                return fail("merge_decodes", f"{d / n}: utterances decoded twice: {sorted(dup)[:5]}")
            merged[n].update(part)
    expected = set(read_table(a.data / "wav.scp"))
    if set(merged[Path("text")]) != expected:
        return fail("merge_decodes", f"the parts hold {len(merged[Path('text')])} utterances, {a.data} has "
                    f"{len(expected)}")
    a.output.mkdir(parents=True, exist_ok=True)
    (a.output / DONE_MARK).unlink(missing_ok=True)  # the output is current only once all of it is written
    for old in decode_files(a.output):  # a previous merge's files (another --nbest) go
        (a.output / old).unlink()
    for d in a.output.glob("*best_recog"):
        shutil.rmtree(d)
    for n, rows in merged.items():
        (a.output / n).parent.mkdir(parents=True, exist_ok=True)
        write_table(a.output / n, rows)
    write_text(a.output / DONE_MARK, provenance.stamp({**common[0], "data": provenance.dir_identity(a.data)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
