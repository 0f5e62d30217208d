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
keys wins. Inserts are ``INSERT ... ON CONFLICT (report_key) DO NOTHING`` and the rows actually
inserted are counted, so a concurrent import on PostgreSQL cannot make a batch fail.

**Fast.** Rows bypass SQLAlchemy's per-row processing: on SQLite, ``executemany`` on the
driver connection with plain tuples (times pre-formatted by Polars in SQLAlchemy's text form);
on PostgreSQL, ``COPY`` of CSV written by Polars into a temporary table, then one
``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` per chunk.

**Who is running.** On PostgreSQL, where several imports may run at once, a batch holds a
session advisory lock while it runs; only ``running`` batches whose lock is free (their
process is gone) are marked ``abandoned``, at the start of a batch and again at its commit.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from guarantor.errors import NotFound, StorageError
from guarantor.evidence.reports import REPORT_SCHEMA, Source
from guarantor.services.intake_ports import REJECTION_SCHEMA, BatchInfo
from guarantor.storage.engine import writer_connection
from guarantor.storage.report_tables import (
    import_batches,
    intake_issues,
    reports,
    sources,
)

__all__ = ["ISSUE_SCHEMA", "BatchRecord", "SqlReportStore"]

REPORT_COLUMNS = tuple(REPORT_SCHEMA)
_ROW_COLUMNS = ("batch_id", *REPORT_COLUMNS)
_ISSUE_COLUMNS = ("batch_id", "row_number", "kind", "field", "value", "expected", "fix", "raw")
ISSUE_SCHEMA: dict[str, Any] = {"row_number": pl.Int64, "kind": pl.Utf8} | {
    k: v for k, v in REJECTION_SCHEMA.items() if k != "row_number"
}
_TIMES = ("observed_at", "observed_until")
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%6f"  # SQLAlchemy's text form of DateTime on SQLite
_PG_TIME = "%Y-%m-%d %H:%M:%S.%6f+00"
_LOCK_SPACE = 0x47524E54  # first key of PostgreSQL advisory locks of import batches ("GRNT")
_STAGE = "guarantor_stage_reports"
_COPY_BYTES = 8 << 20


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
        with writer_connection(self._engine) as connection:
            try:
                with connection.begin():
                    if self._postgres:  # session-level: held until released below
                        connection.execute(_lock_sql("pg_advisory_lock"), {"b": info.batch_id})
                    _abandon_stale(connection, info.batch_id, self._postgres)
                    connection.execute(sa.insert(import_batches), _new_batch_row(info))
                writer = _BatchWriter(connection, info, self._postgres)
                try:
                    connection.begin()
                    yield writer
                finally:
                    if not writer.committed:
                        _abandon(connection, info.batch_id)
            finally:
                if self._postgres:
                    _release_lock(connection, info.batch_id)

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
        return _frame(rows, ISSUE_SCHEMA)

    def reports_frame(self, where: sa.ColumnElement[bool] | None = None) -> pl.DataFrame:
        """Stored reports (those matching ``where``, a condition on ``report_tables.reports``)
        as a :data:`REPORT_SCHEMA` frame ordered by ``report_key``."""
        columns = [
            sa.type_coerce(reports.c[n], sa.Text) if n in _TIMES else reports.c[n]
            for n in REPORT_COLUMNS
        ]
        query = sa.select(*columns).order_by(reports.c.report_key)
        if where is not None:
            query = query.where(where)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return _frame(rows, dict(REPORT_SCHEMA))


class _BatchWriter:
    """The :class:`~guarantor.services.intake_ports.BatchWriter` of one open batch."""

    def __init__(self, connection: sa.Connection, info: BatchInfo, postgres: bool) -> None:
        self._connection = connection
        self._info = info
        self._postgres = postgres
        self._driver: Any = connection.connection.driver_connection
        self._warnings = 0
        self._staged = False
        self.committed = False

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
        frame = _canonical(reports, self._info.batch_id)
        unique = frame.unique(subset="report_key", keep="first", maintain_order=True)
        added = self._insert_reports(unique) if unique.height else 0
        issues = pl.concat(
            [_issues(rejections, "rejected"), _issues(warnings, "warning")], how="vertical"
        )
        if issues.height:
            self._insert_issues(issues)
        self._warnings += warnings.height
        return added, frame.height - added

    def commit(self, read: int, accepted: int, rejected: int, duplicate: int) -> None:
        self._check_open()
        if self._postgres:  # a batch killed while its server process was busy is gone by now
            _abandon_stale(self._connection, self._info.batch_id, postgres=True)
        counts = {
            "read": read, "accepted": accepted, "rejected": rejected, "duplicate": duplicate,
            "warnings": self._warnings,
        }  # fmt: skip
        _set_status(self._connection, self._info.batch_id, "complete", **counts)
        self._connection.commit()
        self.committed = True

    def _check_open(self) -> None:
        if self.committed:
            raise StorageError(
                f"batch {self._info.batch_id!r} is already committed; nothing more can be "
                "written to it; fix: start a new batch with store.batch(info)"
            )

    def _insert_reports(self, frame: pl.DataFrame) -> int:
        if self._postgres:
            if not self._staged:
                self._driver.execute(
                    f"CREATE TEMP TABLE {_STAGE} (LIKE reports INCLUDING DEFAULTS) ON COMMIT DROP"
                )
                self._staged = True
            names = ", ".join(_ROW_COLUMNS)
            cursor = self._driver.cursor()
            cursor.execute(f"TRUNCATE {_STAGE}")
            _copy_csv(cursor, _STAGE, frame, _PG_TIME)
            cursor.execute(
                f"INSERT INTO reports ({names}) SELECT {names} FROM {_STAGE} "
                "ON CONFLICT (report_key) DO NOTHING"
            )
            return int(cursor.rowcount)
        values = ", ".join("?" for _ in _ROW_COLUMNS)
        sql = (
            f"INSERT INTO reports ({', '.join(_ROW_COLUMNS)}) VALUES ({values}) "
            "ON CONFLICT (report_key) DO NOTHING"
        )
        before = self._driver.total_changes
        self._driver.executemany(sql, _tuples(frame, _SQLITE_TIME))
        return int(self._driver.total_changes - before)

    def _insert_issues(self, issues: pl.DataFrame) -> None:
        frame = issues.with_columns(pl.lit(self._info.batch_id).alias("batch_id")).select(
            _ISSUE_COLUMNS
        )
        if self._postgres:
            _copy_csv(self._driver.cursor(), "intake_issues", frame, _PG_TIME)
            return
        sql = (
            f"INSERT INTO intake_issues ({', '.join(_ISSUE_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in _ISSUE_COLUMNS)})"
        )
        self._driver.executemany(sql, _tuples(frame, _SQLITE_TIME))


# --- rows in ------------------------------------------------------------------------------


def _canonical(frame: pl.DataFrame, batch_id: str) -> pl.DataFrame:
    """``frame`` with exactly REPORT_SCHEMA (cast where needed) and ``batch_id`` in front."""
    missing = [c for c in REPORT_COLUMNS if c not in frame.columns]
    if missing:
        raise StorageError(
            f"batch {batch_id!r}: the reports frame lacks the columns {missing}; expected every "
            "column of REPORT_SCHEMA (guarantor.evidence.reports); fix: build the frame with "
            "empty_reports() or select the missing columns as nulls"
        )
    keys = frame["report_key"]
    if keys.null_count():
        rows = frame.filter(keys.is_null())["row_number"].head(5).to_list()
        raise StorageError(
            f"batch {batch_id!r}: {keys.null_count()} reports have no report_key (rows {rows}); "
            "expected a stable key per input record; fix: the importer must set report_key"
        )
    return frame.select(
        pl.lit(batch_id, pl.Utf8).alias("batch_id"),
        *[pl.col(c).cast(t) for c, t in REPORT_SCHEMA.items()],
    )


def _issues(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    return frame.select(
        pl.col("row_number").cast(pl.Int64),
        pl.lit(kind, pl.Utf8).alias("kind"),
        *[pl.col(c).cast(pl.Utf8) for c in ("field", "value", "expected", "fix", "raw")],
    )


def _tuples(frame: pl.DataFrame, time_format: str) -> Iterator[tuple[Any, ...]]:
    """Rows as plain Python tuples (times as text), built column-wise for speed."""
    text = frame.with_columns(
        pl.col(c).dt.strftime(time_format) for c in frame.columns if c in _TIMES
    )
    return zip(*(text.get_column(c).to_list() for c in text.columns), strict=True)


def _copy_csv(cursor: Any, table: str, frame: pl.DataFrame, time_format: str) -> None:
    """COPY ``frame`` into ``table`` as CSV written by Polars (null is an empty field, an empty
    string is ``""``, floats are written so that they read back bit for bit)."""
    text = frame.with_columns(
        pl.col(c).dt.strftime(time_format) for c in frame.columns if c in _TIMES
    )
    buffer = io.BytesIO()
    text.write_csv(buffer, include_header=False)
    data = buffer.getbuffer()
    with cursor.copy(f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN (FORMAT csv)") as copy:
        for start in range(0, len(data), _COPY_BYTES):
            copy.write(data[start : start + _COPY_BYTES])


def _dialect_insert(postgres: bool, table: sa.Table) -> Any:
    if postgres:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


# --- batch rows and locks ----------------------------------------------------------------


def _new_batch_row(info: BatchInfo) -> dict[str, Any]:
    return {
        "batch_id": info.batch_id, "file_name": info.file_name, "file_sha256": info.file_sha256,
        "file_bytes": info.file_bytes, "format": info.format, "source_id": info.source_id,
        "started_at": info.started_at, "finished_at": None, "status": "running",
        "read": 0, "accepted": 0, "rejected": 0, "duplicate": 0, "warnings": 0,
    }  # fmt: skip


def _set_status(connection: sa.Connection, batch_id: str, status: str, **counts: int) -> None:
    connection.execute(
        sa.update(import_batches)
        .where(import_batches.c.batch_id == batch_id)
        .values(status=status, finished_at=datetime.now(UTC), **counts)
    )


def _abandon(connection: sa.Connection, batch_id: str) -> None:
    """Roll the batch back and mark it ``abandoned``. If the database cannot be reached the
    row stays ``running`` and the next batch marks it; the original error is what matters."""
    try:
        if connection.in_transaction():
            connection.rollback()
        with connection.begin():
            _set_status(connection, batch_id, "abandoned")
    except sa.exc.DBAPIError:
        connection.invalidate()


def _abandon_stale(connection: sa.Connection, batch_id: str, postgres: bool) -> None:
    """Mark ``abandoned`` the batches left ``running`` by an import that died.

    SQLite has one writer, so a ``running`` batch seen by the writer is a dead one. On
    PostgreSQL a live batch holds its advisory lock: only batches whose lock is free are dead.
    """
    stale = (import_batches.c.status == "running") & (import_batches.c.batch_id != batch_id)
    if postgres:
        stale = stale & sa.func.pg_try_advisory_xact_lock(
            _LOCK_SPACE, sa.func.hashtext(import_batches.c.batch_id), type_=sa.Boolean
        )
    connection.execute(
        sa.update(import_batches).where(stale).values(status="abandoned"),
    )


def _lock_sql(function: str) -> sa.TextClause:
    return sa.text(f"SELECT {function}({_LOCK_SPACE}, hashtext(:b))")


def _release_lock(connection: sa.Connection, batch_id: str) -> None:
    try:
        if connection.in_transaction():
            connection.rollback()
        connection.execute(_lock_sql("pg_advisory_unlock"), {"b": batch_id})
        connection.commit()
    except sa.exc.DBAPIError:  # a broken connection: the server dropped its locks with it
        connection.invalidate()


# --- rows out -----------------------------------------------------------------------------


def _frame(rows: Sequence[sa.Row[Any]], schema: dict[str, Any]) -> pl.DataFrame:
    """A frame of ``schema`` from result rows (times may come as text or as datetimes)."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    series = []
    for (name, dtype), values in zip(schema.items(), columns, strict=True):
        if isinstance(dtype, pl.Datetime):
            series.append(_times(name, list(values)))
        else:
            series.append(pl.Series(name, values, dtype=dtype, strict=False))
    return pl.DataFrame(series)


def _times(name: str, values: list[Any]) -> pl.Series:
    if any(isinstance(v, str) for v in values):
        return pl.Series(name, values, dtype=pl.Utf8).str.to_datetime(
            "%Y-%m-%d %H:%M:%S%.f", time_unit="us", time_zone="UTC"
        )
    aware = [v.astimezone(UTC) if v is not None else None for v in values]
    return pl.Series(name, aware, dtype=pl.Datetime("us", "UTC"))
