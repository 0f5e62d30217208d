#!/usr/bin/env bash
# The main job: set up, then check, store and show the shipped agreements on the embedded
# SQLite database (var/guarantor.db, or GUARANTOR_DATABASE_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
g=.venv/bin/guarantor
$g db upgrade
$g agreement check
$g agreement load
for agreement in agreements/*/; do
  $g agreement show "$agreement"
done
