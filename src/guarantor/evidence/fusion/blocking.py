"""Candidate pairs: which reports could describe the same event, found by joins, not loops.

**Place and time.** Reports fall into classes by place precision, span class and whether
they are typed. For every pair of classes the join runs on a grid whose cells are two of the
coarser class's place tolerances high (rows of latitude; each row's columns as wide as two
tolerances at its most poleward latitude) and whose time buckets hold the coarser class's
longest span plus its slack. A probe looks in the 2 x 2 cells on its near side and in the
buckets before, at and after its own: every pair within tolerance is found exactly once
(``tests/unit/fusion/test_fusion_blocking.py`` checks it against brute force). Typed reports
of two typed classes also join on the type group.

**Documents.** Reports that share a normalised URL, or an identical text of
``document_tokens`` or more, within ``document_window_hours`` pair up whatever their places: one article geocoded to
several places is still one article. A URL or text shared by more than
``document_group_cap`` reports (a live blog, a home page) is no evidence and is skipped.
"""

from __future__ import annotations

import polars as pl

from guarantor.evidence.fusion.config import FusionConfig
from guarantor.evidence.fusion.prepare import SPAN_CLASS_HOURS, cell_size_deg, row_width_deg
from guarantor.evidence.precision import place_radius_km

__all__ = [
    "PAIR_SCHEMA",
    "candidate_pairs",
    "coarse_pairs",
    "document_pairs",
    "place_time_pairs",
    "token_keys",
]

PAIR_SCHEMA = {"a": pl.Int64, "b": pl.Int64, "via": pl.Utf8}
_GLOBAL_KM = 1000.0


def _index_keys(side: pl.DataFrame, tol: float, bucket: float) -> pl.DataFrame:
    if tol >= _GLOBAL_KM:
        ky, kx = pl.lit(0, pl.Int64), pl.lit(0, pl.Int64)
    else:
        ky = (pl.col("lat") / cell_size_deg(tol)).floor().cast(pl.Int64)
        kx = (pl.col("lon") / row_width_deg(ky, tol)).floor().cast(pl.Int64)
    return side.select(
        "idx", "type_group", ky=ky, kx=kx, kt=(pl.col("h0") / bucket).floor().cast(pl.Int64)
    )


def _probe_keys(side: pl.DataFrame, tol: float, bucket: float) -> pl.DataFrame:
    kt = (pl.col("h0") / bucket).floor().cast(pl.Int64)
    shifts = pl.lit([-1, 0, 1], dtype=pl.List(pl.Int64))
    if tol >= _GLOBAL_KM:
        zero = pl.lit(0, pl.Int64)
        cells = [side.select("idx", "type_group", ky=zero, kx=zero, kt=kt)]
    else:
        fy = pl.col("lat") / cell_size_deg(tol)
        near_y = pl.when(fy - fy.floor() < 0.5).then(-1).otherwise(1)
        cells = []
        for row in (fy.floor().cast(pl.Int64), fy.floor().cast(pl.Int64) + near_y):
            fx = pl.col("lon") / row_width_deg(row, tol)
            near_x = pl.when(fx - fx.floor() < 0.5).then(-1).otherwise(1)
            for column in (fx.floor().cast(pl.Int64), fx.floor().cast(pl.Int64) + near_x):
                cells.append(side.select("idx", "type_group", ky=row, kx=column, kt=kt))
    return pl.concat(cells).with_columns(kt=pl.col("kt") + shifts).explode("kt")


def _class_join(
    left: pl.DataFrame, right: pl.DataFrame, tol: float, bucket: float, typed: bool
) -> pl.DataFrame:
    probe, index = (left, right) if left.height <= right.height else (right, left)
    on = ["ky", "kx", "kt", "type_group"] if typed else ["ky", "kx", "kt"]
    joined = _probe_keys(probe, tol, bucket).join(
        _index_keys(index, tol, bucket), on=on, suffix="_i"
    )
    return joined.select(
        a=pl.min_horizontal("idx", "idx_i"), b=pl.max_horizontal("idx", "idx_i")
    ).filter(pl.col("a") != pl.col("b"))


def place_time_pairs(
    frame: pl.DataFrame, config: FusionConfig, probes: pl.Series | None = None
) -> pl.DataFrame:
    """Pairs of precise reports within place tolerance and time reach, by the grid join."""
    usable = frame.filter(
        pl.col("pc").is_not_null() & pl.col("has_time") & ~pl.col("coarse")
    ).select(
        "idx", "lat", "lon", "h0", "pc", "type_group", typed=pl.col("type_group").is_not_null()
    )
    classes = usable.select("pc", "typed").unique().sort("pc", "typed").rows()
    parts = [pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64})]
    bucket = SPAN_CLASS_HOURS[0] + config.max_slack
    for i, first in enumerate(classes):
        for second in classes[i:]:
            parts.extend(_pairs_of_classes(usable, first, second, bucket, probes))
    return pl.concat(parts).with_columns(via=pl.lit("place_time"))


def _members(usable: pl.DataFrame, cls: tuple[int, bool]) -> pl.DataFrame:
    return usable.filter((pl.col("pc") == cls[0]) & (pl.col("typed") == cls[1]))


def _pairs_of_classes(
    usable: pl.DataFrame,
    first: tuple[int, bool],
    second: tuple[int, bool],
    bucket: float,
    probes: pl.Series | None,
) -> list[pl.DataFrame]:
    tol = max(place_radius_km(first[0]), place_radius_km(second[0]))
    typed = first[1] and second[1]
    left, right = _members(usable, first), _members(usable, second)
    if probes is None:
        found = _class_join(left, right, tol, bucket, typed)
        return [found if first != second else found.unique()]
    # Incremental: only pairs with at least one end among the probes.
    mine = pl.col("idx").is_in(probes.implode())
    found = [_class_join(left.filter(mine), right, tol, bucket, typed)]
    found.append(_class_join(left, right.filter(mine), tol, bucket, typed))
    return [pl.concat(found).unique()]


def token_keys(frame: pl.DataFrame, config: FusionConfig) -> pl.DataFrame:
    """(idx, token, kt) of reports with a place and a time: the keys of coarse blocking."""
    bucket = config.max_span_hours + config.max_slack
    return (
        frame.filter(pl.col("pc").is_not_null() & pl.col("has_time"))
        .select("idx", "coarse", token=pl.col("text_norm").str.split(" "), kt=pl.col("h0"))
        .explode("token")
        .filter(
            (pl.col("token").str.len_chars() >= config.token_chars)
            & ~pl.col("token").str.contains(r"^[0-9]+$")
        )
        .unique(["idx", "token"])
        .with_columns(kt=(pl.col("kt") / bucket).floor().cast(pl.Int64))
    )


def coarse_pairs(
    frame: pl.DataFrame, config: FusionConfig, probes: pl.Series | None = None
) -> pl.DataFrame:
    """Pairs with a coarse report that share a word, within the coarse time reach.

    A coarse report links only where the texts agree, so its candidates are the reports
    that share a word with it (one shared by more than ``token_group_cap`` reports in one
    time bucket is too common to tell anything).
    """
    keys = token_keys(frame, config)
    index = keys.filter(pl.len().over("token", "kt") <= config.token_group_cap)
    shifts = pl.lit([-1, 0, 1], dtype=pl.List(pl.Int64))
    coarse = index.filter(pl.col("coarse")).with_columns(kt=pl.col("kt") + shifts).explode("kt")
    if probes is None:
        joins = [(coarse, index)]
    else:
        mine = pl.col("idx").is_in(probes.implode())
        joins = [(coarse.filter(mine), index), (coarse, index.filter(mine))]
    found = [
        probe.join(other, on=["token", "kt"], suffix="_i").select(
            a=pl.min_horizontal("idx", "idx_i"), b=pl.max_horizontal("idx", "idx_i")
        )
        for probe, other in joins
    ]
    return (
        pl.concat(found)
        .filter(pl.col("a") != pl.col("b"))
        .unique()
        .with_columns(via=pl.lit("place_time"))
    )


def _shared(
    keyed: pl.DataFrame, key: str, config: FusionConfig, probes: pl.Series | None
) -> pl.DataFrame:
    groups = keyed.drop_nulls(key).filter(pl.len().over(key) <= config.document_group_cap)
    left = groups if probes is None else groups.filter(pl.col("idx").is_in(probes.implode()))
    window = config.document_window_hours
    near = (pl.col("h0") - pl.col("h0_r")).abs() <= window
    return (
        left.join(groups, on=key, suffix="_r")
        .filter(
            (pl.col("idx") != pl.col("idx_r"))
            & (near | pl.col("h0").is_null() | pl.col("h0_r").is_null())
        )
        .select(a=pl.min_horizontal("idx", "idx_r"), b=pl.max_horizontal("idx", "idx_r"))
    )


def document_pairs(
    frame: pl.DataFrame, config: FusionConfig, probes: pl.Series | None = None
) -> pl.DataFrame:
    """Pairs that share a URL, or an identical long text, within the window."""
    by_url = frame.select("idx", "h0", url_key=pl.col("urls")).explode("url_key")
    by_text = frame.filter(pl.col("document")).select("idx", "h0", text_key="text_hash")
    return pl.concat(
        [
            _shared(by_url, "url_key", config, probes).with_columns(via=pl.lit("url")),
            _shared(by_text, "text_key", config, probes).with_columns(via=pl.lit("text")),
        ]
    ).unique(["a", "b", "via"])


def candidate_pairs(
    frame: pl.DataFrame, config: FusionConfig, probes: pl.Series | None = None
) -> pl.DataFrame:
    """All candidate pairs (``a`` < ``b``, as ``idx``) with how they were found (``via``)."""
    spatial = pl.concat(
        [place_time_pairs(frame, config, probes), coarse_pairs(frame, config, probes)]
    ).select("a", "b", via=pl.lit(1, pl.Int8))
    documents = document_pairs(frame, config, probes).select(
        "a", "b", via=pl.when(pl.col("via") == "url").then(2).otherwise(4).cast(pl.Int8)
    )
    pairs = pl.concat([spatial, documents]).group_by("a", "b").agg(pl.col("via").sum())
    names = [(1, "place_time"), (2, "url"), (4, "text")]
    via = pl.concat_str(
        [pl.when((pl.col("via") & bit) > 0).then(pl.lit(name)) for bit, name in names],
        separator="+",
        ignore_nulls=True,
    )
    return pairs.select("a", "b", via=via).sort("a", "b")
