"""An import killed with SIGKILL half-way leaves nothing behind, and the next one completes.

The generated file has 200,000 canonical records (some of them re-sends of earlier ones). A
child process imports it through the real importer, geocoder and intake service into the
store, and is killed with SIGKILL once it has written a few chunks in its open transaction.
The import is then run again to the end. Also here: the generator is deterministic.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from guarantor.evidence.reports import Source
from guarantor.io.admin_lookup import assign_admin
from guarantor.io.formats.registry import IMPORTERS
from guarantor.io.gazetteer import Gazetteer
from guarantor.services.intake import Geocoder, ingest
from guarantor.storage import SqlReportStore
from guarantor.storage.report_tables import reports

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "scripts" / "generate_reports.py"
ROWS = 200_000
CHUNK_ROWS = 10_000
SOURCE = Source("desk-upload", "Desk upload", "patrol", "C")
KILL_AFTER_CHUNKS = 3
TIME_LIMIT_S = 300

CHILD = """
import sys
from pathlib import Path
from guarantor.evidence.reports import Source
from guarantor.io.admin_lookup import assign_admin
from guarantor.io.formats.registry import IMPORTERS
from guarantor.io.gazetteer import Gazetteer
from guarantor.services.intake import Geocoder, ingest
from guarantor.storage import SqlReportStore, make_engine

url, path, chunk_rows = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
store = SqlReportStore(make_engine(url))
geocoder = Geocoder(Gazetteer.shipped(), assign_admin)
source = Source("desk-upload", "Desk upload", "patrol", "C")
print("started", flush=True)
ingest(path, IMPORTERS["canonical_csv"], source, store, geocoder, chunk_rows=chunk_rows,
       progress=lambda n: print("chunk", n, flush=True))
print("finished", flush=True)
"""


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_reports", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generator_writes_the_same_bytes_for_the_same_seed(tmp_path: Path) -> None:
    generator = load_generator()
    generator.main(["--rows", "1000", "--seed", "11", "--out", str(tmp_path / "a.csv")])
    subprocess.run(
        [sys.executable, str(GENERATOR), "--rows", "1000", "--seed", "11", "--out",
         str(tmp_path / "b.csv")],
        check=True, capture_output=True,
    )  # fmt: skip
    generator.main(["--rows", "1000", "--seed", "12", "--out", str(tmp_path / "c.csv")])
    first = (tmp_path / "a.csv").read_bytes()
    assert first == (tmp_path / "b.csv").read_bytes()
    assert first != (tmp_path / "c.csv").read_bytes()
    frame = pl.read_csv(tmp_path / "a.csv", infer_schema_length=0)
    assert frame.height == 1000
    assert tuple(frame.columns) == generator.CSV_COLUMNS
    assert frame["observed_at"].str.ends_with("Z").all()
    assert frame["lat"].null_count() > 0 and frame["place_name"].null_count() < 1000


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    path = tmp_path / "reports.csv"
    load_generator().main(["--rows", str(ROWS), "--seed", "2015", "--out", str(path)])
    return path


def distinct_keys(path: Path) -> int:
    chunks = IMPORTERS["canonical_csv"].chunks(path, source=SOURCE, chunk_rows=50_000)
    keys = pl.concat([c.reports.select("report_key") for c in chunks])
    return keys["report_key"].n_unique()


def kill_while_writing(database_url: str, path: Path, errors: Path, store: SqlReportStore) -> None:
    """Start the import in a child, wait until its batch runs and some chunks are written in
    its open transaction, then SIGKILL it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with errors.open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, database_url, str(path), str(CHUNK_ROWS)],
            stdout=subprocess.PIPE, stderr=stderr, env=env,
        )  # fmt: skip
    assert child.stdout is not None
    chunks, deadline = 0, time.monotonic() + TIME_LIMIT_S
    try:
        for line in child.stdout:  # one line per chunk written: a poll, not a blind sleep
            chunks += line.startswith(b"chunk")
            if chunks >= KILL_AFTER_CHUNKS or time.monotonic() > deadline:
                break
        statuses = [b.status for b in store.batches()]
        assert child.poll() is None, f"the import ended before it was killed: {statuses}"
        assert chunks >= KILL_AFTER_CHUNKS, errors.read_text()
        assert statuses == ["running"]
        child.send_signal(signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)
        child.stdout.close()


def test_an_import_killed_half_way_leaves_nothing_and_the_rerun_stores_every_report_once(
    database_url: str, migrated_engine: Engine, generated: Path, tmp_path: Path
) -> None:
    store = SqlReportStore(migrated_engine)
    kill_while_writing(database_url, generated, tmp_path / "child.err", store)

    (killed,) = store.batches()
    assert killed.status == "running"  # nobody marked it yet
    assert store.count_reports() == 0  # the chunks written in its transaction are gone

    geocoder = Geocoder(Gazetteer.shipped(), assign_admin)
    summary = ingest(
        generated, IMPORTERS["canonical_csv"], SOURCE, store, geocoder, chunk_rows=50_000
    )

    expected = distinct_keys(generated)
    assert store.count_reports() == expected
    with migrated_engine.connect() as connection:
        keys = connection.execute(
            sa.select(sa.func.count(sa.distinct(reports.c.report_key)))
        ).scalar_one()
    assert keys == expected  # no report stored twice
    batches = {b.batch_id: b for b in store.batches()}
    assert batches[killed.batch_id].status == "abandoned"
    final = batches[summary.batch_id]
    assert final.status == "complete"
    assert final.read == ROWS
    assert final.read == final.accepted + final.rejected + final.duplicate
    assert final.accepted == expected
    assert final.duplicate == ROWS - final.rejected - expected > 0  # the re-sent records
