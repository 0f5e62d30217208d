#!/usr/bin/env bash
# The main job: set up, then check, store and show the shipped agreements, take in the
# shipped real records (UCDP GED 2014-2022, VIINA 2022-2025) and replay the Minsk ceasefire
# on them, on the embedded SQLite database (var/guarantor.db, or GUARANTOR_DATABASE_URL).
# Re-running it is safe: every step is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
g=.venv/bin/guarantor
records=src/guarantor/data/records
$g db upgrade
$g agreement check
$g agreement load
$g ingest "$records/ucdp_ged_ukraine_2014-2022.csv" --source ucdp-ged
for file in "$records"/VIINA_20*_REBUILD.csv; do
  $g ingest "$file" --source viina
done
$g replay minsk
for agreement in agreements/*/; do
  $g agreement show "$agreement"
done
