"""Which candidate pairs become links, by which rule, with the evidence that decided it.

Rules, strongest first:

``same_document``  the two reports share a URL and their texts are near-identical (or both
                   have none): one article, whatever the places it was geocoded to.
``same_text``      identical text of ``document_tokens`` or more within the document
                   window: one item copied or geocoded twice.
``same_claim``     the two reports state the same claim (point, span and precision codes,
                   see :mod:`.blocking`), compatible type and weapon, and the tolls and
                   actors agree where both give them: sources citing one event repeat what
                   it says, whatever its precision (up to ``claim_max_km``). A coarse claim
                   (a province, say) whose reports describe more than
                   ``coarse_claim_variety`` different events (type, toll, actors) is a busy
                   province-day, where agreeing attributes are a coincidence: no link.
``place_time``     within place tolerance, time spans overlapping (with slack), compatible
                   type and weapon, and a score of at least ``link_score``:
                   ``place`` (1 at the same point, falling to 0 at the tolerance)
                   + ``time`` (1 when the spans overlap, falling to 0 at the slack)
                   + ``text_weight`` x text agreement ((similarity - 50) / 50; unless
                   both texts are informative only its positive part, scaled by the
                   shorter text's share of ``informative_tokens``: one shared word is
                   weak evidence)
                   + ``url_bonus`` if they share a URL
                   - ``toll_weight`` x |ln((toll a + 1) / (toll b + 1))| where both give a
                   toll (2 against 3 killed costs little, 1 against 8 a link)
                   - ``actor_weight`` if both name the actors and the names differ.

Beyond the exact-place tolerance (5 km) place and time are not enough: a link there needs the
texts to agree (similarity of at least ``wide_text_similarity``).

Two records of one organisation with near-identical text at different points are a roundup
(one article listing several places), not one event seen twice: no ``place_time`` link.

A *coarse* report (place tolerance of ``coarse_km`` or more, or a span longer than
``coarse_hours``) links by place and time only where the texts agree (similarity of at least
``coarse_text_similarity``), and keeps only its best such link (coarse reports joined by
``same_claim`` keep only the best link of them all): it attaches to the event that
fits it best and never bridges two events that precise reports keep apart. Two coarse reports
link only when they make the same claim: the same point and the same span (within a day).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from guarantor.evidence.fusion.blocking import VIA_CLAIM, VIA_PLACE_TIME, VIA_TEXT, VIA_URL
from guarantor.evidence.fusion.config import FusionConfig
from guarantor.evidence.fusion.similarity import indexed_similarity
from guarantor.evidence.precision import place_radius_km

__all__ = ["LINK_SCHEMA", "RULE_ORDER", "links"]

RULE_ORDER = {
    "analyst_merge": 0,
    "same_document": 1,
    "same_text": 2,
    "same_claim": 3,
    "place_time": 4,
}
LINK_SCHEMA = {
    "a": pl.Int64,
    "b": pl.Int64,
    "rule": pl.Utf8,
    "distance_km": pl.Float64,
    "hours": pl.Float64,
    "text_similarity": pl.Float64,
    "shared_url": pl.Boolean,
    "score": pl.Float64,
}
_WHERE = [
    "lat", "lon", "tol", "h0", "h1", "slack", "type_group", "weapon_group", "admin1", "admin2",
    "pc",
]  # fmt: skip
_WHAT = [
    "has_text", "informative", "organisation", "tokens", "toll", "actor", "claim_variety",
]  # fmt: skip
# Compared only for equality: as integer codes, which are equal exactly where the texts are.
_CODED = ("type_group", "weapon_group", "admin1", "admin2", "organisation", "actor")
# What the rules and the score read of the place-and-time measures.
_MEASURED = [
    "a", "b", "via", "distance_km", "hours", "same_span", "overlap", "tol", "slack", "plausible",
    "type_group_a", "type_group_b", "weapon_group_a", "weapon_group_b",
]  # fmt: skip
_RULE_NAMES = {code: rule for rule, code in RULE_ORDER.items()}
_EARTH_KM = 6371.0088


def _columns(frame: pl.DataFrame) -> pl.DataFrame:
    """What links compare, per report: the texts of :data:`_CODED` as integer codes (so that
    gathering them for millions of pairs moves integers, not strings) and ``has_text``."""
    return frame.select(
        *(n for n in [*_WHERE, *_WHAT] if n not in _CODED and n != "has_text"),
        *(pl.col(n).cast(pl.Utf8).cast(pl.Categorical).to_physical() for n in _CODED),
        has_text=pl.col("text_norm").is_not_null(),
    )


def _sides(columns: pl.DataFrame, pairs: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    chosen = columns.select(names)
    first = chosen.gather(pairs["a"]).rename({c: f"{c}_a" for c in names})
    second = chosen.gather(pairs["b"]).rename({c: f"{c}_b" for c in names})
    return pl.concat([pairs, first, second], how="horizontal")


def _shared_url(urls: pl.Series, a: pl.Series, b: pl.Series) -> pl.Series:
    """Whether reports ``a[i]`` and ``b[i]`` share a normalised URL.

    Most reports have one URL: those pairs compare a hash of it and confirm equal hashes on
    the texts; the pairs where either report has several intersect their lists.
    """
    count = urls.list.len().fill_null(0)
    first = urls.list.first()
    hashed = first.hash()
    count_a, count_b = count.gather(a), count.gather(b)
    single = (count_a == 1) & (count_b == 1)
    same = single & (hashed.gather(a) == hashed.gather(b))
    shared = pl.Series("shared_url", same.to_numpy(), dtype=pl.Boolean)
    check = np.flatnonzero(same.to_numpy())
    if len(check):
        texts = first.gather(a.gather(check)) == first.gather(b.gather(check))
        shared.scatter(check, texts.fill_null(False))
    several = np.flatnonzero((~single & (count_a > 0) & (count_b > 0)).to_numpy())
    if len(several):
        left, right = urls.gather(a.gather(several)), urls.gather(b.gather(several))
        common = (left.list.set_intersection(right).list.len() > 0).fill_null(False)
        shared.scatter(several, common)
    return shared


def _haversine() -> pl.Expr:
    rad = 3.141592653589793 / 180.0
    dlat = (pl.col("lat_b") - pl.col("lat_a")) * rad
    dlon = (pl.col("lon_b") - pl.col("lon_a")) * rad
    h = (dlat / 2).sin() ** 2 + (pl.col("lat_a") * rad).cos() * (pl.col("lat_b") * rad).cos() * (
        dlon / 2
    ).sin() ** 2
    return 2 * _EARTH_KM * h.sqrt().clip(0.0, 1.0).arcsin()


def _compatible(column: str) -> pl.Expr:
    a, b = pl.col(f"{column}_a"), pl.col(f"{column}_b")
    return (a.is_null() | b.is_null() | (a == b)).fill_null(True)


def _agree(column: str) -> pl.Expr:
    a, b = pl.col(f"{column}_a"), pl.col(f"{column}_b")
    return (a.is_null() | b.is_null() | (a == b)).fill_null(True)


def _same_admin(level: int, column: str) -> pl.Expr:
    a, b = pl.col(f"{column}_a"), pl.col(f"{column}_b")
    coarse = pl.max_horizontal("pc_a", "pc_b") == level
    return ~coarse | a.is_null() | b.is_null() | (a == b)


def _measures(sides: pl.DataFrame) -> pl.LazyFrame:
    gap = pl.max_horizontal("h0_a", "h0_b") - pl.min_horizontal("h1_a", "h1_b")
    tol = pl.max_horizontal("tol_a", "tol_b")
    slack = pl.max_horizontal("slack_a", "slack_b")
    return (
        sides.lazy()
        .with_columns(  # lazy: the shared terms are computed once
            distance_km=_haversine(),
            hours=gap.clip(lower_bound=0.0),
            same_span=((pl.col("h0_a") - pl.col("h0_b")).abs() <= 24.0)
            & ((pl.col("h1_a") - pl.col("h1_b")).abs() <= 24.0),
            overlap=gap < 0.0,
            tol=tol,
            slack=slack,
        )
        .with_columns(
            plausible=(
                ((pl.col("via") & (VIA_URL | VIA_TEXT)) > 0)
                | (
                    (pl.col("distance_km") <= pl.col("tol"))
                    & (pl.col("overlap") | (pl.col("hours") <= pl.col("slack")))
                    & _compatible("type_group")
                    & _compatible("weapon_group")
                    & _same_admin(3, "admin2")
                    & _same_admin(4, "admin1")
                )
            ).fill_null(False)
        )
    )


def _scores(config: FusionConfig) -> pl.Expr:
    place = (
        pl.when(pl.col("distance_km") <= config.same_point_km)
        .then(1.0)
        .otherwise(1.0 - pl.col("distance_km") / pl.col("tol"))
    ).clip(0.0, 1.0)
    time = (
        pl.when(pl.col("overlap")).then(1.0).otherwise(1.0 - pl.col("hours") / pl.col("slack"))
    ).clip(0.0, 1.0)
    agreement = (pl.col("text_similarity") - 50.0) / 50.0
    both_informative = pl.col("informative_a") & pl.col("informative_b")
    shortest = pl.min_horizontal("tokens_a", "tokens_b").cast(pl.Float64)
    weight = (shortest / config.informative_tokens).clip(0.0, 1.0)
    text = (
        pl.when(both_informative)
        .then(agreement)
        .otherwise(agreement.clip(lower_bound=0.0) * weight)
    )
    url = pl.when(pl.col("shared_url")).then(config.url_bonus).otherwise(0.0)
    toll = ((pl.col("toll_a") + 1).log() - (pl.col("toll_b") + 1).log()).abs()
    actor = (pl.col("actor_a") != pl.col("actor_b")).cast(pl.Float64)
    against = config.toll_weight * toll.fill_null(0.0) + config.actor_weight * actor.fill_null(0.0)
    return (place.fill_null(0.0) + time.fill_null(0.0) + config.text_weight * text.fill_null(0.0)
            + url - against)  # fmt: skip


def _rules(config: FusionConfig) -> pl.Expr:
    similar = pl.col("text_similarity") >= config.same_document_similarity
    textless = ~pl.col("has_text_a") & ~pl.col("has_text_b")
    beyond_exact = pl.col("distance_km") > place_radius_km(1)
    unsupported = beyond_exact & (
        pl.col("text_similarity").fill_null(0.0) < config.wide_text_similarity
    )
    roundup = (
        (pl.col("organisation_a") == pl.col("organisation_b"))
        & (pl.col("text_similarity") >= config.near_identical_similarity)
        & (pl.col("distance_km") > config.same_point_km)
    ).fill_null(False)
    return (
        pl.when(((pl.col("via") & VIA_URL) > 0) & pl.col("shared_url") & (similar | textless))
        .then(pl.lit(RULE_ORDER["same_document"], pl.Int8))
        .when((pl.col("via") & VIA_TEXT) > 0)
        .then(pl.lit(RULE_ORDER["same_text"], pl.Int8))
        .when(
            ((pl.col("via") & VIA_CLAIM) > 0)
            & (pl.col("tol") <= config.claim_max_km)
            & (
                (pl.col("tol") < config.coarse_km)
                | (pl.col("claim_variety_a") <= config.coarse_claim_variety)
            )
            & _compatible("type_group")
            & _compatible("weapon_group")
            & _agree("toll")
            & _agree("actor")
        )
        .then(pl.lit(RULE_ORDER["same_claim"], pl.Int8))
        .when(
            ((pl.col("via") & VIA_PLACE_TIME) > 0)
            & pl.col("plausible")
            & ~roundup
            & ~unsupported
            & (pl.col("score") >= config.link_score)
        )
        .then(pl.lit(RULE_ORDER["place_time"], pl.Int8))
        .otherwise(None)
    )


def _claim_groups(kept: pl.DataFrame, flags: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Per report, its group: coarse reports joined by ``same_claim`` links share one."""
    claims = kept.filter(pl.col("rule") == RULE_ORDER["same_claim"])
    a, b = claims["a"].to_numpy(), claims["b"].to_numpy()
    both = flags[a] & flags[b]
    size = len(flags)
    graph = coo_matrix((np.ones(int(both.sum())), (a[both], b[both])), shape=(size, size))
    labels: npt.NDArray[np.int64] = connected_components(graph, directed=False)[1].astype(np.int64)
    return labels


def _coarse_best(accepted: pl.DataFrame, coarse: pl.Series, config: FusionConfig) -> pl.DataFrame:
    """Keep ``place_time`` links of coarse reports only where the texts agree and the link is
    the best of that report, or of its claim group (coarse reports stating one claim)."""
    first, second = coarse.gather(accepted["a"]), coarse.gather(accepted["b"])
    weak = accepted["text_similarity"].fill_null(0.0) < config.coarse_text_similarity
    elsewhere = (accepted["distance_km"] > config.same_point_km) | ~accepted["same_span"]
    drop = (((first | second) & weak) | (first & second & elsewhere)) & (
        accepted["rule"] == RULE_ORDER["place_time"]
    )
    kept = accepted.filter(~drop)
    a, b, score = kept["a"].to_numpy(), kept["b"].to_numpy(), kept["score"].to_numpy()
    flags = coarse.to_numpy()
    edges = np.flatnonzero((kept["rule"] == RULE_ORDER["place_time"]).to_numpy())
    group = _claim_groups(kept, flags)
    node = np.concatenate([a[edges], b[edges]])
    other = np.concatenate([b[edges], a[edges]])
    edge = np.concatenate([edges, edges])
    ends = flags[node]
    owner, other, edge = group[node[ends]], other[ends], edge[ends]
    order = np.lexsort((other, -score[edge], owner))
    lead = np.ones(len(order), dtype=bool)
    lead[1:] = owner[order][1:] != owner[order][:-1]
    best = np.zeros(kept.height, dtype=bool)
    best[edge[order][lead]] = True
    touches = np.zeros(kept.height, dtype=bool)
    touches[edges] = flags[a[edges]] | flags[b[edges]]
    return kept.filter(pl.Series(~touches | best))


def links(frame: pl.DataFrame, pairs: pl.DataFrame, config: FusionConfig) -> pl.DataFrame:
    """The accepted links among ``pairs`` (LINK_SCHEMA), strongest first."""
    if pairs.is_empty():
        return pl.DataFrame(schema=LINK_SCHEMA)
    columns = _columns(frame)
    plausible = _measures(_sides(columns, pairs, _WHERE)).filter(pl.col("plausible"))
    measured = _sides(columns, plausible.select(_MEASURED).collect(), _WHAT)
    measured = measured.with_columns(
        shared_url=_shared_url(frame["urls"], measured["a"], measured["b"])
    )
    similarity = indexed_similarity(
        frame["text_norm"], measured["a"].to_numpy(), measured["b"].to_numpy(), config.workers
    )
    kept_columns = [c for c in LINK_SCHEMA if c != "rule"]
    accepted = (
        measured.lazy()  # the shared terms of the score and the rules computed once
        .with_columns(text_similarity=similarity)
        .with_columns(score=_scores(config))
        .select(*kept_columns, "same_span", rule=_rules(config))
        .filter(pl.col("rule").is_not_null())
        .collect()
    )
    kept = _coarse_best(accepted, frame["coarse"], config)
    ordered = kept.sort(
        ["rule", "score", "a", "b"], descending=[False, True, False, False]
    )  # rule as its code: the order of RULE_ORDER
    named = pl.col("rule").replace_strict(_RULE_NAMES, return_dtype=pl.Utf8)
    return ordered.with_columns(rule=named).select(list(LINK_SCHEMA))
