#!/usr/bin/env bash
# Set up a fresh machine for Guarantor: a virtual environment in .venv with the package
# and its development tools. Idempotent: re-running with an unchanged pyproject.toml is quick.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Guarantor needs Python 3.11 or newer as '$PYTHON' (set PYTHON=python3.11)." >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv || {
    echo "python3 -m venv failed; on Debian install it with: apt-get install -y python3-venv" >&2
    exit 2
  }
fi
stamp=.venv/.guarantor-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "installing Guarantor and its tools into .venv ..."
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  echo "$want" > "$stamp"
fi
