#!/usr/bin/env bash
# Generates the embedded bilingual corpus (espeak-ng speech, seeded) into data/{train,dev,test}.
set -euo pipefail
num_pairs=3000
seed=0
nj=2
. utils/parse_options.sh
python -m fama_espnet.bin.make_mini_corpus --outdir data --num_pairs "${num_pairs}" --seed "${seed}" --nj "${nj}"
