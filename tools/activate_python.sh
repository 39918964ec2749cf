# Source me: puts tools/venv (made by tools/setup.sh) first on PATH.
_fama_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -x "${_fama_root}/tools/venv/bin/python" ]; then
  echo "tools/venv is missing: run 'bash tools/setup.sh' first" >&2
  return 1 2>/dev/null || exit 1
fi
. "${_fama_root}/tools/venv/bin/activate"
unset _fama_root
