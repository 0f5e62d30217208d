"""Reports made ready for fusion: one row per report with what matching needs, vectorised.

``idx`` numbers the reports in ``report_key`` order, so that every ordering fusion uses
(seeds, ties) follows the keys and survives re-runs on subsets. Times become hours since the
epoch over the span the report may be in (``observed_at`` to ``observed_until``, at least a
day); precision codes are read with care: a span longer than the code says
wins (contradictory precision widens the tolerance, never narrows it), an unknown place code
counts as the country, and a report without a place or a time keeps those fields null and
is matched only through shared documents.
"""

from __future__ import annotations

import math

import polars as pl

from guarantor.evidence.fusion.config import FusionConfig
from guarantor.evidence.fusion.independence import citations, normalise_url, organisations
from guarantor.evidence.fusion.similarity import fold, latin_text, normalised_tokens
from guarantor.evidence.precision import place_radius_km

__all__ = ["SPAN_CLASS_HOURS", "prepare"]

# Upper bounds of the span classes used for blocking (hours): a day, a week, a month, long.
SPAN_CLASS_HOURS = (24.0, 7 * 24.0, 31 * 24.0)
_HOUR_US = 3_600_000_000.0
_SECOND = 1.0 / 3600.0


def _span_class(span: pl.Expr, config: FusionConfig) -> pl.Expr:
    bounds = [*SPAN_CLASS_HOURS, config.max_span_hours]
    classes = [pl.when(span <= bound).then(pl.lit(n, pl.Int8)) for n, bound in enumerate(bounds, 1)]
    return pl.coalesce(classes)


def _times(config: FusionConfig) -> list[pl.Expr]:
    at = pl.col("observed_at")
    start = at.dt.epoch("us").cast(pl.Float64) / _HOUR_US
    until = pl.col("observed_until").dt.epoch("us").cast(pl.Float64) / _HOUR_US
    midnight = (at.dt.hour() == 0) & (at.dt.minute() == 0) & (at.dt.second() == 0)
    # A date without an end is that day; a time of day without an end is an instant.
    default_end = pl.when(midnight).then(start + 24.0 - _SECOND).otherwise(start)
    end = pl.max_horizontal(start, pl.when(until > start).then(until).otherwise(default_end))
    span = end - start
    tc = _span_class(span, config)
    by_class = {k: config.slack(k) for k in (1, 2, 3, 4)}
    slack = (
        pl.when(span < 1.0)
        .then(config.instant_slack_hours)
        .otherwise(tc.replace_strict(by_class, default=None, return_dtype=pl.Float64))
    )
    return [start.alias("h0"), end.alias("h1"), tc.alias("tc"), slack.alias("slack")]


def _places() -> list[pl.Expr]:
    lat, lon = pl.col("lat"), pl.col("lon")
    valid = (
        lat.is_between(-90.0, 90.0)
        & lon.is_between(-180.0, 180.0)
        & ~((lat == 0.0) & (lon == 0.0))
        & lat.is_not_nan()
        & lon.is_not_nan()
    ).fill_null(False)
    code = pl.col("place_precision").cast(pl.Int64)
    pc = pl.when(code.is_between(1, 7)).then(code).otherwise(6)
    radius = {k: place_radius_km(k) for k in range(1, 8)}
    tol = pc.replace_strict(radius, return_dtype=pl.Float64)
    return [
        pl.when(valid).then(lat).alias("lat"),
        pl.when(valid).then(lon).alias("lon"),
        pl.when(valid).then(pc.cast(pl.Int8)).alias("pc"),
        pl.when(valid).then(tol).alias("tol"),
    ]


def _groups(column: pl.Series, mapping: dict[str, str]) -> pl.Expr:
    """The compatibility group of each value of ``column`` (null for none, unknown, other),
    worked out once per distinct value (types and weapons are a short vocabulary)."""
    values = column.drop_nulls().unique()
    value = pl.col("value").str.strip_chars().str.to_lowercase()
    value = pl.when(value.str.len_chars() > 0).then(value)
    grouped = value.replace(mapping) if mapping else value
    group = (
        pl.when(value.is_in(["unknown", "other"]).fill_null(False)).then(None).otherwise(grouped)
    )
    table = pl.DataFrame({"value": values}).with_columns(group=group.cast(pl.Utf8))
    return pl.col(column.name).replace_strict(
        table["value"], table["group"], default=None, return_dtype=pl.Utf8
    )


def _by_key(reports: pl.DataFrame) -> pl.DataFrame:
    """Reports with a key in ``report_key`` order (stable: the first of a repeated key leads),
    one per key, numbered by ``idx``. Input already in key order is not sorted again."""
    key = pl.col("report_key")
    keyed = reports.filter(key.is_not_null())
    if not keyed["report_key"].is_sorted():
        keyed = keyed.sort("report_key", maintain_order=True)
    return (
        keyed.filter((key != key.shift(1)).fill_null(True))
        .with_row_index("idx")
        .with_columns(pl.col("idx").cast(pl.Int64))
    )


def prepare(reports: pl.DataFrame, config: FusionConfig) -> pl.DataFrame:
    """The fusion frame of ``reports`` (any frame with the REPORT_SCHEMA columns)."""
    frame = _by_key(reports)
    org = organisations(frame["outlet"])
    types = {k.lower(): v for k, v in config.compatible_types.items()}
    weapons = {k.lower(): v for k, v in config.compatible_weapons.items()}
    # Lazy, so that repeated subexpressions (times, spans) are computed once; the text is
    # normalised in a step of its own, so that its emptiness check does not redo it.
    frame = (
        frame.lazy()
        .with_columns(text_full=fold(latin_text("text")))
        .with_columns(text_full=pl.when(pl.col("text_full") != "").then(pl.col("text_full")))
        .with_columns(
            *_times(config),
            *_places(),
            type_group=_groups(frame["type"], types),
            weapon_group=_groups(frame["weapon"], weapons),
            text_norm=pl.col("text_full").str.slice(0, config.text_chars),
            text_hash=pl.col("text_full").hash(),
            long_tokens=normalised_tokens(pl.col("text_full")),
            urls=normalise_url("urls"),
        )
        .with_columns(
            tokens=normalised_tokens(pl.col("text_norm")),
            cites=citations(pl.col("text_norm")),
        )
        .drop("text_full")
        .collect()
    )
    # The outlets' organisations and kinds by lookup (a join would gather every column).
    by_outlet = {
        column: pl.col("outlet").replace_strict(
            org["outlet"], org[column], default=None, return_dtype=org.schema[column]
        )
        for column in ("organisation", "kind")
    }
    frame = (
        frame.lazy()
        .with_columns(**by_outlet)
        .with_columns(
            organisation=pl.coalesce(
                "organisation",
                pl.lit("source:") + pl.col("source_id"),
                pl.lit("report:") + pl.col("report_key"),
            ),
            informative=pl.col("tokens") >= config.informative_tokens,
            document=pl.col("long_tokens") >= config.document_tokens,
            itemised=pl.col("kind").is_in(list(config.itemised_kinds)).fill_null(False),
            has_time=pl.col("h0").is_not_null() & pl.col("tc").is_not_null(),
            long=(pl.col("h1") - pl.col("h0")).fill_null(0.0) > config.coarse_hours,
        )
        .with_columns(
            coarse=(pl.col("tol").fill_null(0.0) >= config.coarse_km) | pl.col("long"),
            claim=_claim(),
            toll=pl.col("deaths").cast(pl.Int64),
            actor=_words("claimed_actor"),
        )
        .with_columns(
            # How many different events (type, toll, actors) the reports of a claim describe.
            claim_variety=pl.struct("type_group", "toll", "actor").n_unique().over("claim")
        )
        .collect()
    )
    # One chunk per column: Polars 2.1 panics on some operations of fusion (a format, a sort
    # and a window over a filtered frame) when columns come in several chunks.
    return frame.rechunk()


def _words(column: str) -> pl.Expr:
    value = pl.col(column).str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()
    return pl.when(value.str.len_chars() > 0).then(value)


def _claim() -> pl.Expr:
    """What a report states about where and when, as a key: the point (to about 10 m), the span
    (to the hour) and both precision codes. Null without a place or a time."""
    stated = pl.struct(
        (pl.col("lat") * 1e4).round().cast(pl.Int64),
        (pl.col("lon") * 1e4).round().cast(pl.Int64),
        pl.col("h0").round().cast(pl.Int64),
        pl.col("h1").round().cast(pl.Int64),
        "pc",
        pl.col("time_precision").cast(pl.Int64),
    )
    return pl.when(pl.col("pc").is_not_null() & pl.col("has_time")).then(stated.hash())


def cell_size_deg(tol_km: float) -> float:
    """Row height of the blocking grid for a tolerance: two tolerances of latitude."""
    return 2.0 * tol_km / 111.195


def row_width_deg(row: pl.Expr, tol_km: float) -> pl.Expr:
    """Column width of a grid row: two tolerances at the most poleward latitude it meets."""
    height = cell_size_deg(tol_km)
    poleward = ((row.abs() + 2).cast(pl.Float64) * height).clip(0.0, 89.0)
    return 2.0 * tol_km / (111.195 * (poleward * (math.pi / 180.0)).cos())
