"""Intake speed: the canonical CSV at N rows (default 1,000,000), validated, geocoded and
stored in SQLite through the same service the CLI uses, against a row-by-row pandas +
pydantic baseline on the same file. Prints rows per second, peak memory and the ratio.

    .venv/bin/python benchmarks/intake.py [--rows 1000000] [--baseline-rows 100000]
    .venv/bin/python benchmarks/intake.py --stream-gb 2 [--bound-mb 1536]
    .venv/bin/python benchmarks/intake.py --rows 200000 --stages

Next to wall time each line prints the process CPU time and the load average: on a shared
machine CPU time is the steadier figure.

Each side runs in its own child process, one after the other, so that peak memory (max RSS)
is each side's own. The baseline parses and validates each row with a Pydantic model and
inserts it with one INSERT per row in one transaction: the way a small script would do it.

``--stream-gb N`` is the memory mode: it writes a canonical CSV of about N GB (generated part
by part, so the generator's memory stays small too; each part's record ids are made unique),
imports it the same way, prints the peak RSS (``ru_maxrss`` of the importing process) against
``--bound-mb`` and deletes the file and the database. The importer streams the file in chunks
of 100,000 records and the next chunk is prepared while one is written, so the peak does not
grow with the file.

``--stages`` times the two halves of the intake alone on the same file: "prepare" (read,
geocode, validate every chunk; nothing stored) and "storage" (every chunk prepared first and
kept in memory, then only the batch's writing is timed; so keep ``--rows`` to a few hundred
thousand).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import polars as pl

REPO = Path(__file__).resolve().parents[1]
GENERATOR = REPO / "scripts" / "generate_reports.py"
STREAM_PART_ROWS = 500_000

OURS = r"""
import json, os, resource, sys, time
from pathlib import Path
from guarantor.bootstrap.app import build_application
from guarantor.evidence.reports import Source
from guarantor.services.intake import ingest
path, data_dir = Path(sys.argv[1]), sys.argv[2]
app = build_application(data_dir=Path(data_dir))
app.migrate()
geocoder = app.geocoder()
geocoder.resolver.resolve  # loaded before the clock starts
start = time.perf_counter()
summary = ingest(path, app.importer(path, None, None), Source("bench", "bench", "patrol", "B"),
                 app.report_store(), geocoder)
seconds = time.perf_counter() - start
print(json.dumps({"rows": summary.read, "seconds": seconds, "accepted": summary.accepted,
                  "rejected": summary.rejected, "duplicate": summary.duplicate,
                  "cpu_s": time.process_time(), "load": os.getloadavg()[0],
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

# The two halves of the intake, each alone. "prepare": read, geocode and validate every chunk
# (the service's own _prepare), nothing stored. "storage": every chunk prepared first and
# kept in memory (so use a few hundred thousand rows), then only the writing is timed.
STAGES = r"""
import json, os, sys, time
from datetime import UTC, datetime
from pathlib import Path
from guarantor.bootstrap.app import build_application
from guarantor.evidence.reports import Source
from guarantor.services.intake import _prepare
from guarantor.services.intake_ports import BatchInfo
stage, path, data_dir = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
app = build_application(data_dir=Path(data_dir))
app.migrate()
geocoder = app.geocoder()
geocoder.resolver.resolve
source = Source("bench", "bench", "patrol", "B")
chunks = app.importer(path, None, None).chunks(path, source=source, chunk_rows=100_000)
store = app.report_store()
start, cpu = time.perf_counter(), time.process_time()
parts = _prepare(chunks, {}, source, geocoder, None)
if stage == "storage":
    parts = list(parts)
    start, cpu = time.perf_counter(), time.process_time()
    info = BatchInfo("bench", str(path), "0" * 64, 0, "canonical_csv", source.id,
                     datetime.now(UTC))
    with store.batch(info) as writer:
        writer.ensure_sources([source])
        read = added = dupes = rejected = 0
        for part in parts:
            writer.ensure_sources(part.sources)
            new, again = writer.write(part.valid, part.rejections, part.warnings)
            read, added, dupes = read + part.records, added + new, dupes + again
            rejected += part.rejected
        writer.commit(read, added, rejected, dupes)
rows = sum(p.records for p in parts)
print(json.dumps({"rows": rows, "seconds": time.perf_counter() - start,
                  "cpu_s": time.process_time() - cpu, "load": os.getloadavg()[0]}))
"""

BASELINE = r"""
import json, resource, sqlite3, sys, time
from datetime import datetime
import pandas as pd
from pydantic import BaseModel, field_validator
class Row(BaseModel):
    source_id: str
    observed_at: datetime
    type: str
    lat: float | None = None
    lon: float | None = None
    time_precision: int = 1
    place_precision: int | None = None
    credibility: int | None = None
    reliability: str | None = None
    text: str | None = None
    @field_validator("lat")
    @classmethod
    def _lat(cls, v):
        if v is not None and not -90 <= v <= 90:
            raise ValueError("latitude")
        return v
path, rows = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(sys.argv[3])
db.execute("create table reports (k text primary key, source_id text, observed_at text, type text,"
           " lat real, lon real, time_precision int, place_precision int, credibility int,"
           " reliability text, text text, raw text)")
start = time.perf_counter()
frame = pd.read_csv(path, nrows=rows, dtype=str, keep_default_na=False)
ok = 0
for n, record in enumerate(frame.to_dict("records")):
    clean = {k: (v if v != "" else None) for k, v in record.items()}
    try:
        row = Row.model_validate(clean)
    except Exception:
        continue
    db.execute("insert or ignore into reports values (?,?,?,?,?,?,?,?,?,?,?,?)",
               (f"{row.source_id}:{n}", row.source_id, row.observed_at.isoformat(), row.type,
                row.lat, row.lon, row.time_precision, row.place_precision, row.credibility,
                row.reliability, row.text, json.dumps(record)))
    ok += 1
db.commit()
seconds = time.perf_counter() - start
print(json.dumps({"rows": len(frame), "seconds": seconds, "accepted": ok,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(code: str, *args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False, cwd=REPO
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_reports", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_big_csv(path: Path, target_bytes: int, seed: int) -> int:
    """A canonical CSV of at least ``target_bytes``, appended part by part; returns its rows."""
    generator = _load_generator()
    rows = part = 0
    with path.open("wb") as out:
        while out.tell() < target_bytes:
            frame = generator.generate(STREAM_PART_ROWS, seed + part)
            frame = frame.with_columns(
                pl.format("p{}-{}", pl.lit(part), pl.col("source_record_id")).alias(
                    "source_record_id"
                ),
                pl.col("observed_at", "observed_until").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            frame.write_csv(out, include_header=part == 0, line_terminator="\n")
            rows += frame.height
            part += 1
    return rows


def stream(gigabytes: float, bound_mb: float, seed: int) -> None:
    """The memory mode (see the module docstring)."""
    with tempfile.TemporaryDirectory() as d:
        csv = Path(d) / "big.csv"
        start = time.perf_counter()
        rows = _write_big_csv(csv, int(gigabytes * 1e9), seed)
        print(
            f"generated {rows:,} canonical rows ({csv.stat().st_size / 1e9:.2f} GB) "
            f"in {time.perf_counter() - start:.1f} s"
        )
        ours = _run(OURS, str(csv), str(Path(d) / "ours"))
    rate = ours["rows"] / ours["seconds"]
    verdict = "bounded" if ours["max_rss_mb"] < bound_mb else "OVER the bound"
    print(
        f"guarantor intake : {ours['rows']:>10,.0f} rows {ours['seconds']:8.1f} s "
        f"{rate:>10,.0f} rows/s  CPU {ours['cpu_s']:.1f} s  load {ours['load']:.1f}  "
        f"(accepted {ours['accepted']:,.0f}, rejected "
        f"{ours['rejected']:,.0f}, duplicate {ours['duplicate']:,.0f})"
    )
    print(f"peak RSS         : {ours['max_rss_mb']:,.0f} MB; bound {bound_mb:,.0f} MB: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stream-gb", type=float, default=0.0, help="memory mode: file size")
    parser.add_argument("--bound-mb", type=float, default=1536.0, help="memory mode: bound")
    parser.add_argument(
        "--stages", action="store_true", help="time prepare alone and storage alone instead"
    )
    args = parser.parse_args()
    if args.stream_gb > 0:
        stream(args.stream_gb, args.bound_mb, args.seed)
        return
    if args.stages:
        stages(args.rows, args.seed)
        return
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "reports.csv"
        ours, base = _compare(csv, folder, args.rows, args.baseline_rows, args.seed)
    _print_comparison(ours, base)


def _generate(csv: Path, rows: int, seed: int) -> None:
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "generate_reports.py"),
            "--rows",
            str(rows),
            "--seed",
            str(seed),
            "--out",
            str(csv),
        ],
        check=True,
        capture_output=True,
    )
    print(
        f"generated {rows:,} canonical rows ({csv.stat().st_size / 1e6:,.0f} MB) "
        f"in {time.perf_counter() - start:.1f} s"
    )


def _compare(
    csv: Path, folder: str, rows: int, baseline_rows: int, seed: int
) -> tuple[dict[str, float], dict[str, float]]:
    _generate(csv, rows, seed)
    ours = _run(OURS, str(csv), str(Path(folder) / "ours"))
    base = _run(BASELINE, str(csv), str(baseline_rows), str(Path(folder) / "base.db"))
    return ours, base


def stages(rows: int, seed: int) -> None:
    """Prepare alone, then storage alone (see STAGES), on the same generated file."""
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "reports.csv"
        _generate(csv, rows, seed)
        for stage in ("prepare", "storage"):
            done = _run(STAGES, stage, str(csv), str(Path(folder) / stage))
            print(
                f"{stage:8s} alone : {done['rows']:>10,.0f} rows {done['seconds']:8.1f} s "
                f"{done['rows'] / done['seconds']:>10,.0f} rows/s  CPU {done['cpu_s']:.1f} s  "
                f"load {done['load']:.1f}"
            )


def _print_comparison(ours: dict[str, float], base: dict[str, float]) -> None:
    ours_rate = ours["rows"] / ours["seconds"]
    base_rate = base["rows"] / base["seconds"]
    print(
        f"guarantor intake : {ours['rows']:>10,.0f} rows {ours['seconds']:8.1f} s "
        f"{ours_rate:>10,.0f} rows/s  peak {ours['max_rss_mb']:,.0f} MB  CPU "
        f"{ours['cpu_s']:.1f} s  load {ours['load']:.1f}  (accepted "
        f"{ours['accepted']:,.0f}, rejected {ours['rejected']:,.0f}, "
        f"duplicate {ours['duplicate']:,.0f})"
    )
    print(
        f"pandas+pydantic  : {base['rows']:>10,.0f} rows {base['seconds']:8.1f} s "
        f"{base_rate:>10,.0f} rows/s  peak {base['max_rss_mb']:,.0f} MB  (row by row)"
    )
    print(
        f"ratio            : {ours_rate / base_rate:.1f}x the baseline's rows/s; goal 300,000 "
        f"rows/s: {'met' if ours_rate >= 300_000 else 'not met'}"
    )


if __name__ == "__main__":
    main()
