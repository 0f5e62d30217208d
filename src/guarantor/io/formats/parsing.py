"""Vectorised parsing of text fields, and the checks that find the values that do not parse.

Every parser casts with ``strict=False``; a value that does not parse becomes null, and a
:class:`Check` finds the records where a non-empty input became null. Ranges (coordinates in
Ukraine, dates after 1991, credibility 1..6) are not judged here: the intake service
validates the whole frame afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import polars as pl

__all__ = [
    "FLOAT_EXPECTED",
    "INT_EXPECTED",
    "Check",
    "TimeFormats",
    "format_example",
    "parse_float",
    "parse_int",
]

_UTC = pl.Datetime("us", "UTC")
_NAIVE = pl.Datetime("us")
_DAY = pl.duration(days=1)
_MICROSECOND = pl.duration(microseconds=1)
_SAMPLE = datetime(2015, 2, 15, 13, 45, 0, tzinfo=timezone(timedelta(hours=2)))

FLOAT_EXPECTED = (
    "a decimal number, e.g. 48.0159",
    "write the number with a dot as the decimal separator and nothing else "
    "(no degree sign, no thousands separator)",
)
INT_EXPECTED = (
    "a whole number, e.g. 3",
    "write a whole number without separators, units or words",
)
_INT_RANGES: tuple[tuple[pl.DataType, int, int], ...] = (
    (pl.Int8(), -128, 127),
    (pl.Int32(), -(2**31), 2**31 - 1),
)
_EXACT = 2**53  # the whole numbers a float64 holds exactly


@dataclass(frozen=True, slots=True)
class Check:
    """A reason to reject a record: where ``bad`` is true, ``field`` holds ``value``."""

    field: str
    bad: pl.Expr
    value: pl.Expr
    expected: str
    fix: str


def parse_float(text: pl.Expr) -> pl.Expr:
    """Text to float64; text that is not a finite-or-infinite number (or is NaN) -> null."""
    number = text.cast(pl.Float64, strict=False)
    return pl.when(number.is_nan()).then(None).otherwise(number)


def parse_int(text: pl.Expr, dtype: pl.DataType | type[pl.DataType]) -> pl.Expr:
    """Text to a whole number of ``dtype``; fractions and numbers out of its range -> null.

    ``"3.0"`` is 3; ``"3.5"``, ``"3 km"`` and ``"1,000"`` are not whole numbers.
    """
    low, high = next(((lo, hi) for d, lo, hi in _INT_RANGES if d == dtype), (-_EXACT, _EXACT))
    number = text.cast(pl.Float64, strict=False)
    whole = (number == number.floor()) & number.is_between(low, high)
    return pl.when(whole).then(number.cast(dtype, strict=False)).otherwise(None)


def format_example(fmt: str) -> str:
    """``fmt`` applied to 15 February 2015 13:45 (+02:00), to show a person its form."""
    python_form = fmt.replace("%.f", "").replace("%:z", "%z").replace("%#z", "%z")
    try:
        return _SAMPLE.strftime(python_form)
    except ValueError:
        return fmt


@dataclass(frozen=True, slots=True)
class TimeFormats:
    """The forms a layout writes its times in, and how to turn them into UTC.

    ``dates`` name a whole day (``observed_until`` then defaults to the end of that day);
    ``day_times`` are days written with a meaningless time of day (ACLED's
    ``24/02/2022 00:00:00``, UCDP's ``2014-01-22 00:00:00.000``): the time is dropped;
    ``naive`` are wall-clock times in ``timezone``; ``aware`` carry their own UTC offset.
    Every form is one vectorised pass (no regular expressions: they cost more than parsing).
    """

    dates: tuple[str, ...] = ()
    day_times: tuple[str, ...] = ()
    naive: tuple[str, ...] = ()
    aware: tuple[str, ...] = ()
    timezone: str = "UTC"
    described: str = ""

    def expected(self) -> str:
        if self.described:
            return self.described
        forms = [*self.aware, *self.naive, *self.dates, *self.day_times]
        shown = ", ".join(f"{f} (e.g. {format_example(f)})" for f in forms)
        local = f"; times without offset are in {self.timezone}" if self.naive else ""
        return f"a time in one of the forms {shown}{local}"

    def read(self, text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
        """(instant in UTC, local day) read from ``text``: the first is set for a time, the
        second for a day; both are null where the text is in none of the forms."""
        aware = [_read(text, f, "UTC") for f in self.aware]
        naive = [_read(text, f, None) for f in self.naive]
        days = [
            *[_read(text, f, None) for f in self.dates],
            *[_read(text, f, None).dt.truncate("1d") for f in self.day_times],
        ]
        instant = _first([*aware, self._to_utc(_first(naive, _NAIVE))], _UTC)
        return instant, _first(days, _NAIVE)

    def span(self, instant: pl.Expr, day: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
        """(start, end) in UTC from :meth:`read`: the instant twice, or the first and last
        microsecond of the local day."""
        start = pl.coalesce(instant, self._to_utc(day))
        end = pl.coalesce(instant, self._to_utc(day + _DAY) - _MICROSECOND)
        return start, end

    def parse(self, text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
        """(start, end) in UTC, in one expression (reads the text twice: prefer :meth:`read`
        and :meth:`span` on columns for large frames)."""
        return self.span(*self.read(text))

    def _to_utc(self, local: pl.Expr) -> pl.Expr:
        if self.timezone == "UTC":
            return local.dt.replace_time_zone("UTC")
        return local.dt.replace_time_zone(
            self.timezone, ambiguous="earliest", non_existent="null"
        ).dt.convert_time_zone("UTC")


def _read(text: pl.Expr, fmt: str, zone: str | None) -> pl.Expr:
    return text.str.to_datetime(fmt, strict=False, time_unit="us", time_zone=zone)


def _first(candidates: list[pl.Expr], dtype: pl.DataType) -> pl.Expr:
    if not candidates:
        return pl.lit(None, dtype=dtype)
    return pl.coalesce(candidates) if len(candidates) > 1 else candidates[0]
