"""Imports fairseq speech-to-text TSV manifests (FBK-fairseq's training data) as
Kaldi-style data dirs whose wav.scp holds the manifests' audio entries, read in place
by ESPnet's `fairseq_audio` data type (no audio is converted).

  python -m fama_espnet.bin.import_tsv --tsv train_commonvoice-en.tsv --outdir data/train_commonvoice-en \\
      [--root AUDIO_ROOT] [--languages en it] [--src_lang en] [--tgt_lang en] [--fs 16000]
  python -m fama_espnet.bin.import_tsv --dataroot $DATAROOT --outdir data \\
      [--subsets train_commonvoice-en dev_commonvoice-en ...] [--config_yaml $DATAROOT/config.yaml]

--root (or the config's audio_root) is what relative audio paths are relative to;
default: the manifest's directory. With --dataroot every `<subset>.tsv` (or only
--subsets) becomes <outdir>/<subset>, languages missing from a row taken from the
subset name (train_st_covost2-it_en: it -> en). Unusable rows are listed by manifest
line in <outdir>/import_report.txt. A finished dir made from the same manifest and
options is skipped; one made otherwise is refused, naming what differs. Exits 1,
leaving the dir untouched, when a manifest has no usable row.
Train on a dir with `--train_data_path_and_name_and_type DIR/wav.scp,speech,fairseq_audio`,
and with `--input_size 80` (no front-end) when DIR/feats_type says fbank.
"""
import argparse
import sys
from typing import Optional, Sequence

from fama_espnet.cli import fail
from fama_espnet.data.fairseq_tsv import TsvError, import_fama_dataroot, import_tsv, read_audio_root
from fama_espnet.data.speech_format import SAMPLE_RATE
from fama_espnet.provenance import StaleOutput
from fama_espnet.tokens import LANGUAGES


def get_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--tsv", help="one manifest, imported into --outdir")
    source.add_argument("--dataroot", help="fairseq data root: each <subset>.tsv into --outdir/<subset>")
    parser.add_argument("--outdir", required=True, help="data dir (--tsv) or parent of data dirs (--dataroot)")
    parser.add_argument("--root", default=None, help="audio root for relative audio paths")
    parser.add_argument("--config_yaml", default=None, help="fairseq data config whose audio_root to use")
    parser.add_argument("--subsets", nargs="+", default=None, help="with --dataroot: only these subsets")
    parser.add_argument("--languages", nargs="+", default=list(LANGUAGES),
                        help="accepted language codes (`en it` or `en,it`)")
    parser.add_argument("--src_lang", default=None, help="with --tsv: source language of rows without one")
    parser.add_argument("--tgt_lang", default=None, help="with --tsv: target language of rows without one")
    parser.add_argument("--fs", type=int, default=SAMPLE_RATE, help="required audio sample rate")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = get_parser().parse_args(argv)
    languages = [code for arg in args.languages for code in arg.split(",") if code]
    root = args.root or (read_audio_root(args.config_yaml) if args.config_yaml else None)
    try:
        if args.tsv:
            results = {args.tsv: import_tsv(args.tsv, args.outdir, root=root, languages=languages,
                                            src_lang=args.src_lang, tgt_lang=args.tgt_lang, fs=args.fs)}
        else:
            results = import_fama_dataroot(args.dataroot, args.outdir, subsets=args.subsets,
                                           audio_root=root, languages=languages, fs=args.fs)
    except (TsvError, StaleOutput) as e:
        return fail("import_tsv", e)
    for name, result in results.items():
        print(result.summary if result
              else f"import_tsv: {name}: already imported (same manifest and options), skipped",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
