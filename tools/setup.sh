#!/usr/bin/env bash
# Idempotent set-up: tools/venv from Python 3.12/3.13 with fama_espnet installed
# editable (plus the [test] extra with --test). Re-running only installs what is
# missing. Usage: bash tools/setup.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

find_python() {
  local cand v
  for cand in "${FAMA_PYTHON:-}" python3.12 python3.13; do
    [ -n "$cand" ] || continue
    if "$cand" -c 'import sys; assert (3, 12) <= sys.version_info[:2] < (3, 14)' 2>/dev/null; then
      command -v "$cand"; return 0
    fi
  done
  # pyenv installs that are not the active version are not on PATH.
  for v in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[23].*/bin/python3; do
    [ -x "$v" ] && { echo "$v"; return 0; }
  done
  return 1
}

if [ ! -x tools/venv/bin/python ]; then
  py=$(find_python) || {
    echo "tools/setup.sh: need Python 3.12 or 3.13 (espnet==202611 requires it)." >&2
    echo "Install it (e.g. 'pyenv install 3.12' or your distribution's python3.12)," >&2
    echo "or point FAMA_PYTHON at its interpreter, then run this again." >&2
    exit 1
  }
  echo "tools/setup.sh: creating tools/venv with $py"
  rm -rf tools/venv.tmp
  "$py" -m venv tools/venv.tmp
  mv tools/venv.tmp tools/venv
fi

stamp=tools/venv/.installed${extras:+-test}
if [ ! -f "$stamp" ] || [ setup.py -nt "$stamp" ]; then
  tools/venv/bin/python -m pip install -q --upgrade "pip<26"
  tools/venv/bin/python -m pip install -q -e ".${extras}"
  touch "$stamp"
fi
echo "tools/setup.sh: ready (source tools/activate_python.sh)"
