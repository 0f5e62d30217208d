"""Report frames to rows and back, fast: the conversions of :mod:`report_store`.

Rows go in without SQLAlchemy's per-row processing: as plain tuples for SQLite's
``executemany`` (times in SQLAlchemy's text form ``2015-02-15 06:30:00.000000``, which sorts in
time order) or as CSV written by Polars for PostgreSQL's ``COPY`` (null is an empty field, an
empty string is ``""``, floats are written so that they read back bit for bit). Rows come out
as frames of the wanted schema, with times as aware UTC datetimes on both backends.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from datetime import UTC
from typing import Any, Final

import polars as pl
import sqlalchemy as sa

from guarantor.errors import StorageError
from guarantor.evidence.reports import REPORT_SCHEMA
from guarantor.services.intake_ports import REJECTION_SCHEMA

__all__ = [
    "ISSUE_COLUMNS",
    "ISSUE_SCHEMA",
    "PG_TIME",
    "REPORT_COLUMNS",
    "ROW_COLUMNS",
    "SQLITE_TIME",
    "TIMES",
    "canonical",
    "copy_csv",
    "issue_rows",
    "result_frame",
    "sqlite_plan",
    "sqlite_rows",
    "sqlite_tuples",
    "tuples",
]

REPORT_COLUMNS = tuple(REPORT_SCHEMA)
ROW_COLUMNS = ("batch_id", *REPORT_COLUMNS)
"""The columns written to ``reports``, in this order."""
ISSUE_COLUMNS = ("batch_id", "row_number", "kind", "field", "value", "expected", "fix", "raw")
ISSUE_SCHEMA: dict[str, Any] = {"row_number": pl.Int64, "kind": pl.Utf8} | {
    k: v for k, v in REJECTION_SCHEMA.items() if k != "row_number"
}
"""The columns of :meth:`SqlReportStore.issues`."""
TIMES = ("observed_at", "observed_until")
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%6f"  # SQLAlchemy's text form of DateTime on SQLite
PG_TIME = "%Y-%m-%d %H:%M:%S.%6f+00"
_COPY_BYTES = 8 << 20

# --- rows in ------------------------------------------------------------------------------


def canonical(frame: pl.DataFrame, batch_id: str) -> pl.DataFrame:
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


def issue_rows(frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    return frame.select(
        pl.col("row_number").cast(pl.Int64),
        pl.lit(kind, pl.Utf8).alias("kind"),
        *[pl.col(c).cast(pl.Utf8) for c in ("field", "value", "expected", "fix", "raw")],
    )


def tuples(frame: pl.DataFrame, time_format: str) -> Iterator[tuple[Any, ...]]:
    """Rows as plain Python tuples (times as text), built column-wise for speed."""
    text = frame.with_columns(
        pl.col(c).dt.strftime(time_format) for c in frame.columns if c in TIMES
    )
    return zip(*(text.get_column(c).to_list() for c in text.columns), strict=True)


_NO_INT: Final = -(2**63)  # stands for null in integer columns (checked to be absent)


def sqlite_rows(
    frame: pl.DataFrame, time_format: str
) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """(one placeholder per column, rows) for ``executemany``, with no ``None`` to bind (see
    :func:`sqlite_plan`)."""
    marks, columns = sqlite_plan(frame, time_format)
    return marks, sqlite_tuples(frame.select(columns))


def sqlite_tuples(prepared: pl.DataFrame) -> Iterator[tuple[Any, ...]]:
    """The rows of a frame selected with the columns of :func:`sqlite_plan`, as tuples."""
    return zip(*(prepared.get_column(c).to_list() for c in prepared.columns), strict=True)


def sqlite_plan(frame: pl.DataFrame, time_format: str) -> tuple[list[str], list[pl.Expr]]:
    """(one placeholder per column, the columns to select so that no null is left to bind).

    Python's ``sqlite3`` binds ``None`` through its adaptation protocol, at about ten times
    the cost of a number; reports have a dozen nulls a row. So nulls go in as values that
    turn into NULL: NaN for floats (SQLite stores NaN as NULL; the parsers never keep a NaN),
    ``''`` for text and the smallest 64-bit integer for integers, behind ``NULLIF(?, ...)``.
    A column that holds the stand-in value as a real value (an empty text) keeps ``None``.
    Times become text in ``time_format``. The plan is made once for a whole chunk; select it
    on one slice at a time (one Polars pass per slice, memory bounded by the slice).
    """
    nulls = frame.null_count().row(0, named=True) if frame.height else {}
    probes = [
        (pl.col(c) == "").any().alias(c) if frame.schema[c] == pl.Utf8 else
        (pl.col(c).cast(pl.Int64).min() == _NO_INT).alias(c)
        for c in frame.columns
        if nulls.get(c) and (frame.schema[c] == pl.Utf8 or frame.schema[c].is_integer())
    ]  # fmt: skip
    taken = frame.select(probes).row(0, named=True) if probes else {}
    marks: list[str] = []
    columns: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        column = pl.col(name).dt.strftime(time_format) if name in TIMES else pl.col(name)
        kind = pl.Utf8 if name in TIMES else dtype  # a time as text is never ''
        mark, column = _without_nulls(column, kind, bool(nulls.get(name)), taken.get(name))
        marks.append(mark)
        columns.append(column.alias(name))
    return marks, columns


def _without_nulls(
    column: pl.Expr, dtype: Any, has_nulls: bool, stand_in_taken: bool | None
) -> tuple[str, pl.Expr]:
    if not has_nulls or stand_in_taken:
        return "?", column
    if dtype.is_float():
        return "?", column.fill_null(float("nan"))
    if dtype.is_integer():
        return f"NULLIF(?, {_NO_INT})", column.cast(pl.Int64).fill_null(_NO_INT)
    if dtype == pl.Utf8:
        return "NULLIF(?, '')", column.fill_null("")
    return "?", column


def copy_csv(cursor: Any, table: str, frame: pl.DataFrame, time_format: str) -> None:
    """COPY ``frame`` into ``table`` as CSV written by Polars (null is an empty field, an empty
    string is ``""``, floats are written so that they read back bit for bit)."""
    text = frame.with_columns(
        pl.col(c).dt.strftime(time_format) for c in frame.columns if c in TIMES
    )
    buffer = io.BytesIO()
    text.write_csv(buffer, include_header=False)
    data = buffer.getbuffer()
    with cursor.copy(f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN (FORMAT csv)") as copy:
        for start in range(0, len(data), _COPY_BYTES):
            copy.write(data[start : start + _COPY_BYTES])


# --- rows out -----------------------------------------------------------------------------


def result_frame(rows: Sequence[sa.Row[Any]], schema: dict[str, Any]) -> pl.DataFrame:
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
