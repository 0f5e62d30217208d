"""ACLED exports (current and older column sets), from the published column list.

One report per ACLED event: ``event_id_cnty`` is both ``source_record_id`` and
``event_ref``; the type comes from ``sub_event_type`` (or ``event_type`` where it is empty)
through the ``acled`` vocabulary; ``fatalities`` -> deaths, ``notes`` -> text, ``location``
-> place name, ``actor1`` -> claimed actor, ``actor2`` -> target, ``source`` (outlets
separated by ``;``) -> outlet. ``time_precision`` and ``geo_precision`` are mapped to the
UCDP scales; the span of the date follows ACLED's precision: the day (1), the week around
the date (2: three days either side), or the month of the date (3). ``event_date`` may be
``YYYY-MM-DD``, ``dd/mm/YYYY`` (with or without ``HH:MM:SS``), ``dd Month YYYY`` or
``dd-Mon-YYYY``; ACLED dates are days, so a time of day is ignored. Releasability is left
empty: ACLED's terms forbid redistribution, so the operator must decide.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from guarantor.evidence.precision import ACLED_GEO_TO_PLACE, ACLED_TIME_TO_TIME
from guarantor.evidence.reports import Source
from guarantor.io.formats.assemble import Layout, assemble
from guarantor.io.formats.base import Chunk
from guarantor.io.formats.canonical import merge_rejections
from guarantor.io.formats.chunking import ROW
from guarantor.io.formats.keys import RAW, raw_json
from guarantor.io.formats.parsing import Check, TimeFormats
from guarantor.io.formats.readers import read_csv_batches

__all__ = ["ACLED_LAYOUT", "ACLED_REQUIRED", "AcledImporter"]

ACLED_REQUIRED = ("event_id_cnty", "event_date", "event_type", "latitude", "longitude")
ACLED_TIMES = TimeFormats(
    dates=("%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d-%B-%Y", "%d-%b-%Y", "%d %b %Y"),
    day_times=("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S"),
)
ACLED_LAYOUT = Layout(
    name="acled",
    times=ACLED_TIMES,
    vocabulary="acled",
    origin={
        "source_record_id": "event_id_cnty",
        "event_ref": "event_id_cnty",
        "observed_at": "event_date",
        "observed_until": "event_date",
        "time_precision": "time_precision",
        "place_precision": "geo_precision",
        "lat": "latitude",
        "lon": "longitude",
        "place_name": "location",
        "type": "sub_event_type",
        "deaths": "fatalities",
        "claimed_actor": "actor1",
        "target": "actor2",
        "text": "notes",
        "outlet": "source",
    },
    time_fix="write the date as YYYY-MM-DD (or dd/mm/YYYY)",
)
_OPTIONAL = {
    "time_precision": "time_precision",
    "geo_precision": "geo_precision",
    "location": "place_name",
    "fatalities": "deaths",
    "actor1": "claimed_actor",
    "actor2": "target",
    "notes": "text",
}
_DAY = pl.duration(days=1)
_MICROSECOND = pl.duration(microseconds=1)


def _code(column: str, mapping: dict[int, int]) -> pl.Expr:
    """An ACLED precision code mapped to the UCDP scale, as text (null if not a code)."""
    text = {str(k): str(v) for k, v in mapping.items()}
    return pl.col(column).str.strip_chars().replace_strict(text, default=None, return_dtype=pl.Utf8)


def _span(date: pl.Expr, code: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(observed_at, observed_until) from the day of ``date`` and ACLED's time code."""
    week = code == "2"
    month = code == "3"
    start = (
        pl.when(week)
        .then(date - pl.duration(days=3))
        .when(month)
        .then(date.dt.month_start())
        .otherwise(date)
    )
    end = (
        pl.when(week)
        .then(date + pl.duration(days=4))
        .when(month)
        .then(date.dt.month_end() + _DAY)
        .otherwise(date + _DAY)
    ) - _MICROSECOND
    return start, end


def _work(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[Check]]:
    originals = [c for c in frame.columns if c != ROW]
    frame = frame.with_columns(
        raw_json(originals),
        *[pl.lit("", dtype=pl.Utf8).alias(c) for c in _OPTIONAL if c not in frame.columns],
    ).with_columns(pl.col("event_date", *_OPTIONAL).str.strip_chars().replace("", None))
    day, _ = ACLED_TIMES.parse(pl.col("event_date"))
    start, end = _span(day, pl.col("time_precision"))
    sub = pl.col("sub_event_type") if "sub_event_type" in frame.columns else pl.lit(None, pl.Utf8)
    work = frame.select(
        pl.col(ROW),
        pl.col(RAW),
        pl.col("event_id_cnty").alias("source_record_id"),
        pl.col("event_id_cnty").alias("event_ref"),
        start.alias("observed_at"),
        end.alias("observed_until"),
        pl.col("event_date").alias("__event_date"),
        pl.col("time_precision").alias("__time_code"),
        pl.col("geo_precision").alias("__geo_code"),
        _code("time_precision", dict(ACLED_TIME_TO_TIME)).alias("time_precision"),
        _code("geo_precision", dict(ACLED_GEO_TO_PLACE)).alias("place_precision"),
        pl.col("latitude").alias("lat"),
        pl.col("longitude").alias("lon"),
        pl.coalesce(sub.str.strip_chars().replace("", None), pl.col("event_type")).alias("type"),
        pl.col("source").str.replace_all(r"\s*;\s*", ";").alias("outlet")
        if "source" in frame.columns
        else pl.lit(None, pl.Utf8).alias("outlet"),
        *[pl.col(c).alias(_OPTIONAL[c]) for c in ("location", "fatalities", "actor1", "actor2")],
        pl.col("notes").alias("text"),
    )
    return work, _checks()


def _checks() -> list[Check]:
    date = pl.col("__event_date")
    codes = [
        Check(
            field=field,
            bad=pl.col(code).is_not_null() & ~pl.col(code).is_in(["1", "2", "3"]),
            value=pl.col(code),
            expected=f"an ACLED {name} code: 1, 2 or 3",
            fix=f"write the {name} code of the ACLED codebook",
        )
        for field, code, name in (
            ("time_precision", "__time_code", "time_precision"),
            ("place_precision", "__geo_code", "geo_precision"),
        )
    ]
    parsed = Check(
        field="observed_at",
        bad=date.is_not_null() & pl.col("observed_at").is_null(),
        value=date,
        expected=ACLED_TIMES.expected(),
        fix=ACLED_LAYOUT.time_fix,
    )
    return [parsed, *codes]


class AcledImporter:
    name = "acled"

    def chunks(self, path: Path, *, source: Source, chunk_rows: int = 100_000) -> Iterator[Chunk]:
        for batch in read_csv_batches(path, chunk_rows=chunk_rows, required=ACLED_REQUIRED):
            work, checks = _work(batch.frame)
            reports, rejected = assemble(work, ACLED_LAYOUT, source, checks)
            yield Chunk(reports, merge_rejections(batch.rejections, rejected), batch.records)
