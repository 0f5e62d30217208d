#!/usr/bin/env bash
# The main job: set up, then start the desk (`guarantor serve`) on the embedded SQLite
# database (var/guarantor.db, or GUARANTOR_DATABASE_URL) at http://127.0.0.1:8000/.
# On the first run (an empty database) serve loads the shipped agreements and real records
# (UCDP GED 2014-2022, VIINA 2022-2025), fuses them and judges them by both agreements, with a
# progress bar; in development it also makes the first user and prints its password once.
# Later runs serve at once. Options go to serve: bash scripts/run.sh --host 0.0.0.0 --port 8080
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/guarantor serve "$@"
