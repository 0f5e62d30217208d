"""SQLite's bulk-index mode (guarantor.storage.report_bulk): a batch into a table no bigger
than its first chunk drops the secondary indexes of ``reports`` and creates them again before
it commits. After a commit, a failure or a kill -9 the schema is exactly the one before, and
the rows stored are the same as by the plain path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from test_report_store import PATROL, info, make_reports, no_issues

from guarantor.storage import SqlReportStore, make_engine, upgrade

SCHEMA_SQL = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master "
    "WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name"
)
SECONDARY = {
    "ix_reports_admin1",
    "ix_reports_event_ref",
    "ix_reports_observed_at",
    "ix_reports_source_id",
    "ix_reports_type",
}


def schema(engine: Engine) -> list[tuple[str, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(SCHEMA_SQL)]


def report_indexes(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("PRAGMA index_list(reports)").all()
    return {row[1] for row in rows}


def write_batch(store: SqlReportStore, *chunks: pl.DataFrame) -> bool:
    """Write ``chunks`` as one committed batch; return whether it ran in bulk-index mode."""
    accepted = duplicate = read = 0
    with store.batch(info()) as writer:
        writer.ensure_sources([PATROL])
        for chunk in chunks:
            added, dupes = writer.write(chunk, no_issues(), no_issues())
            accepted, duplicate, read = accepted + added, duplicate + dupes, read + chunk.height
        bulk = writer.bulk_indexes
        writer.commit(read, accepted, 0, duplicate)
    return bulk


def sqlite_engine(folder: Path) -> Engine:
    engine = make_engine(f"sqlite:///{folder / 'guarantor.db'}")
    upgrade(engine)
    return engine


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return sqlite_engine(tmp_path)


def test_a_bulk_batch_leaves_exactly_the_schema_it_found_and_its_indexes_are_used(
    engine: Engine,
) -> None:
    before = schema(engine)
    assert report_indexes(engine) >= SECONDARY
    store = SqlReportStore(engine)
    assert write_batch(store, make_reports(40), make_reports(40, first=40)) is True
    assert schema(engine) == before
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM reports WHERE admin1 = 'Donetsk Oblast'"
        ).all()
        counted = connection.exec_driver_sql(
            "SELECT count(*) FROM reports INDEXED BY ix_reports_observed_at "
            "WHERE observed_at > '2000-01-01'"
        ).scalar_one()
    assert "ix_reports_admin1" in " ".join(str(row) for row in plan)
    assert counted == 80
    assert store.count_reports() == 80


def test_a_batch_into_a_bigger_table_keeps_its_indexes_and_both_paths_store_the_same_rows(
    tmp_path: Path,
) -> None:
    rows = make_reports(200)
    bulk_engine, plain_engine = sqlite_engine(tmp_path / "bulk"), sqlite_engine(tmp_path / "p")
    bulk_store, plain_store = SqlReportStore(bulk_engine), SqlReportStore(plain_engine)
    assert write_batch(bulk_store, rows.head(50), rows.slice(50, 50), rows.tail(100)) is True
    assert write_batch(plain_store, rows.tail(100)) is True  # 100 held, then plain:
    assert write_batch(plain_store, rows.head(60), rows.slice(60, 140)) is False
    bulk_rows, plain_rows = bulk_store.reports_frame(), plain_store.reports_frame()
    assert bulk_rows.height == plain_rows.height == 200
    assert bulk_rows.equals(plain_rows)
    assert bulk_rows.equals(rows.sort("report_key"))
    assert schema(bulk_engine) == schema(plain_engine)


def test_a_bulk_batch_that_fails_is_rolled_back_with_its_indexes(engine: Engine) -> None:
    store = SqlReportStore(engine)
    before = schema(engine)
    batch = info()
    with pytest.raises(RuntimeError, match="disk on fire"), store.batch(batch) as writer:
        writer.ensure_sources([PATROL])
        writer.write(make_reports(30), no_issues(), no_issues())
        assert writer.bulk_indexes
        raise RuntimeError("disk on fire")
    assert schema(engine) == before
    assert store.count_reports() == 0
    assert store.batch_summary(batch.batch_id).status == "abandoned"
    assert write_batch(store, make_reports(30)) is True
    assert store.count_reports() == 30
    assert schema(engine) == before


KILLED_CHILD = """
import sys, time
sys.path.insert(0, sys.argv[2])
from guarantor.storage import SqlReportStore, make_engine
from test_report_store import PATROL, info, make_reports, no_issues
store = SqlReportStore(make_engine(sys.argv[1]))
with store.batch(info()) as writer:
    writer.ensure_sources([PATROL])
    writer.write(make_reports(500), no_issues(), no_issues())
    print("bulk" if writer.bulk_indexes else "plain", flush=True)
    time.sleep(600)
"""


def test_a_bulk_batch_killed_half_way_leaves_the_schema_and_no_rows(
    engine: Engine, tmp_path: Path
) -> None:
    before = schema(engine)
    here = Path(__file__).resolve().parent
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_CHILD, str(engine.url), str(here)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "bulk"  # indexes dropped, not committed
        with engine.connect() as reader:  # a reader keeps the committed snapshot meanwhile
            assert {row[1] for row in reader.exec_driver_sql(
                "PRAGMA index_list(reports)")} >= SECONDARY  # fmt: skip
    finally:
        child.kill()
        child.wait()
    assert schema(engine) == before
    store = SqlReportStore(engine)
    assert store.count_reports() == 0
    assert write_batch(store, make_reports(500)) is True
    assert store.count_reports() == 500
    with engine.connect() as connection:
        statuses = connection.execute(sa.text("SELECT status FROM import_batches")).scalars()
        assert sorted(statuses) == ["abandoned", "complete"]
    assert schema(engine) == before
