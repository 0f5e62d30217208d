"""The report store on SQLite and PostgreSQL: batches, idempotence, rollback, issues, round trip."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from guarantor.errors import NotFound, StorageError
from guarantor.evidence.reports import REPORT_COLUMNS, REPORT_SCHEMA, Source, empty_reports
from guarantor.services.intake_ports import BatchInfo, Rejection, rejections_frame
from guarantor.storage import SqlReportStore, make_engine, tables
from guarantor.storage.report_tables import REPORT_COLUMN_TYPES, import_batches, reports

PATROL = Source("osce-smm-patrol-01", "OSCE SMM patrol 1", "patrol", "B", "OSCE SMM")
T0 = datetime(2015, 2, 15, 6, 30, 0, 123456, tzinfo=UTC)


def make_reports(n: int, *, first: int = 0, note: str = "") -> pl.DataFrame:
    """``n`` canonical reports with keys k{first}..; every column used, some nulls, odd text."""
    i = pl.Series(range(first, first + n))
    frame = pl.DataFrame(
        {
            "report_key": [f"k{j:08d}" for j in i],
            "source_id": PATROL.id,
            "source_record_id": [None if j % 7 == 0 else f"rec-{j}" for j in i],
            "event_ref": [None if j % 3 else f"EV{j // 3}" for j in i],
            "reliability": ["B" if j % 5 else None for j in i],
            "credibility": [1 + j % 6 for j in i],
            "observed_at": [T0 + timedelta(minutes=j, microseconds=j) for j in i],
            "observed_until": [None if j % 4 else T0 + timedelta(days=1) for j in i],
            "time_precision": [1 + j % 5 for j in i],
            "lat": [None if j % 9 == 0 else 48.0 + j / 7.0 for j in i],
            "lon": [None if j % 9 == 0 else 37.0 + j / 3.0 for j in i],
            "place_precision": [None if j % 9 == 0 else 1 + j % 4 for j in i],
            "place_name": ["Avdiivka" if j % 2 else "" for j in i],  # "" is not null
            "admin1": ["Donetsk Oblast" if j % 2 else None for j in i],
            "admin2": [None] * n,
            "geonames_id": [713122 if j % 2 else None for j in i],
            "type": ["shelling" if j % 2 else "small_arms_fire" for j in i],
            "type_original": ["обстріл" if j % 2 else 'shots, "bursts"' for j in i],
            "weapon": ["mortar" if j % 2 else None for j in i],
            "weapon_original": [None] * n,
            "calibre_mm": [82.0 if j % 2 else None for j in i],
            "severity": [j % 6 for j in i],
            "deaths": [j % 3 for j in i],
            "injured": [0] * n,
            "claimed_actor": [None] * n,
            "target": ["a house,\nand a well" if j % 10 == 1 else None for j in i],
            "text": [f"report {j}{note}" for j in i],
            "urls": ["https://a.example/1;https://b.example/2"] * n,
            "outlet": [None] * n,
            "releasability": ["PUBLIC" if j % 3 else "REL TO ua,us" for j in i],
            "raw": [f'{{"id": {j}, "note": "{note}", "tab": "\\t"}}' for j in i],
            "row_number": [j + 1 for j in i],
        },
        schema=dict(REPORT_SCHEMA),
    )
    return frame


def no_issues() -> pl.DataFrame:
    return rejections_frame([])


def info(batch_id: str | None = None) -> BatchInfo:
    return BatchInfo(
        batch_id or str(uuid.uuid4()),
        "reports.csv",
        "0" * 64,
        1234,
        "canonical_csv",
        PATROL.id,
        datetime.now(UTC),
    )


def import_frames(store: SqlReportStore, *frames: pl.DataFrame) -> tuple[str, int, int]:
    """One batch writing each frame as a chunk; returns (batch id, accepted, duplicates)."""
    batch = info()
    accepted = duplicate = read = 0
    with store.batch(batch) as writer:
        writer.ensure_sources([PATROL])
        for frame in frames:
            added, dupes = writer.write(frame, no_issues(), no_issues())
            accepted, duplicate, read = accepted + added, duplicate + dupes, read + frame.height
        writer.commit(read, accepted, 0, duplicate)
    return batch.batch_id, accepted, duplicate


@pytest.fixture
def store(migrated_engine: Engine) -> SqlReportStore:
    return SqlReportStore(migrated_engine)


def test_the_reports_table_has_one_column_per_report_field_and_the_migration_matches(
    migrated_engine: Engine,
) -> None:
    assert list(REPORT_COLUMN_TYPES) == list(REPORT_SCHEMA)
    assert [c.name for c in reports.columns] == ["report_key", "batch_id", *REPORT_COLUMNS[1:]]
    with migrated_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), tables.metadata)
    assert differences == []


def test_a_batch_stores_its_chunks_and_its_counts(store: SqlReportStore) -> None:
    batch_id, accepted, duplicate = import_frames(
        store, make_reports(50), make_reports(30, first=50)
    )
    assert (accepted, duplicate) == (80, 0)
    assert store.count_reports() == 80
    summary = store.batch_summary(batch_id)
    assert summary.status == "complete"
    assert (summary.read, summary.accepted, summary.rejected, summary.duplicate) == (80, 80, 0, 0)
    assert summary.balanced
    assert summary.finished_at is not None and summary.finished_at >= summary.started_at
    assert summary.started_at.tzinfo is not None
    assert store.known_sources() == {PATROL.id: PATROL}


def test_writing_the_same_reports_again_gives_only_duplicates_and_no_new_rows(
    store: SqlReportStore,
) -> None:
    import_frames(store, make_reports(40))
    batch_id, accepted, duplicate = import_frames(store, make_reports(40))
    assert (accepted, duplicate) == (0, 40)
    assert store.count_reports() == 40
    summary = store.batch_summary(batch_id)
    assert (summary.accepted, summary.duplicate, summary.status) == (0, 40, "complete")
    _, accepted, duplicate = import_frames(store, make_reports(30, first=20))  # half new
    assert (accepted, duplicate) == (10, 20)
    assert store.count_reports() == 50


def test_keys_repeated_within_one_chunk_are_stored_once_and_the_first_wins(
    store: SqlReportStore,
) -> None:
    first = make_reports(10, note=" first")
    again = make_reports(4, first=2, note=" again")
    chunk = pl.concat([first.head(6), again, first.tail(4)])  # keys 2..5 come twice
    _, accepted, duplicate = import_frames(store, chunk)
    assert (accepted, duplicate) == (10, 4)
    stored = store.reports_frame()
    assert stored.height == 10
    assert stored["text"].str.ends_with(" first").all()


def test_a_batch_that_raises_is_rolled_back_and_marked_abandoned(store: SqlReportStore) -> None:
    import_frames(store, make_reports(5))
    batch = info()
    other = Source("media:example.org", "example.org", "media", "F")
    with pytest.raises(RuntimeError, match="disk on fire"), store.batch(batch) as writer:
        writer.ensure_sources([other])
        writer.write(make_reports(100, first=5), rejections_frame([_rejection(3)]), no_issues())
        raise RuntimeError("disk on fire")
    assert store.count_reports() == 5
    assert store.batch_summary(batch.batch_id).status == "abandoned"
    assert store.issues(batch.batch_id).height == 0
    assert set(store.known_sources()) == {PATROL.id}


def test_a_batch_left_without_commit_is_rolled_back_and_marked_abandoned(
    store: SqlReportStore,
) -> None:
    batch = info()
    with store.batch(batch) as writer:
        writer.write(make_reports(10), no_issues(), no_issues())
    assert store.count_reports() == 0
    assert store.batch_summary(batch.batch_id).status == "abandoned"


def test_a_running_batch_left_by_a_killed_import_is_marked_abandoned_by_the_next(
    store: SqlReportStore, migrated_engine: Engine
) -> None:
    killed = info()
    with migrated_engine.begin() as connection:  # what a kill -9 leaves behind
        connection.execute(
            sa.insert(import_batches),
            {
                "batch_id": killed.batch_id,
                "file_name": "old.csv",
                "file_sha256": "1" * 64,
                "file_bytes": 1,
                "format": "canonical_csv",
                "source_id": PATROL.id,
                "started_at": T0,
                "status": "running",
                "read": 0,
                "accepted": 0,
                "rejected": 0,
                "duplicate": 0,
                "warnings": 0,
            },
        )
    batch_id, _, _ = import_frames(store, make_reports(3))
    assert store.batch_summary(killed.batch_id).status == "abandoned"
    assert store.batch_summary(batch_id).status == "complete"
    assert [b.status for b in store.batches()] == ["abandoned", "complete"]


def test_a_batch_that_is_really_running_is_never_marked_abandoned(database_url: str) -> None:
    """PostgreSQL runs two imports at once and leaves the live one alone; SQLite has one
    writer, so the second import waits for the busy timeout and fails with a clear message."""
    from guarantor.storage import upgrade

    engine = make_engine(database_url, busy_timeout_ms=300)
    try:
        upgrade(engine)
        store = SqlReportStore(engine)
        first = info()
        with store.batch(first) as writer:
            writer.write(make_reports(5), no_issues(), no_issues())
            outcome: list[object] = []
            thread = threading.Thread(target=_second_import, args=(store, outcome))
            thread.start()
            thread.join(60)
            assert store.batch_summary(first.batch_id).status == "running"
            writer.commit(5, 5, 0, 0)
        if engine.dialect.name == "postgresql":
            assert outcome == [(0, 0)]
        else:
            assert len(outcome) == 1 and isinstance(outcome[0], StorageError)
            assert "busy" in str(outcome[0])
        assert store.batch_summary(first.batch_id).status == "complete"
        assert store.count_reports() == 5
    finally:
        engine.dispose()


def _second_import(store: SqlReportStore, outcome: list[object]) -> None:
    try:
        _, accepted, duplicate = import_frames(store)
        outcome.append((accepted, duplicate))
    except StorageError as exc:
        outcome.append(exc)


def test_rejections_and_warnings_are_stored_with_their_kind(store: SqlReportStore) -> None:
    batch = info()
    rejected = rejections_frame([_rejection(7), _rejection(2, field="lat", value="95.5")])
    warnings = rejections_frame([_rejection(4, field="place_name", value="Marinka")])
    with store.batch(batch) as writer:
        writer.write(make_reports(3), rejected, warnings)
        writer.write(empty_reports(), rejections_frame([_rejection(9)]), no_issues())
        writer.commit(7, 3, 4, 0)
    issues = store.issues(batch.batch_id)
    assert issues.columns == ["row_number", "kind", "field", "value", "expected", "fix", "raw"]
    assert issues.select("row_number", "kind", "field").rows() == [
        (2, "rejected", "lat"),
        (4, "warning", "place_name"),
        (7, "rejected", "credibility"),
        (9, "rejected", "credibility"),
    ]
    assert issues.row(0, named=True)["raw"] == '{"row": 2, "note": "a,b\\n"}'
    summary = store.batch_summary(batch.batch_id)
    assert (summary.warnings, summary.rejected, summary.read) == (1, 4, 7)


def _rejection(row: int, *, field: str = "credibility", value: str = "9") -> Rejection:
    return Rejection(
        row, field, value, "an Admiralty credibility 1..6", "use 6", f'{{"row": {row}, '
        '"note": "a,b\\n"}'
    )  # fmt: skip


def test_a_stored_frame_reads_back_equal_column_for_column_with_utc_times(
    store: SqlReportStore,
) -> None:
    written = make_reports(200)
    import_frames(store, written)
    stored = store.reports_frame()
    assert stored.schema == written.schema
    assert stored["observed_at"].dtype == pl.Datetime("us", "UTC")
    for column in written.columns:
        assert stored[column].to_list() == written[column].to_list(), column
    assert stored.equals(written)
    shelling = store.reports_frame(reports.c.type == "shelling")
    assert shelling.height == 100 and set(shelling["type"]) == {"shelling"}


def test_times_in_other_zones_are_stored_as_the_same_instant_in_utc(
    store: SqlReportStore,
) -> None:
    kyiv = make_reports(3).with_columns(pl.col("observed_at").dt.convert_time_zone("Europe/Kyiv"))
    import_frames(store, kyiv)
    stored = store.reports_frame()
    assert stored["observed_at"].to_list() == make_reports(3)["observed_at"].to_list()


def test_ensure_sources_adds_unknown_sources_and_leaves_known_ones_unchanged(
    store: SqlReportStore,
) -> None:
    renamed = Source(PATROL.id, "another name", "sensor", "A")
    outlet = Source("media:ukrinform.ua", "ukrinform.ua", "media", "F")
    with store.batch(info()) as writer:
        writer.ensure_sources([PATROL])
        writer.ensure_sources([renamed, outlet])
        writer.ensure_sources([])
        writer.commit(0, 0, 0, 0)
    assert store.known_sources() == {PATROL.id: PATROL, outlet.id: outlet}


def test_a_committed_batch_accepts_no_more_writes(store: SqlReportStore) -> None:
    with store.batch(info()) as writer:
        writer.commit(0, 0, 0, 0)
        with pytest.raises(StorageError, match="already committed"):
            writer.write(make_reports(1), no_issues(), no_issues())


def test_frames_without_a_column_or_a_key_are_refused_with_the_fix(
    store: SqlReportStore,
) -> None:
    batch = info()
    with store.batch(batch) as writer:
        with pytest.raises(StorageError, match=r"lacks the columns \['raw'\].*empty_reports"):
            writer.write(make_reports(2).drop("raw"), no_issues(), no_issues())
        keyless = make_reports(2).with_columns(pl.lit(None, pl.Utf8).alias("report_key"))
        with pytest.raises(StorageError, match=r"no report_key.*importer must set"):
            writer.write(keyless, no_issues(), no_issues())
    assert store.batch_summary(batch.batch_id).status == "abandoned"


def test_an_unknown_batch_is_not_found(store: SqlReportStore) -> None:
    with pytest.raises(NotFound, match="no import batch 'nope'"):
        store.batch_summary("nope")
    assert store.issues("nope").height == 0


def test_keys_a_concurrent_import_commits_first_count_as_duplicates_on_postgres(
    postgres_migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two imports at once (PostgreSQL only: SQLite has one writer). The second has checked
    which keys are stored before the first commits the same keys; its COPY then waits and
    fails on them, and the chunk is written the safe way: those keys become duplicates."""
    migrated_engine = postgres_migrated_engine
    from guarantor.storage.report_store import _BatchWriter

    staged: list[int] = []
    safe_way = _BatchWriter._stage_reports

    def spy(self: _BatchWriter, cursor: object, frame: pl.DataFrame) -> int:
        staged.append(frame.height)
        return safe_way(self, cursor, frame)

    monkeypatch.setattr(_BatchWriter, "_stage_reports", spy)
    store = SqlReportStore(migrated_engine)
    first = info()
    outcome: list[object] = []
    with store.batch(first) as writer:
        writer.write(make_reports(10), no_issues(), no_issues())
        thread = threading.Thread(
            target=lambda: outcome.append(import_frames(store, make_reports(10, first=5))[1:])
        )
        thread.start()
        _wait_until_a_session_waits_for_a_lock(migrated_engine)
        writer.commit(10, 10, 0, 0)
    thread.join(60)
    assert outcome == [(5, 5)]
    assert staged == [10]
    assert store.count_reports() == 15


def _wait_until_a_session_waits_for_a_lock(engine: Engine) -> None:
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    deadline = time.monotonic() + 30
    with engine.connect() as connection:
        while connection.execute(query).scalar_one() == 0:
            assert time.monotonic() < deadline, "the second import never waited"
            time.sleep(0.02)
            connection.rollback()
