"""Candidate pairs: which reports could describe the same event, found by joins, not loops.

**Near: the grid.** Every report that is not coarse (see :mod:`.links`) is put on a grid
whose cells are two exact-place tolerances (2 x 5 km) high (rows of latitude; each row's
columns as wide as two tolerances at its most poleward latitude) and whose time buckets hold
a day plus the largest slack. A probe looks in the 2 x 2 cells on its near side and in its
own bucket and the next (the earlier report of a pair finds the later one), so every pair
within the exact tolerance is found
(``tests/unit/fusion/test_fusion_blocking.py`` checks it against brute force). Typed reports
join on the type group as well.

**Wider: shared words.** Tolerances widen with imprecision (25 km for "near a place", the
oblast, a week or a month), and the wider the tolerance the more events fall inside it, so
there a report needs evidence beyond place and time: its candidates are the reports that
share a word with it (four letters or more, not a number) within its time reach (a day and
its slack for spans up to ``coarse_hours``, ``max_span_hours`` and its slack for longer
ones). A word shared by more than ``token_group_cap`` reports in one time bucket
(``killed``, a province's name) tells nothing and is skipped, and a report probes only with
the words that at most ``probe_group_cap`` reports share (a village's name rather than
"shelling"; the others still find it through the words they probe with).

**Claims.** Reports that state the same claim (the same point, span and precision codes:
the ``claim`` key of :mod:`.prepare`) pair up whatever their precision: sources citing one
event repeat what it says. A claim more than ``claim_group_cap`` reports make (a country and
a year) is no evidence and is skipped.

**Documents.** Reports that share a normalised URL, or an identical text of
``document_tokens`` or more, within ``document_window_hours`` pair up whatever their places:
one article geocoded to several places is still one article. A URL or text shared by more
than ``document_group_cap`` reports (a live blog, a home page) is no evidence and is skipped.

Every path takes ``probes`` (report ``idx``) to return only the pairs touching them, for the
incremental run; :func:`capped_groups` names the groups whose cap a new report could cross.
"""

from __future__ import annotations

import polars as pl

from guarantor.evidence.fusion.config import FusionConfig
from guarantor.evidence.fusion.prepare import cell_size_deg, row_width_deg
from guarantor.evidence.precision import place_radius_km

__all__ = [
    "VIA_CLAIM",
    "VIA_PLACE_TIME",
    "VIA_TEXT",
    "VIA_URL",
    "candidate_pairs",
    "capped_groups",
    "claim_pairs",
    "document_pairs",
    "grid_pairs",
    "word_pairs",
]

VIA_PLACE_TIME, VIA_URL, VIA_TEXT, VIA_CLAIM = 1, 2, 4, 8
_EXACT_KM = place_radius_km(1)
_SHIFTS = pl.lit([-1, 0, 1], dtype=pl.List(pl.Int64))
_NO_PAIRS = pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64})


def _near_bucket(config: FusionConfig) -> float:
    """Reach of reports that are not coarse: their longest span plus the slack it may have."""
    return config.coarse_hours + max(config.instant_slack_hours, config.slack(1), config.slack(2))


def _far_bucket(config: FusionConfig) -> float:
    return config.max_span_hours + config.max_slack


def _cell(ky: pl.Expr, kx: pl.Expr, kt: pl.Expr) -> pl.Expr:
    """One integer for a grid cell and time bucket (rows and columns fit 13 and 14 bits)."""
    return (kt + (1 << 35)) * (1 << 27) + (ky + 4096) * (1 << 14) + (kx + 8192)


def _with_type(side: pl.DataFrame) -> pl.DataFrame:
    """Adds ``typed``: the cell and the type group (as its integer code) as one hash (null
    without a type group). A collision only adds a candidate, which :mod:`.links` checks."""
    typed = pl.when(pl.col("type_group").is_not_null()).then(pl.struct("cell", "type_group").hash())
    return side.with_columns(typed=typed)


def _type_code() -> pl.Expr:
    return pl.col("type_group").cast(pl.Utf8).cast(pl.Categorical).to_physical()


def _index_keys(side: pl.DataFrame, bucket: float) -> pl.DataFrame:
    ky = (pl.col("lat") / cell_size_deg(_EXACT_KM)).floor().cast(pl.Int64)
    kx = (pl.col("lon") / row_width_deg(ky, _EXACT_KM)).floor().cast(pl.Int64)
    kt = (pl.col("h0") / bucket).floor().cast(pl.Int64)
    return _with_type(side.select("idx", "type_group", cell=_cell(ky, kx, kt)))


def _probe_keys(side: pl.DataFrame, bucket: float) -> pl.DataFrame:
    """Each probe's 2 x 2 nearest cells in its time bucket and the next: pairs are found
    from their earlier member (or from both, within one bucket). The rows, columns and
    bucket are worked out once per probe (lazily: shared terms once), the eight keys from
    them by integer arithmetic."""
    fy = pl.col("lat") / cell_size_deg(_EXACT_KM)
    base = side.lazy().select(
        "idx",
        "type_group",
        "lon",
        kt=(pl.col("h0") / bucket).floor().cast(pl.Int64),
        row=fy.floor().cast(pl.Int64),
        step=pl.when(fy - fy.floor() < 0.5).then(-1).otherwise(1),
    )
    cells = []
    for row in (pl.col("row"), pl.col("row") + pl.col("step")):
        fx = pl.col("lon") / row_width_deg(row, _EXACT_KM)
        one_row = base.select(
            "idx",
            "type_group",
            "kt",
            row=row,
            column=fx.floor().cast(pl.Int64),
            near=pl.when(fx - fx.floor() < 0.5).then(-1).otherwise(1),
        ).collect()
        for column in (pl.col("column"), pl.col("column") + pl.col("near")):
            for shift in (0, 1):
                cell = _cell(pl.col("row"), column, pl.col("kt") + shift)
                cells.append(one_row.select("idx", "type_group", cell=cell))
    return _with_type(pl.concat(cells))


def _ordered(joined: pl.DataFrame, other: str) -> pl.DataFrame:
    return joined.select(
        a=pl.min_horizontal("idx", other), b=pl.max_horizontal("idx", other)
    ).filter(pl.col("a") != pl.col("b"))


def _grid_join(probe: pl.DataFrame, index: pl.DataFrame, bucket: float) -> pl.DataFrame:
    keyed = _index_keys(index, bucket)
    probes = _probe_keys(probe, bucket)
    right = keyed.select("typed", idx_i="idx").drop_nulls("typed")
    typed = probes.drop_nulls("typed").join(right, on="typed")
    untyped_index = keyed.filter(pl.col("typed").is_null()).select("cell", idx_i="idx")
    untyped = pl.concat(
        [
            probes.filter(pl.col("typed").is_null())
            .select("idx", "cell")
            .join(keyed.select("cell", idx_i="idx"), on="cell"),
            probes.drop_nulls("typed").select("idx", "cell").join(untyped_index, on="cell"),
        ]
    )
    return pl.concat([_ordered(typed, "idx_i"), _ordered(untyped, "idx_i")])


def _grid_pairs(
    frame: pl.DataFrame, config: FusionConfig, probes: pl.Series | None
) -> pl.DataFrame:
    usable = (
        frame.lazy()  # the filter reads only the columns selected
        .filter(pl.col("pc").is_not_null() & pl.col("has_time") & ~pl.col("coarse"))
        .select("idx", "lat", "lon", "h0", type_group=_type_code())
        .collect()
    )
    bucket = _near_bucket(config)
    if probes is None:
        return _grid_join(usable, usable, bucket)
    mine = usable.filter(pl.col("idx").is_in(probes.implode()))
    return pl.concat([_grid_join(mine, usable, bucket), _grid_join(usable, mine, bucket)])


def grid_pairs(
    frame: pl.DataFrame, config: FusionConfig, probes: pl.Series | None = None
) -> pl.DataFrame:
    """Pairs of reports that are not coarse within the exact-place tolerance of each other."""
    return _grid_pairs(frame, config, probes).unique()


def _tokens(frame: pl.DataFrame, config: FusionConfig) -> pl.DataFrame:
    """(idx, token as a hash, h0, wide, coarse, long) of reports with a place and a time."""
    words = pl.col("text_norm").str.split(" ").list.unique()
    usable = pl.element().str.len_chars() >= config.token_chars
    return (
        frame.lazy()
        .filter(pl.col("pc").is_not_null() & pl.col("has_time"))
        .select(
            "idx",
            "h0",
            "coarse",
            "long",
            wide=pl.col("tol") > _EXACT_KM,
            token=words.list.filter(usable & ~pl.element().str.contains(r"^[0-9]+$")),
        )
        .explode("token")
        .drop_nulls("token")
        .with_columns(pl.col("token").hash())
        .collect()
    )


def _token_keys(tokens: pl.DataFrame, bucket: float) -> pl.DataFrame:
    return tokens.with_columns(kt=(pl.col("h0") / bucket).floor().cast(pl.Int64))


def _word_key() -> pl.Expr:
    """(token, time bucket) as one integer, so that groups and joins run on one column."""
    return pl.struct("token", "kt").hash()


def _counted(keys: pl.DataFrame, config: FusionConfig) -> pl.DataFrame:
    """Token rows of groups (token, time bucket) within the cap, with the group's size."""
    counted = keys.with_columns(key=_word_key()).with_columns(n=pl.len().over("key"))
    return counted.filter(pl.col("n") <= config.token_group_cap)


def _word_join(
    index: pl.DataFrame, side: pl.Expr, probes: pl.Series | None, config: FusionConfig
) -> list[pl.DataFrame]:
    rare = side & (pl.col("n") <= config.probe_group_cap)
    probe = index.filter(rare).with_columns(kt=pl.col("kt") + _SHIFTS).explode("kt")
    if probes is None:
        sides = [(probe, index)]
    else:
        mine = pl.col("idx").is_in(probes.implode())
        sides = [(probe.filter(mine), index), (probe, index.filter(mine))]
    return [
        _ordered(
            left.select("idx", key=_word_key()).join(right.select("key", idx_i="idx"), on="key"),
            "idx_i",
        )
        for left, right in sides
    ]


def _word_pairs(
    frame: pl.DataFrame, config: FusionConfig, probes: pl.Series | None
) -> pl.DataFrame:
    found = [_NO_PAIRS]
    tokens = _tokens(frame, config)
    near = _counted(_token_keys(tokens.filter(~pl.col("long")), _near_bucket(config)), config)
    found += _word_join(near, pl.col("wide"), probes, config)
    far = _counted(_token_keys(tokens, _far_bucket(config)), config)
    found += _word_join(far, pl.col("long"), probes, config)
    return pl.concat(found)


def word_pairs(
    frame: pl.DataFrame, config: FusionConfig, probes: pl.Series | None = None
) -> pl.DataFrame:
    """Pairs involving a report of wide tolerance that share a rare word in reach."""
    return _word_pairs(frame, config, probes).unique()


def _shared(
    keyed: pl.DataFrame, key: str, config: FusionConfig, probes: pl.Series | None
) -> pl.DataFrame:
    groups = keyed.drop_nulls(key).filter(
        pl.len().over(key).is_between(2, config.document_group_cap)
    )
    left = groups if probes is None else groups.filter(pl.col("idx").is_in(probes.implode()))
    window = config.document_window_hours
    near = (pl.col("h0") - pl.col("h0_r")).abs() <= window
    joined = left.join(groups, on=key, suffix="_r").filter(
        near | pl.col("h0").is_null() | pl.col("h0_r").is_null()
    )
    return _ordered(joined, "idx_r")


def _document_keys(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    by_url = frame.select("idx", "h0", key=pl.col("urls")).explode("key")
    by_text = (
        frame.select("idx", "h0", "document", "text_hash")
        .filter(pl.col("document"))
        .select("idx", "h0", key=pl.col("text_hash").cast(pl.Utf8))
    )
    return by_url, by_text


def document_pairs(
    frame: pl.DataFrame, config: FusionConfig, probes: pl.Series | None = None
) -> pl.DataFrame:
    """Pairs that share a URL, or an identical long text, within the window (``via``)."""
    by_url, by_text = _document_keys(frame)
    return pl.concat(
        [
            _shared(by_url, "key", config, probes).with_columns(via=pl.lit(VIA_URL, pl.Int8)),
            _shared(by_text, "key", config, probes).with_columns(via=pl.lit(VIA_TEXT, pl.Int8)),
        ]
    ).unique()


def claim_pairs(
    frame: pl.DataFrame, config: FusionConfig, probes: pl.Series | None = None
) -> pl.DataFrame:
    """Pairs that state the same claim (``via`` :data:`VIA_CLAIM`)."""
    claims = frame.select("idx", "claim").drop_nulls("claim")
    claims = claims.filter(pl.len().over("claim").is_between(2, config.claim_group_cap))
    return _self_join(claims, "claim", probes).with_columns(via=pl.lit(VIA_CLAIM, pl.Int8))


def _self_join(groups: pl.DataFrame, key: str, probes: pl.Series | None) -> pl.DataFrame:
    """Unique pairs (``a`` < ``b``) of reports sharing ``key`` (of the probes, if given)."""
    if probes is None:
        joined = groups.join(groups.select(key, idx_r="idx"), on=key)
        return joined.filter(pl.col("idx") < pl.col("idx_r")).select(a="idx", b="idx_r").unique()
    left = groups.filter(pl.col("idx").is_in(probes.implode()))
    return _ordered(left.join(groups.select(key, idx_r="idx"), on=key), "idx_r").unique()


def capped_groups(frame: pl.DataFrame, config: FusionConfig) -> pl.DataFrame:
    """(idx, group, cap) of every capped blocking group, to tell which a new report crosses."""
    by_url, by_text = _document_keys(frame)
    tokens = _tokens(frame, config)
    near = _token_keys(tokens.filter(~pl.col("long")), _near_bucket(config))
    far = _token_keys(tokens, _far_bucket(config))
    word = pl.format("{}\x1f{}", "token", "kt")
    parts = [
        by_url.drop_nulls("key").select("idx", group="url\x1f" + pl.col("key")),
        by_text.drop_nulls("key").select("idx", group="text\x1f" + pl.col("key")),
    ]
    capped = [p.with_columns(cap=pl.lit(config.document_group_cap)) for p in parts]
    for cap in (config.token_group_cap, config.probe_group_cap):
        for name, keys in (("near", near), ("far", far)):
            group = pl.format("{}\x1f{}\x1f", pl.lit(name), pl.lit(cap)) + word
            capped.append(keys.select("idx", group=group, cap=pl.lit(cap)))
    claims = frame.select("idx", "claim").drop_nulls("claim")
    capped.append(
        claims.select(
            "idx",
            group="claim\x1f" + pl.col("claim").cast(pl.Utf8),
            cap=pl.lit(config.claim_group_cap),
        )
    )
    return pl.concat(capped)


def candidate_pairs(
    frame: pl.DataFrame, config: FusionConfig, probes: pl.Series | None = None
) -> pl.DataFrame:
    """All candidate pairs (``a`` < ``b``, as ``idx``) with how they were found: ``via`` is a
    bit mask of :data:`VIA_PLACE_TIME`, :data:`VIA_URL`, :data:`VIA_TEXT` and
    :data:`VIA_CLAIM`."""
    size = max(frame.height, 1)
    spatial = pl.lit(VIA_PLACE_TIME, pl.Int8)
    found = pl.concat(
        [
            _grid_pairs(frame, config, probes).with_columns(via=spatial),
            _word_pairs(frame, config, probes).with_columns(via=spatial),
            document_pairs(frame, config, probes),
            claim_pairs(frame, config, probes),
        ]
    )
    merged = (
        found.select(key=pl.col("a") * size + pl.col("b"), via="via")
        .sort("key")  # sorted first: the grouping below then runs over sorted keys
        .group_by("key", maintain_order=True)
        .agg(pl.col("via").bitwise_or())
    )
    return merged.select(a=pl.col("key") // size, b=pl.col("key") % size, via="via")
