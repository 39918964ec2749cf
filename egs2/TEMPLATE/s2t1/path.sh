# shellcheck shell=bash  # sourced by the recipe scripts
# Puts the project's tools/venv first on PATH (made by tools/setup.sh).
# FAMA_ROOT: the repository (set it when the recipe is copied elsewhere).
_root="${FAMA_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
if [ ! -x "${_root}/tools/venv/bin/python" ]; then
  echo "tools/venv is missing: run 'bash ${_root}/tools/setup.sh' first" >&2
  exit 1
fi
export PATH="${_root}/tools/venv/bin:${PATH}"
export PYTHONUNBUFFERED=1
# Two cores: one intra-op thread pool, no oversubscription by BLAS.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$(nproc)}
unset _root
