"""Fusion: reports in, incidents out, with every merge explained.

:func:`fuse` runs the whole pipeline: prepare, candidate pairs (:mod:`.blocking`), links
(:mod:`.links`), clustering under the analysts' constraints (:mod:`.clusters`), echo collapse
(:mod:`.independence`), incidents and membership (:mod:`.incidents`).

:func:`fuse_incremental` re-fuses only what new reports (or changed decisions) can touch: the
earlier *link components* (incidents joined by any earlier link, refused ones included) that
a new report could pair with, grown until no accepted link leaves them. Everything fusion
decides is local to such a component, so the result equals :func:`fuse` over all reports
(``tests/unit/fusion/test_fusion_incremental.py`` checks it as a property).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from guarantor.evidence.fusion.blocking import candidate_pairs, capped_groups
from guarantor.evidence.fusion.clusters import CUT, JOINED, cluster
from guarantor.evidence.fusion.config import FusionConfig
from guarantor.evidence.fusion.decisions import (
    Decision,
    decision_reports,
    must_links,
    not_same_groups,
    status_decisions,
)
from guarantor.evidence.fusion.incidents import incident_frames
from guarantor.evidence.fusion.independence import echo_groups
from guarantor.evidence.fusion.links import LINK_SCHEMA, links
from guarantor.evidence.fusion.prepare import prepare

__all__ = ["PAIRS_SCHEMA", "FusionResult", "fuse", "fuse_incremental"]

PAIRS_SCHEMA = {
    "first": pl.Utf8,
    "second": pl.Utf8,
    "rule": pl.Utf8,
    "distance_km": pl.Float64,
    "hours": pl.Float64,
    "text_similarity": pl.Float64,
    "shared_url": pl.Boolean,
    "score": pl.Float64,
    "status": pl.Utf8,  # joined | redundant (same incident already) | cut | conflict
}


@dataclass(frozen=True, slots=True)
class FusionResult:
    """Incidents (INCIDENT_SCHEMA), membership (MEMBERSHIP_SCHEMA) and the accepted links
    (PAIRS_SCHEMA, by report key), with the decisions they were fused under."""

    incidents: pl.DataFrame
    membership: pl.DataFrame
    pairs: pl.DataFrame
    decisions: tuple[Decision, ...] = ()


def fuse(
    reports: pl.DataFrame,
    decisions: Sequence[Decision] = (),
    *,
    config: FusionConfig = FusionConfig(),  # noqa: B008 - frozen, safe as a default
) -> FusionResult:
    """Fuse a frame of reports (REPORT_SCHEMA) into incidents, under analyst decisions."""
    return _fuse_frame(prepare(reports, config), tuple(decisions), config)


def _with_musts(
    frame: pl.DataFrame, found: pl.DataFrame, decisions: Sequence[Decision]
) -> pl.DataFrame:
    keys = frame.select("report_key", "idx")
    musts = (
        must_links(decisions)
        .join(keys, left_on="first", right_on="report_key", maintain_order="left")
        .join(keys, left_on="second", right_on="report_key", suffix="_2", maintain_order="left")
        .select(a=pl.min_horizontal("idx", "idx_2"), b=pl.max_horizontal("idx", "idx_2"))
        .with_columns(rule=pl.lit("analyst_merge"))
    )
    if musts.is_empty():  # the links are unique pairs already
        return found.select(list(LINK_SCHEMA))
    both = pl.concat([musts, found], how="diagonal_relaxed").select(list(LINK_SCHEMA))
    return both.unique(["a", "b"], keep="first", maintain_order=True)


def _items(frame: pl.DataFrame) -> pl.DataFrame:
    """(``idx``, ``key``, ``label``) of register records: see :func:`_exclusive`."""
    toll = pl.col("toll").fill_null(1).clip(lower_bound=1)
    day = (pl.col("h0") / 24.0).floor().cast(pl.Int64).fill_null(pl.col("idx"))
    return (
        frame.select("idx", "itemised", "organisation", "toll", "h0", "claim")  # narrow first
        .filter(pl.col("itemised"))
        .with_columns(key=pl.format("item\x1f{}\x1f{}\x1f{}", "organisation", toll, day))
        .sort("key", pl.col("claim").fill_null(pl.col("idx").cast(pl.UInt64)), "idx")
        .select("idx", "key", label=pl.int_range(pl.len()).over("key") // toll)
    )


def _exclusive(frame: pl.DataFrame, decisions: Sequence[Decision]) -> pl.DataFrame:
    """Cannot-link constraints as (``idx``, ``group``, ``label``): two reports of one group
    with different labels never share an incident.

    An analyst's "not the same event" is a group whose members each have their own label. A
    register lists one casualty per record, so an incident holds at most as many records of
    one register as the toll they state: records of one register stating the same toll
    (``d``, at least 1) on one day are cut into blocks of ``d`` (the labels), in claim and
    then ``report_key`` order, so that the records of one claim stay together. Which of several
    indistinguishable records go together is arbitrary.
    """
    parted = (
        not_same_groups(decisions)
        .join(frame.select("report_key", "idx"), on="report_key")
        .select("idx", key=pl.lit("not-same\x1f") + pl.col("group").cast(pl.Utf8), label="idx")
    )
    groups = pl.concat([_items(frame), parted])
    return groups.select("idx", group=pl.col("key").rank("dense").cast(pl.Int64), label="label")


def _evidence(found: pl.DataFrame, status: np.ndarray) -> pl.DataFrame:
    """(``parent_edge``, ``evidence`` as JSON) of the links that joined a report."""
    joined = pl.Series(status == JOINED)
    fields = pl.struct(
        "rule",
        pl.col("distance_km").round(3),
        pl.col("hours").round(2),
        pl.col("text_similarity").round(1),
        "shared_url",
        pl.col("score").round(3),
    )
    numbered = found.with_row_index("parent_edge").filter(joined)
    return numbered.select(
        pl.col("parent_edge").cast(pl.Int64), evidence=fields.struct.json_encode()
    )


def _fuse_frame(
    frame: pl.DataFrame, decisions: tuple[Decision, ...], config: FusionConfig
) -> FusionResult:
    size = frame.height
    found = _with_musts(frame, links(frame, candidate_pairs(frame, config), config), decisions)
    a, b = found["a"].to_numpy().astype(np.int64), found["b"].to_numpy().astype(np.int64)
    clustering = cluster(size, a, b, _exclusive(frame, decisions))
    informative = frame["informative"]
    similar = found.filter(
        (pl.col("text_similarity") >= config.near_identical_similarity)
        & informative.gather(found["a"])
        & informative.gather(found["b"])
    )
    members = frame.with_columns(
        incident=pl.Series(clustering.labels).gather(frame["idx"]),
        echo_text=pl.when(pl.col("informative")).then(pl.col("text_norm")),
    )
    echo = echo_groups(members, similar.select("a", "b"), size)
    statuses = status_decisions(decisions)
    incidents, membership = incident_frames(
        frame, clustering, echo, _evidence(found, clustering.status), statuses
    )
    return FusionResult(incidents, membership, _pairs(frame, found, clustering.status), decisions)


def _pairs(frame: pl.DataFrame, found: pl.DataFrame, status: np.ndarray) -> pl.DataFrame:
    keys = frame["report_key"]
    code = pl.Series("code", status, dtype=pl.Int8)
    named = code.replace_strict({0: "joined", 1: "redundant", 2: "cut"}, return_dtype=pl.Utf8)
    out = found.with_columns(
        first=keys.gather(found["a"]),
        second=keys.gather(found["b"]),
        status=pl.when((code == CUT) & (pl.col("rule") == "analyst_merge"))
        .then(pl.lit("conflict"))
        .otherwise(named),
    )
    # ``idx`` follows ``report_key`` and a < b: the order of (a, b) is that of (first, second).
    ordered = out.sort("a", "b")
    return ordered.select([pl.col(c).cast(t) for c, t in PAIRS_SCHEMA.items()])


def fuse_incremental(
    previous: FusionResult,
    new_reports: pl.DataFrame,
    all_reports: pl.DataFrame,
    decisions: Sequence[Decision] = (),
    *,
    config: FusionConfig = FusionConfig(),  # noqa: B008 - frozen, safe as a default
) -> FusionResult:
    """Fusion of ``all_reports`` after ``new_reports`` arrived, re-fusing only what they touch.

    ``previous`` is the result for the reports before (under ``previous.decisions``). Equal to
    ``fuse(all_reports, decisions)``.
    """
    decisions = tuple(decisions)
    frame = prepare(all_reports, config)
    old_component = _components(previous)
    changed = set(previous.decisions) ^ set(decisions)
    seeds = set(new_reports["report_key"].drop_nulls().to_list())
    seeds |= {k for d in changed for k in decision_reports(d)}
    seeds |= set(previous.membership["report_key"].to_list()) - set(frame["report_key"].to_list())
    seeds |= _crossed(frame, set(new_reports["report_key"].drop_nulls().to_list()), config)
    affected = _close(frame, seeds, old_component, decisions, config)
    subset = frame.filter(pl.col("report_key").is_in(sorted(affected))).drop("idx")
    subset = subset.with_row_index("idx").with_columns(pl.col("idx").cast(pl.Int64))
    return _combine(previous, _fuse_frame(subset, decisions, config), affected, decisions)


def _crossed(frame: pl.DataFrame, new: set[str], config: FusionConfig) -> set[str]:
    """Reports of the blocking groups that the new reports push over their cap: their pairs
    through that group are gone, so they must be fused again."""
    groups = capped_groups(frame, config)
    fresh = frame.filter(pl.col("report_key").is_in(sorted(new)))["idx"].implode()
    touched = groups.filter(pl.col("idx").is_in(fresh))["group"].unique().implode()
    sizes = (
        groups.filter(pl.col("group").is_in(touched))
        .group_by("group")
        .agg(
            after=pl.len(),
            before=(~pl.col("idx").is_in(fresh)).sum(),
            cap=pl.col("cap").first(),
        )
    )
    crossing = sizes.filter((pl.col("before") <= pl.col("cap")) & (pl.col("after") > pl.col("cap")))
    members = groups.filter(pl.col("group").is_in(crossing["group"].implode()))["idx"]
    return set(frame["report_key"].gather(members.unique()).to_list())


def _components(result: FusionResult) -> pl.DataFrame:
    """report_key -> earlier link component (incidents joined by any earlier link)."""
    keys = result.membership.select("report_key").sort("report_key").with_row_index("i")
    edges = result.pairs.join(keys, left_on="first", right_on="report_key").join(
        keys, left_on="second", right_on="report_key", suffix="_2"
    )
    size = keys.height
    graph = coo_matrix(
        (np.ones(edges.height), (edges["i"].to_numpy(), edges["i_2"].to_numpy())),
        shape=(size, size),
    )
    labels = connected_components(graph, directed=False)[1] if size else np.empty(0, np.int64)
    return keys.select("report_key", component=pl.Series(labels, dtype=pl.Int64))


def _grow(keys: set[str], old_component: pl.DataFrame) -> set[str]:
    touched = old_component.filter(pl.col("report_key").is_in(sorted(keys)))["component"]
    whole = old_component.filter(pl.col("component").is_in(touched.implode()))["report_key"]
    return keys | set(whole.to_list())


def _close(
    frame: pl.DataFrame,
    seeds: set[str],
    old_component: pl.DataFrame,
    decisions: Sequence[Decision],
    config: FusionConfig,
) -> set[str]:
    """The reports to re-fuse: seeds, whatever they may pair with, grown to closure."""
    keys = frame["report_key"]
    probes = frame.filter(pl.col("report_key").is_in(sorted(seeds)))["idx"]
    raw = candidate_pairs(frame, config, probes)
    items = _items(frame)
    mates = items.filter(
        pl.col("key").is_in(items.filter(pl.col("idx").is_in(probes.implode()))["key"].implode())
    )["idx"]
    affected = _grow(
        seeds
        | set(keys.gather(raw["a"]).to_list())
        | set(keys.gather(raw["b"]).to_list())
        | set(keys.gather(mates).to_list()),
        old_component,
    )
    musts = must_links(decisions)
    while True:
        probes = frame.filter(pl.col("report_key").is_in(sorted(affected)))["idx"]
        found = links(frame, candidate_pairs(frame, config, probes), config)
        ends = set(keys.gather(found["a"]).to_list()) | set(keys.gather(found["b"]).to_list())
        ends |= {
            k
            for pair in musts.select("first", "second").rows()
            if set(pair) & affected
            for k in pair
        }
        grown = _grow(affected | ends, old_component)
        if grown == affected:
            return affected
        affected = grown


def _combine(
    previous: FusionResult, fresh: FusionResult, affected: set[str], decisions: tuple[Decision, ...]
) -> FusionResult:
    touched = sorted(affected)
    gone = previous.membership.filter(pl.col("report_key").is_in(touched))["incident_id"].unique()
    incidents = pl.concat(
        [previous.incidents.filter(~pl.col("incident_id").is_in(gone.implode())), fresh.incidents]
    ).sort("incident_id")
    membership = pl.concat(
        [previous.membership.filter(~pl.col("incident_id").is_in(gone.implode())), fresh.membership]
    ).sort("incident_id", "report_key")
    pairs = pl.concat(
        [
            previous.pairs.filter(
                ~pl.col("first").is_in(touched) & ~pl.col("second").is_in(touched)
            ),
            fresh.pairs,
        ]
    ).sort("first", "second")
    return FusionResult(incidents, membership, pairs, decisions)
