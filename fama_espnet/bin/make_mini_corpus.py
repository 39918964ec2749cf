"""Generate the mini_fama corpus (bilingual en/it speech translation spoken by espeak-ng).

  python -m fama_espnet.bin.make_mini_corpus --outdir data/mini_fama --num_pairs 3000 --nj 2

Writes <outdir>/{train,dev,test} Kaldi dirs and <outdir>/wav/; see
fama_espnet.data.mini_corpus for the layout, the splits and the rerun rules (a rerun
with the same parameters does nothing, one with different parameters fails).
"""
import argparse
import logging
import sys
from typing import Optional, Sequence

from fama_espnet.cli import fail
from fama_espnet.data.kaldi_dir import read_table
from fama_espnet.data.mini_corpus import SAMPLE_RATE, CorpusMismatchError, make_corpus


def get_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--outdir", required=True, help="output directory")
    p.add_argument("--num_pairs", type=int, default=3000,
                   help="sentence pairs in all splits together; each is spoken in both languages")
    p.add_argument("--seed", type=int, default=0, help="seed of the sentences and the voice draws")
    p.add_argument("--nj", type=int, default=1, help="synthesis processes")
    p.add_argument("--dev_pairs", type=int, default=None,
                   help="pairs in dev (default: num_pairs/10, at most 100)")
    p.add_argument("--test_pairs", type=int, default=None,
                   help="pairs in test (default: num_pairs/10, at most 100)")
    p.add_argument("--no_progress", action="store_true", help="no progress bar")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = get_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        dirs = make_corpus(args.outdir, args.num_pairs, args.seed, args.nj, args.dev_pairs,
                           args.test_pairs, progress=not args.no_progress)
    except (CorpusMismatchError, ValueError) as err:
        return fail("make_mini_corpus", err)
    for split, path in dirs.items():
        samples = [int(n) for n in read_table(path / "utt2num_samples").values()]
        print(f"{split}: {len(samples)} utterances, {sum(samples) / SAMPLE_RATE / 3600:.2f} h -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
