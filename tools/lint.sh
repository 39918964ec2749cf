#!/usr/bin/env bash
# The lint CI runs (.ci/run): ruff on the Python (settings in pyproject.toml), shellcheck
# on every shell script of the project (settings in .shellcheckrc). Needs the [test] extra:
# bash tools/setup.sh --test. Usage: bash tools/lint.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Each real file once: the recipes' fama.sh, path.sh and utils/ are links to TEMPLATE's.
# fama.sh is checked through a recipe's link, so that the ./cmd.sh it sources is found.
scripts=(
  .ci/run tools/*.sh
  egs2/TEMPLATE/s2t1/path.sh egs2/TEMPLATE/s2t1/utils/*.sh egs2/mini_fama/s2t1/fama.sh
  egs2/*/s2t1/run.sh egs2/*/s2t1/cmd.sh egs2/*/s2t1/db.sh egs2/*/s2t1/local/*.sh
)

rc=0  # run both, so that one run reports every violation
tools/venv/bin/ruff check . || rc=1
tools/venv/bin/shellcheck "${scripts[@]}" || rc=1
exit "${rc}"
