#!/usr/bin/env bash
# The whole test suite on a fresh machine: set up, start a real PostgreSQL on loopback, run
# the quality gates (ruff, mypy, import-linter) and pytest on SQLite and PostgreSQL, stop
# PostgreSQL. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
export PATH="$PWD/.venv/bin:$PATH"

pg_url=$(bash scripts/postgres.sh start | tail -n 1)
trap 'bash scripts/postgres.sh stop >/dev/null 2>&1 || true' EXIT
export GUARANTOR_TEST_POSTGRES_URL="$pg_url"
# Debian's Chromium for the browser tests (installed with apt-get when missing).
chromium=$(bash scripts/browser.sh | tail -n 1)
export GUARANTOR_TEST_CHROMIUM="$chromium"

echo "== ruff";          ruff check src tests benchmarks scripts
echo "== ruff format";   ruff format --check src tests benchmarks scripts
echo "== mypy";          mypy
echo "== import-linter"; lint-imports
echo "== pytest";        pytest "$@"
