# shellcheck shell=bash  # sourced by the user's shell
# Source me: puts tools/venv (made by tools/setup.sh) first on PATH.
_fama_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -x "${_fama_root}/tools/venv/bin/python" ]; then
  echo "tools/venv is missing: run 'bash tools/setup.sh' first" >&2
  # shellcheck disable=SC2317  # exit when run instead of sourced
  return 1 2>/dev/null || exit 1
fi
# shellcheck source=/dev/null  # the venv's own script, written by python -m venv
. "${_fama_root}/tools/venv/bin/activate"
unset _fama_root
