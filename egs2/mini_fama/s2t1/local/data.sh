#!/usr/bin/env bash
# Generates the embedded bilingual corpus (espeak-ng speech, seeded) into data/{train,dev,test}.
# A rerun with the same options does nothing; with other options, remove data/ first.
set -euo pipefail
num_pairs=8000   # sentence pairs in all splits, each spoken in English and in Italian
dev_pairs=""     # default: num_pairs / 10, at most 100
test_pairs=""
seed=0
nj=2
. utils/parse_options.sh
python -m fama_espnet.bin.make_mini_corpus --outdir data --num_pairs "${num_pairs}" --seed "${seed}" --nj "${nj}" \
  ${dev_pairs:+--dev_pairs "${dev_pairs}"} ${test_pairs:+--test_pairs "${test_pairs}"}
