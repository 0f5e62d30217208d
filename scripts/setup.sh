#!/usr/bin/env bash
# Set up a fresh machine for Guarantor: a virtual environment in .venv with the package
# (and, with `dev`, its development tools). Idempotent: re-running with an unchanged
# pyproject.toml is quick.
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
# `setup.sh` installs what the app needs to run; `setup.sh dev` adds the test and quality
# tools (scripts/test.sh asks for it). A dev install satisfies both.
mode=${1:-run}
case "$mode" in
  run) spec='.' ;;
  dev) spec='.[dev]' ;;
  *) echo "setup.sh: unknown mode '$mode'; expected 'run' or 'dev'" >&2; exit 2 ;;
esac
stamp=.venv/.guarantor-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)
if [ "$have" != "$want dev" ] && [ "$have" != "$want $mode" ]; then
  echo "installing Guarantor ($mode) into .venv ..."
  .venv/bin/python -m pip install --quiet -e "$spec"
  echo "$want $mode" > "$stamp"
fi
