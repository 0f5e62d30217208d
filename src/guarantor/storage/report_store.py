"""Report storage for intake: the :class:`~guarantor.services.intake_ports.ReportStore` port.

Usage (what :func:`guarantor.services.intake.ingest` does)::

    store = SqlReportStore(engine)
    with store.batch(info) as writer:           # the batch row says "running"
        writer.ensure_sources([source])
        added, duplicates = writer.write(reports, rejections, warnings)   # once per chunk
        writer.commit(read, accepted, rejected, duplicate)                # all or nothing

**One transaction per batch.** :meth:`SqlReportStore.batch` first records the batch as
``running`` in a short transaction of its own, marking ``abandoned`` every batch still
``running`` from an import that was killed. Then every chunk is written in ONE transaction
(on SQLite holding the single-writer lock and ``BEGIN IMMEDIATE``, like the unit of work), and
``commit`` stores the counts, marks the batch ``complete`` and commits. An exception, or
leaving the block without ``commit``, rolls every report and issue of the batch back and marks
it ``abandoned``; a process killed half-way leaves only the ``running`` row, which the next
batch marks ``abandoned``. Nothing half-written is ever visible.

**Idempotent.** A report whose ``report_key`` is already stored (by an earlier batch or an
earlier chunk) is a duplicate and is not written again; within one chunk the first of equal
keys wins. Only the rows actually inserted are counted as accepted.

**Fast.** Rows bypass SQLAlchemy's per-row processing (see :mod:`.report_rows`). On SQLite:
``INSERT ... ON CONFLICT (report_key) DO NOTHING`` through ``executemany`` on the driver
connection with plain tuples that hold no ``None`` (:func:`.report_rows.sqlite_rows`), in
slices of 20,000 rows (bounded memory) sorted by ``report_key`` (the key index fills in
order), with a 256 MiB page cache for the batch; and when the batch is big next to the table
(at the first chunk, the table holds no more rows than that chunk), the secondary indexes of
``reports`` are dropped in the batch's transaction and built again, sorted, before it commits
(:mod:`.report_bulk`: transactional, so a failed or killed batch leaves them as they were).
On PostgreSQL: the keys of the chunk already stored are looked up, and the new
reports go straight into ``reports`` by ``COPY`` (CSV written by Polars). Should a concurrent
import commit one of those keys first, that ``COPY`` fails on the key; the chunk is then
rolled back to a savepoint and written the safe way: ``COPY`` into a temporary table, then
``INSERT ... SELECT ... ON CONFLICT DO NOTHING``.

**Who is running.** On PostgreSQL, where several imports may run at once, a batch holds a
session advisory lock while it runs; only ``running`` batches whose lock is free (their
process is gone) are marked ``abandoned``, at the start of a batch and again at its commit.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from guarantor.errors import NotFound, StorageError
from guarantor.evidence.reports import REPORT_SCHEMA, Source
from guarantor.services import audit
from guarantor.services.intake_ports import BatchInfo
from guarantor.storage.engine import BULK_READ_OPTIONS, writer_connection
from guarantor.storage.report_batches import (
    abandon,
    abandon_stale,
    lock_sql,
    new_batch_row,
    release_lock,
    set_status,
)
from guarantor.storage.report_bulk import bulk_wanted, drop_secondary_indexes, restore_indexes
from guarantor.storage.report_rows import (
    ISSUE_COLUMNS,
    ISSUE_SCHEMA,
    PG_TIME,
    REPORT_COLUMNS,
    ROW_COLUMNS,
    SQLITE_TIME,
    TIMES,
    canonical,
    copy_csv,
    issue_rows,
    result_frame,
    sqlite_plan,
    sqlite_rows,
    sqlite_tuples,
)
from guarantor.storage.report_tables import import_batches, intake_issues, reports, sources
from guarantor.storage.security_store import SqlAuditLog

__all__ = ["ISSUE_SCHEMA", "BatchRecord", "SqlReportStore"]

_STAGE = "guarantor_stage_reports"
_UNIQUE_VIOLATION = "23505"
_SQLITE_CACHE_KIB = 256 * 1024  # page cache of the writer during a batch: indexes stay in memory
_SQLITE_ROWS = 20_000  # rows turned into Python tuples at a time: bounded memory per chunk


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """One row of ``import_batches``."""

    batch_id: str
    file_name: str
    file_sha256: str
    file_bytes: int
    format: str
    source_id: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    read: int
    accepted: int
    rejected: int
    duplicate: int
    warnings: int

    @property
    def balanced(self) -> bool:
        return self.read == self.accepted + self.rejected + self.duplicate


class SqlReportStore:
    """Reports, sources, import batches and intake issues in SQL (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    @contextlib.contextmanager
    def batch(self, info: BatchInfo) -> Iterator[_BatchWriter]:
        """The writer of one batch, in one transaction (see the module docstring)."""
        if info.started_at.tzinfo is None:
            raise StorageError(
                f"batch {info.batch_id!r}: started_at {info.started_at.isoformat()} has no time "
                "zone; expected an aware datetime such as datetime.now(UTC); fix: attach a tzinfo"
            )
        with writer_connection(self._engine) as connection, self._session(connection, info):
            with connection.begin():
                abandon_stale(connection, info.batch_id, self._postgres)
                connection.execute(sa.insert(import_batches), new_batch_row(info))
            writer = _BatchWriter(connection, info, self._postgres)
            try:
                connection.begin()
                yield writer
            finally:
                if not writer.committed:
                    abandon(connection, info.batch_id)

    @contextlib.contextmanager
    def _session(self, connection: sa.Connection, info: BatchInfo) -> Iterator[None]:
        """What the batch's connection holds while the batch runs: on PostgreSQL the batch's
        advisory lock (the sign that it is alive), on SQLite a page cache big enough to keep
        the indexes in memory."""
        driver: Any = connection.connection.driver_connection
        if self._postgres:
            with connection.begin():
                connection.execute(lock_sql("pg_advisory_lock"), {"b": info.batch_id})
            try:
                yield
            finally:
                release_lock(connection, info.batch_id)
            return
        (cache,) = driver.execute("PRAGMA cache_size").fetchone()
        driver.execute(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # a broken connection is discarded anyway
                driver.execute(f"PRAGMA cache_size={int(cache)}")

    def known_sources(self) -> dict[str, Source]:
        with self._engine.connect() as connection:
            rows = connection.execute(sa.select(sources).order_by(sources.c.id)).all()
        return {r.id: Source(r.id, r.name, r.kind, r.reliability, r.organisation) for r in rows}

    # --- the read side --------------------------------------------------------------------

    def count_reports(self) -> int:
        with self._engine.connect() as connection:
            return int(
                connection.execute(sa.select(sa.func.count()).select_from(reports)).scalar_one()
            )

    def batches(self) -> list[BatchRecord]:
        """Every import batch, oldest first."""
        query = sa.select(import_batches).order_by(
            import_batches.c.started_at, import_batches.c.batch_id
        )
        with self._engine.connect() as connection:
            return [BatchRecord(**row._mapping) for row in connection.execute(query)]

    def batch_summary(self, batch_id: str) -> BatchRecord:
        query = sa.select(import_batches).where(import_batches.c.batch_id == batch_id)
        with self._engine.connect() as connection:
            row = connection.execute(query).one_or_none()
        if row is None:
            raise NotFound(
                f"no import batch {batch_id!r} is stored; expected the batch id that the import "
                "printed (a UUID); fix: list the batches and copy the id"
            )
        return BatchRecord(**row._mapping)

    def issues(self, batch_id: str) -> pl.DataFrame:
        """The rejections and warnings of a batch, in input order (columns ``ISSUE_SCHEMA``)."""
        columns = [intake_issues.c[name] for name in ISSUE_SCHEMA]
        query = (
            sa.select(*columns)
            .where(intake_issues.c.batch_id == batch_id)
            .order_by(intake_issues.c.row_number, intake_issues.c.id)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return result_frame(rows, ISSUE_SCHEMA)

    def reports_frame(self, where: sa.ColumnElement[bool] | None = None) -> pl.DataFrame:
        """Stored reports (those matching ``where``, a condition on ``report_tables.reports``)
        as a :data:`REPORT_SCHEMA` frame ordered by ``report_key``."""
        columns = [
            sa.type_coerce(reports.c[n], sa.Text) if n in TIMES else reports.c[n]
            for n in REPORT_COLUMNS
        ]
        query = sa.select(*columns).order_by(reports.c.report_key)
        if where is not None:
            query = query.where(where)
        with self._engine.connect().execution_options(**BULK_READ_OPTIONS) as connection:
            rows = connection.execute(query).all()
        return result_frame(rows, dict(REPORT_SCHEMA))


class _BatchWriter:
    """The :class:`~guarantor.services.intake_ports.BatchWriter` of one open batch."""

    def __init__(self, connection: sa.Connection, info: BatchInfo, postgres: bool) -> None:
        self._connection = connection
        self._info = info
        self._postgres = postgres
        self._driver: Any = connection.connection.driver_connection
        self._warnings = 0
        self._staged = False
        self._dropped: list[str] | None = None  # SQLite bulk-index mode: the indexes to restore
        self.committed = False

    @property
    def bulk_indexes(self) -> bool:
        """Whether this batch runs in SQLite's bulk-index mode (see :mod:`.report_bulk`)."""
        return bool(self._dropped)

    def ensure_sources(self, new: list[Source]) -> None:
        self._check_open()
        if not new:
            return
        rows = [
            {"id": s.id, "name": s.name, "kind": s.kind, "reliability": s.reliability,
             "organisation": s.organisation}
            for s in new
        ]  # fmt: skip
        insert = _dialect_insert(self._postgres, sources).on_conflict_do_nothing(
            index_elements=["id"]
        )
        self._connection.execute(insert, rows)

    def write(
        self, reports: pl.DataFrame, rejections: pl.DataFrame, warnings: pl.DataFrame
    ) -> tuple[int, int]:
        self._check_open()
        frame = canonical(reports, self._info.batch_id)
        unique = frame.filter(pl.col("report_key").is_first_distinct())  # the first wins
        added = self._insert_reports(unique) if unique.height else 0
        issues = pl.concat(
            [issue_rows(rejections, "rejected"), issue_rows(warnings, "warning")], how="vertical"
        )
        if issues.height:
            self._insert_issues(issues)
        self._warnings += warnings.height
        return added, frame.height - added

    def commit(self, read: int, accepted: int, rejected: int, duplicate: int) -> None:
        self._check_open()
        if self._postgres:  # a batch killed while its server process was busy is gone by now
            abandon_stale(self._connection, self._info.batch_id, postgres=True)
        counts = {
            "read": read, "accepted": accepted, "rejected": rejected, "duplicate": duplicate,
            "warnings": self._warnings,
        }  # fmt: skip
        if self._dropped:
            restore_indexes(self._driver, self._dropped)
        set_status(self._connection, self._info.batch_id, "complete", **counts)
        self._connection.commit()
        self.committed = True

    def append_audit(
        self, *, at: datetime, actor: str, action: str, subject: str, details: Mapping[str, Any]
    ) -> None:
        """Append an audit entry in the batch's transaction, so that it is stored if and only
        if the batch is (call it right before :meth:`commit`: on PostgreSQL it holds the
        audit log's lock until the batch commits)."""
        self._check_open()
        log = SqlAuditLog(self._connection)
        audit.append(log, at=at, actor=actor, action=action, subject=subject, details=details)

    def _check_open(self) -> None:
        if self.committed:
            raise StorageError(
                f"batch {self._info.batch_id!r} is already committed; nothing more can be "
                "written to it; fix: start a new batch with store.batch(info)"
            )

    def _insert_reports(self, frame: pl.DataFrame) -> int:
        if self._postgres:
            return self._copy_reports(frame)
        if self._dropped is None:  # the first chunk decides (see report_bulk)
            bulk = bulk_wanted(self._driver, frame.height)
            self._dropped = drop_secondary_indexes(self._driver) if bulk else []
        before = self._driver.total_changes
        ordered = frame.sort("report_key")  # the key index fills in order: far fewer page moves
        marks, columns = sqlite_plan(ordered, SQLITE_TIME)
        sql = (
            f"INSERT INTO reports ({', '.join(ROW_COLUMNS)}) VALUES ({', '.join(marks)}) "
            "ON CONFLICT (report_key) DO NOTHING"
        )
        for start in range(0, ordered.height, _SQLITE_ROWS):
            rows = sqlite_tuples(ordered.slice(start, _SQLITE_ROWS).select(columns))
            self._driver.executemany(sql, rows)
        return int(self._driver.total_changes - before)

    def _copy_reports(self, frame: pl.DataFrame) -> int:
        """COPY the reports whose keys are not stored yet straight into ``reports``. Should a
        concurrent import store one of them first, the COPY fails on the key and this chunk
        goes the safe way instead: COPY into a temporary table, then ON CONFLICT DO NOTHING."""
        cursor = self._driver.cursor()
        cursor.execute(
            "SELECT report_key FROM reports WHERE report_key = ANY(%s)",
            (frame["report_key"].to_list(),),
        )
        stored = [row[0] for row in cursor.fetchall()]
        new = frame.filter(~pl.col("report_key").is_in(stored)) if stored else frame
        if not new.height:
            return 0
        cursor.execute("SAVEPOINT guarantor_chunk")
        try:
            copy_csv(cursor, "reports", new, PG_TIME)
        except Exception as exc:
            if getattr(exc, "sqlstate", None) != _UNIQUE_VIOLATION:
                raise
            cursor.execute("ROLLBACK TO SAVEPOINT guarantor_chunk")
            return self._stage_reports(cursor, new)
        cursor.execute("RELEASE SAVEPOINT guarantor_chunk")
        return new.height

    def _stage_reports(self, cursor: Any, frame: pl.DataFrame) -> int:
        if not self._staged:
            cursor.execute(
                f"CREATE TEMP TABLE {_STAGE} (LIKE reports INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            self._staged = True
        cursor.execute(f"TRUNCATE {_STAGE}")
        copy_csv(cursor, _STAGE, frame, PG_TIME)
        names = ", ".join(ROW_COLUMNS)
        cursor.execute(
            f"INSERT INTO reports ({names}) SELECT {names} FROM {_STAGE} "
            "ON CONFLICT (report_key) DO NOTHING"
        )
        return int(cursor.rowcount)

    def _insert_issues(self, issues: pl.DataFrame) -> None:
        frame = issues.with_columns(pl.lit(self._info.batch_id).alias("batch_id")).select(
            ISSUE_COLUMNS
        )
        if self._postgres:
            copy_csv(self._driver.cursor(), "intake_issues", frame, PG_TIME)
            return
        marks, rows = sqlite_rows(frame, SQLITE_TIME)
        sql = f"INSERT INTO intake_issues ({', '.join(ISSUE_COLUMNS)}) VALUES ({', '.join(marks)})"
        self._driver.executemany(sql, rows)


def _dialect_insert(postgres: bool, table: sa.Table) -> Any:
    if postgres:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)
