"""One of FAMA's test sets from its corpus's release layout -> a Kaldi-style data dir:

  python -m fama_espnet.bin.prepare_test_set --corpus commonvoice --root cv-corpus-X/en --lang en \\
      --outdir data/test_commonvoice_en
  python -m fama_espnet.bin.prepare_test_set --corpus librispeech --root LibriSpeech --split test-other ...
  python -m fama_espnet.bin.prepare_test_set --corpus mls --root mls_italian --lang it ...
  python -m fama_espnet.bin.prepare_test_set --corpus voxpopuli --root VOXPOPULI_ROOT --lang en ...
  python -m fama_espnet.bin.prepare_test_set --corpus fleurs --root fleurs/data --lang en [--tgt_lang it] ...
  python -m fama_espnet.bin.prepare_test_set --corpus covost2 --root COVOST_TSVS --clips cv-it/clips \\
      --lang it --tgt_lang en ...

The layouts read are described in fama_espnet/data/test_sets.py. A finished --outdir
made with the same options is skipped; one made with others is refused, naming what
differs. Exits 1, writing nothing, when the release is incomplete.
"""
import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from fama_espnet import provenance
from fama_espnet.cli import fail, str2bool
from fama_espnet.data.test_sets import PREPARERS, TestSetError, write_test_set

DEFAULT_SPLIT = {"librispeech": "test-clean"}


def get_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", required=True, choices=sorted(PREPARERS))
    p.add_argument("--root", required=True, help="the corpus release dir (see the examples)")
    p.add_argument("--outdir", required=True, help="data dir to write")
    p.add_argument("--lang", default="en", help="source language (librispeech: always en)")
    p.add_argument("--tgt_lang", default=None, help="fleurs, covost2: translation language")
    p.add_argument("--split", default=None, help="split name (default: test; librispeech: test-clean)")
    p.add_argument("--clips", default=None, help="covost2: the Common Voice clips/ dir of --lang")
    p.add_argument("--allow_missing_audio", type=str2bool, default=False,
                   help="skip (and report) rows whose audio file is missing instead of failing")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    a = get_parser().parse_args(argv)
    made_from = {k: v for k, v in vars(a).items() if k != "outdir"}
    made_from["root"] = str(Path(a.root).resolve())
    try:  # before reading the release, which can be large
        if provenance.check_data_output(a.outdir, made_from, "prepare_test_set"):
            print(f"prepare_test_set: {a.outdir} is complete (same options), skipped", file=sys.stderr)
            return 0
    except provenance.StaleOutput as e:
        return fail("prepare_test_set", e)
    split = a.split or DEFAULT_SPLIT.get(a.corpus, "test")
    kwargs = {"split": split}
    if a.corpus in ("commonvoice", "mls", "voxpopuli", "fleurs"):
        kwargs["lang"] = a.lang
    if a.corpus == "fleurs":
        kwargs["tgt_lang"] = a.tgt_lang
    if a.corpus == "covost2":
        if a.clips is None or a.tgt_lang is None:
            return fail("prepare_test_set", "covost2 needs --clips and --tgt_lang")
        kwargs.update(clips=a.clips, src_lang=a.lang, tgt_lang=a.tgt_lang)
    source = f"{a.corpus} {a.root} ({split}, {a.lang}{'->' + a.tgt_lang if a.tgt_lang else ''})"
    try:
        summary = write_test_set(PREPARERS[a.corpus](a.root, **kwargs), a.outdir, source, a.allow_missing_audio,
                                 made_from)
    except TestSetError as e:
        return fail("prepare_test_set", f"{source}: {e}")
    print(summary, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
