"""From a working frame of text fields to canonical reports and rejections.

Every importer brings its records to a *working frame*: one text column per report field it
can fill (named as in :data:`REPORT_SCHEMA`), plus :data:`ROW` (the input row number) and
:data:`RAW` (the record verbatim as JSON). :func:`assemble` then does the common part, all
vectorised: trims text (empty text is no value), fills defaults, parses numbers and times,
maps the type through the vocabulary, rejects each record where something does not parse
(one rejection per record, naming its first problem and listing the others), and computes
the report key. Ranges are not judged here (see :mod:`guarantor.io.formats.parsing`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from guarantor.evidence.markings import parse_marking
from guarantor.evidence.reports import REPORT_SCHEMA, Source
from guarantor.io.formats.base import Rejection
from guarantor.io.formats.chunking import ROW
from guarantor.io.formats.keys import RAW, report_keys
from guarantor.io.formats.parsing import (
    FLOAT_EXPECTED,
    INT_EXPECTED,
    Check,
    TimeFormats,
    parse_float,
    parse_int,
)
from guarantor.io.vocabulary import KNOWN, TERM_FIX, TYPE, WEAPON, lookup_types, terms

__all__ = ["COMPUTED_FIELDS", "INPUT_FIELDS", "Layout", "assemble"]

COMPUTED_FIELDS = ("report_key", "raw", "row_number", "admin1", "admin2")
INPUT_FIELDS = tuple(f for f in REPORT_SCHEMA if f not in COMPUTED_FIELDS)
_TIMES = ("observed_at", "observed_until")
_MARKING = (
    "PUBLIC, REL TO ua,us or INTERNAL ua",
    "write one marking: PUBLIC, REL TO followed by party ids, or INTERNAL and one party id",
)


@dataclass(frozen=True, slots=True)
class Layout:
    """What differs between input layouts once their records are in a working frame.

    ``origin`` names, for a report field, the input column it came from (rejections name
    that column); ``defaults`` are text values for fields a record leaves empty, parsed like
    input; ``term_is_original`` keeps the type term as ``type_original`` when the record has
    none.
    """

    name: str
    times: TimeFormats
    vocabulary: str
    origin: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)
    term_is_original: bool = True
    time_fix: str = "write the time in one of the expected forms"

    def column(self, name: str) -> str:
        return self.origin.get(name, name)


def assemble(
    work: pl.DataFrame, layout: Layout, source: Source, extra: Sequence[Check] = ()
) -> tuple[pl.DataFrame, list[Rejection]]:
    """Reports with exactly :data:`REPORT_SCHEMA`, and one rejection per bad record."""
    work = _prepare(work, layout, source)
    work = lookup_types(work, "type", layout.vocabulary)
    parsed, checks = _parse(work, layout)
    checks = sorted([*extra, *_required_checks(layout), *checks, *_type_checks(layout)], key=_order)
    flags = [pl.when(c.bad).then(pl.lit(i, dtype=pl.Int32)) for i, c in enumerate(checks)]
    work = _spans(work.with_columns(**parsed), layout)
    work = work.with_columns(pl.min_horizontal(flags).alias("__fail"))
    bad = work.filter(pl.col("__fail").is_not_null())
    good = work.filter(pl.col("__fail").is_null())
    return _conform(good, layout), _rejections(bad, checks, layout)


def _order(check: Check) -> int:
    """Checks run in schema order, so a record is rejected for its first field at fault."""
    return INPUT_FIELDS.index(check.field) if check.field in INPUT_FIELDS else -1


def _prepare(work: pl.DataFrame, layout: Layout, source: Source) -> pl.DataFrame:
    text = [f for f in INPUT_FIELDS if f in work.columns and work.schema[f] == pl.Utf8]
    missing = [pl.lit(None, dtype=pl.Utf8).alias(f) for f in INPUT_FIELDS if f not in work.columns]
    work = work.with_columns(pl.col(text).str.strip_chars().replace("", None), *missing)
    defaults = {
        "source_id": source.id,
        "credibility": "6",
        "time_precision": "1",
        **layout.defaults,
    }
    fills = [pl.col(f).fill_null(pl.lit(v)) for f, v in defaults.items() if v is not None]
    return work.with_columns(fills)


def _parse(work: pl.DataFrame, layout: Layout) -> tuple[dict[str, pl.Expr], list[Check]]:
    """Parsed columns (named ``__p_<field>``) and the checks on them, in schema order."""
    parsed: dict[str, pl.Expr] = {}
    checks: list[Check] = []
    for name in INPUT_FIELDS:
        dtype = REPORT_SCHEMA[name]
        if work.schema[name] != pl.Utf8 or dtype == pl.Utf8 or name in _TIMES:
            continue
        text = pl.col(name)
        value = parse_float(text) if dtype == pl.Float64 else parse_int(text, dtype)
        expected, fix = FLOAT_EXPECTED if dtype == pl.Float64 else INT_EXPECTED
        parsed[f"__p_{name}"] = value
        checks.append(_unparsed(name, text, pl.col(f"__p_{name}"), expected, fix))
    parsed.update(_parse_times(work, layout, checks))
    parsed.update(_parse_marking(work, checks))
    parsed["__p_reliability"] = pl.col("reliability").str.to_uppercase()
    return parsed, checks


def _unparsed(name: str, text: pl.Expr, value: pl.Expr, expected: str, fix: str) -> Check:
    return Check(name, text.is_not_null() & value.is_null(), text, expected, fix)


def _parse_times(work: pl.DataFrame, layout: Layout, checks: list[Check]) -> dict[str, pl.Expr]:
    """Times given as text are read here (an importer may bring them parsed already) into
    ``__t_<field>_instant`` and ``__t_<field>_day``; :func:`_spans` makes the spans."""
    read: dict[str, pl.Expr] = {}
    expected = layout.times.expected()
    for name in _TIMES:
        if work.schema[name] != pl.Utf8:
            continue
        instant, day = layout.times.read(pl.col(name))
        read[f"__t_{name}_instant"] = instant
        read[f"__t_{name}_day"] = day
        read_any = (
            pl.col(f"__t_{name}_instant").is_not_null() | pl.col(f"__t_{name}_day").is_not_null()
        )
        found = pl.when(read_any).then(pl.lit(True))
        checks.append(_unparsed(name, pl.col(name), found, expected, layout.time_fix))
    return read


def _spans(work: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """observed_at, and the ends of the spans (``__t_at_end``, ``__t_until_end``) in UTC."""
    spans: dict[str, pl.Expr] = {}
    for name, end_name in (("observed_at", "__t_at_end"), ("observed_until", "__t_until_end")):
        if f"__t_{name}_day" not in work.columns:
            if name == "observed_until":
                spans[end_name] = pl.col(name)  # brought parsed by the importer
            continue
        start, end = layout.times.span(pl.col(f"__t_{name}_instant"), pl.col(f"__t_{name}_day"))
        if name == "observed_at":
            spans["__p_observed_at"] = start
        spans[end_name] = end
    return work.with_columns(**spans)


def _parse_marking(work: pl.DataFrame, checks: list[Check]) -> dict[str, pl.Expr]:
    values = work["releasability"].drop_nulls().unique().to_list()
    canonical = {}
    for value in values:
        marking = parse_marking(value)
        canonical[value] = marking.canonical() if marking is not None else None
    text = pl.col("releasability")
    parsed = text.replace_strict(canonical, default=None, return_dtype=pl.Utf8)
    checks.append(_unparsed("releasability", text, pl.col("__p_releasability"), *_MARKING))
    return {"__p_releasability": parsed}


def _required_checks(layout: Layout) -> list[Check]:
    return [
        Check(
            "observed_at",
            pl.col("observed_at").is_null(),
            pl.lit(""),
            layout.times.expected(),
            "give every record the time it was observed",
        ),
    ]


def _type_checks(layout: Layout) -> list[Check]:
    known = ", ".join(terms(layout.vocabulary))
    expected = f"one of the {layout.vocabulary} terms: {known}"
    term = pl.col("type")
    return [
        Check("type", term.is_null(), pl.lit(""), expected, "give every record a type"),
        Check("type", term.is_not_null() & pl.col(KNOWN).is_null(), term, expected, TERM_FIX),
        Check(
            "type",
            pl.col(KNOWN) & pl.col(TYPE).is_null(),
            term,
            "a term for an incident the ceasefire taxonomy tracks; this "
            f"{layout.vocabulary} term names none of them (e.g. a protest)",
            "leave such records out of the import, or map the term to a type in "
            "src/guarantor/data/vocabularies/types.csv or in your mapping file",
        ),
    ]


def _conform(good: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """The good records in REPORT_SCHEMA, with their keys."""
    columns: list[pl.Expr] = []
    for name, dtype in REPORT_SCHEMA.items():
        if name in ("report_key", "admin1", "admin2"):
            expr: pl.Expr = pl.lit(None, dtype=dtype)
        elif name == "raw":
            expr = pl.col(RAW)
        elif name == "row_number":
            expr = pl.col(ROW)
        elif name == "type":
            expr = pl.col(TYPE)
        elif name == "weapon":
            expr = pl.coalesce("weapon", WEAPON)
        elif name == "type_original" and layout.term_is_original:
            expr = pl.coalesce("type_original", "type")
        elif name == "observed_until":
            ends = [c for c in ("__t_until_end", "__t_at_end") if c in good.columns]
            expr = pl.coalesce(ends)
        elif f"__p_{name}" in good.columns:
            expr = pl.col(f"__p_{name}")
        else:
            expr = pl.col(name)
        columns.append(expr.cast(dtype).alias(name))
    reports = good.select(columns)
    keys = report_keys(reports["source_id"], reports["source_record_id"], reports["raw"])
    return reports.with_columns(keys)


def _rejections(bad: pl.DataFrame, checks: list[Check], layout: Layout) -> list[Rejection]:
    if bad.height == 0:
        return []
    values = [c.value.cast(pl.Utf8).alias(f"__v{i}") for i, c in enumerate(checks)]
    flags = [c.bad.fill_null(False).alias(f"__b{i}") for i, c in enumerate(checks)]
    table = bad.select(pl.col(ROW), pl.col(RAW), pl.col("__fail"), *values, *flags)
    rejections = []
    for row in table.iter_rows(named=True):
        first = checks[row["__fail"]]
        others = sorted(
            {layout.column(c.field) for i, c in enumerate(checks) if row[f"__b{i}"]}
            - {layout.column(first.field)}
        )
        fix = first.fix + (f" (this record also fails on: {', '.join(others)})" if others else "")
        rejections.append(
            Rejection(
                row_number=int(row[ROW]),
                field=layout.column(first.field),
                value=row[f"__v{row['__fail']}"] or "",
                expected=first.expected,
                fix=fix,
                raw=row[RAW],
            )
        )
    return rejections
