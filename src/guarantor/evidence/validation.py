"""Validation of a whole frame of canonical reports at once (vectorised, no per-row loop).

Each check is a Polars condition that is true for a bad row, with the field it is about,
what was expected and the fix. A row failing any check is rejected, with one rejection row
per failed check, so that the analyst sees every fault of the record at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl

from guarantor.evidence.markings import MARKING_PATTERN

__all__ = ["EARLIEST", "Check", "checks", "split_valid"]

EARLIEST = datetime(1991, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Check:
    field: str
    bad: pl.Expr
    expected: str
    fix: str


def _outside(column: str, low: float, high: float) -> pl.Expr:
    value = pl.col(column)
    return value.is_not_null() & ((value < low) | (value > high))


def checks(now: datetime) -> list[Check]:
    latest = now + timedelta(days=1)
    one_coordinate = pl.col("lat").is_null() != pl.col("lon").is_null()
    return [
        Check(
            "observed_at",
            pl.col("observed_at").is_null(),
            "an observation time, e.g. 2015-02-15T06:30:00+02:00",
            "give the time the event was observed",
        ),
        Check(
            "observed_at",
            pl.col("observed_at") < EARLIEST,
            "a time on or after 1991-01-01 (the record starts with Ukraine's independence)",
            "check the year; a two-digit year or a day-month swap is the usual cause",
        ),
        Check(
            "observed_at",
            pl.col("observed_at") > latest,
            f"a time not after {latest:%Y-%m-%d} (reports describe the past)",
            "check the year and the time zone",
        ),
        Check(
            "observed_until",
            pl.col("observed_until") < pl.col("observed_at"),
            "an end of the time span not before its start",
            "swap the start and end dates",
        ),
        Check(
            "lat",
            _outside("lat", -90, 90),
            "a latitude between -90 and 90, e.g. 48.0159",
            "check for swapped latitude and longitude",
        ),
        Check(
            "lon",
            _outside("lon", -180, 180),
            "a longitude between -180 and 180, e.g. 37.8028",
            "check for swapped latitude and longitude",
        ),
        Check(
            "lat",
            (pl.col("lat") == 0) & (pl.col("lon") == 0),
            "a real place, not 0,0",
            "leave the coordinates empty when they are unknown",
        ),
        Check(
            "lat",
            one_coordinate,
            "both latitude and longitude, or neither",
            "give the missing coordinate or remove the other",
        ),
        Check(
            "time_precision",
            _outside("time_precision", 1, 5),
            "1 exact day .. 5 year (UCDP date_prec)",
            "map the source's precision code onto 1..5",
        ),
        Check(
            "place_precision",
            _outside("place_precision", 1, 7),
            "1 exact place .. 7 water or airspace (UCDP where_prec)",
            "map the source's precision code onto 1..7",
        ),
        Check(
            "credibility",
            _outside("credibility", 1, 6),
            "an Admiralty credibility 1..6",
            "use 6 (truth cannot be judged) when unknown",
        ),
        Check(
            "reliability",
            pl.col("reliability").is_not_null() & ~pl.col("reliability").is_in(list("ABCDEF")),
            "an Admiralty reliability A..F",
            "use F (reliability cannot be judged) when unknown",
        ),
        Check(
            "severity",
            pl.col("severity") < 0,
            "a severity of 0 or more",
            "use the taxonomy's levels",
        ),
        Check("deaths", pl.col("deaths") < 0, "a number of deaths of 0 or more", "fix the count"),
        Check("injured", pl.col("injured") < 0, "a number injured of 0 or more", "fix the count"),
        Check(
            "type",
            pl.col("type").is_null(),
            "an incident type of the taxonomy",
            "add the source's term to the vocabulary table",
        ),
        Check(
            "releasability",
            ~_marking_ok(),
            "PUBLIC, REL TO ua,us or INTERNAL ua",
            "write the marking in one of these forms",
        ),
    ]


def _marking_ok() -> pl.Expr:
    """The same forms :func:`guarantor.evidence.markings.parse_marking` reads, as one regex."""
    text = pl.col("releasability").str.strip_chars()
    return text.is_null() | (text == "") | text.str.contains(MARKING_PATTERN)


def split_valid(frame: pl.DataFrame, now: datetime) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(valid rows, rejections) where rejections has row_number, field, value, expected, fix,
    raw: one row per failed check of each rejected record."""
    all_checks = checks(now)
    flags = frame.select(
        pl.col("row_number"),
        *[c.bad.fill_null(False).alias(f"bad_{n}") for n, c in enumerate(all_checks)],
    )
    bad_any = pl.any_horizontal([pl.col(f"bad_{n}") for n in range(len(all_checks))])
    mask = flags.select(bad_any.alias("bad"))["bad"]
    parts = []
    for n, check in enumerate(all_checks):
        hits = frame.filter(flags[f"bad_{n}"])
        if hits.height:
            parts.append(
                hits.select(
                    pl.col("row_number"),
                    pl.lit(check.field).alias("field"),
                    pl.col(check.field).cast(pl.Utf8).fill_null("").alias("value"),
                    pl.lit(check.expected).alias("expected"),
                    pl.lit(check.fix).alias("fix"),
                    pl.col("raw"),
                )
            )
    rejections = pl.concat(parts) if parts else _empty_rejections()
    return frame.filter(~mask), rejections.sort("row_number", maintain_order=True)


def _empty_rejections() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "row_number": pl.Int64,
            "field": pl.Utf8,
            "value": pl.Utf8,
            "expected": pl.Utf8,
            "fix": pl.Utf8,
            "raw": pl.Utf8,
        }
    )
