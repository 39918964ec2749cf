#!/usr/bin/env bash
# mini_fama: FAMA's two-step recipe end to end on an embedded, generated en/it corpus.
# Runs on a 2-core CPU in about 15 minutes: ./run.sh [--stage N --stop_stage M ...]
set -euo pipefail
cd "$(dirname "$0")"

./fama.sh \
  --train_set train --valid_set dev --test_sets "test" \
  --nbpe 400 --avg_num 5 --feats_type fbank \
  --step1_config conf/train_step1.yaml --step2_config conf/train_step2.yaml \
  --decode_config conf/decode.yaml --inference_nj 2 --decode_batch_seconds 60 \
  --model_name fama_mini --results_command "$0 $*" "$@"
