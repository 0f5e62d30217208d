"""Incidents and membership frames from clustered reports.

**Fused attributes.** Place (point, name, oblast, raion) comes from the member with the most
precise place, time from the member with the most precise time (shortest span), ties by
report key. Type, weapon, claimed actor and target are the most frequent value among the
members (ties: alphabetical); severity, casualties and calibre the highest reported.
Every attribute on which members differ is listed in ``disagreements`` (a JSON array of
``{"attribute", "value", "reports"}``), with the spread of the members' points when they
are more than a kilometre apart.

**Ids.** ``incident_id`` is ``inc-`` and 16 hex digits of the BLAKE2b hash of the smallest
member report key: an incident keeps its id across re-runs as long as its seed stays in it.

**Membership.** Each report names the member it was joined to (``joined_by``; null for the
seed) and the evidence of that link as JSON: rule, distance in km, hours between the spans,
text similarity, shared URL and score.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt
import polars as pl

from guarantor.evidence.fusion import grading
from guarantor.evidence.fusion.clusters import Clustering
from guarantor.evidence.incidents import INCIDENT_SCHEMA, MEMBERSHIP_SCHEMA
from guarantor.evidence.markings import parse_marking

__all__ = ["incident_frames", "incident_id", "most_restrictive"]

_MODES = {"type": "type", "weapon": "weapon", "actor": "claimed_actor", "target": "target"}
_HIGHEST = ("calibre_mm", "severity", "deaths", "injured")
_COMPARED = ("type", "weapon", "claimed_actor", "target", "place_name", *_HIGHEST)


def incident_id(seed_key: str) -> str:
    return "inc-" + hashlib.blake2b(seed_key.encode("utf-8"), digest_size=8).hexdigest()


def most_restrictive(markings: list[str | None]) -> str:
    """The marking that releases to no one any member is not released to.

    An empty intersection (``REL TO ua`` with ``REL TO ru``) is ``CELL ONLY``: it parses as
    no marking, so every read path shows it to the verification cell alone (fail closed).
    """
    parties: frozenset[str] | None = None
    internal = False
    for text in markings:
        marking = parse_marking(text)
        if marking is None:
            return "CELL ONLY"
        if marking.kind == "public":
            continue
        internal = internal or marking.kind == "internal"
        parties = marking.parties if parties is None else parties & marking.parties
    if parties is None:
        return "PUBLIC"
    if not parties:
        return "CELL ONLY"
    if internal:
        return f"INTERNAL {min(parties)}"
    return "REL TO " + ",".join(sorted(parties))


def _looked_up(frame: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the other columns of ``table`` (one row per label, or none) by ``label``
    (null where ``table`` has none): a left join by lookup, which gathers no column of
    ``frame``."""
    rows = frame["label"].replace_strict(
        table["label"], pl.int_range(table.height, eager=True), default=None, return_dtype=pl.Int64
    )
    return frame.with_columns(table[c].gather(rows).alias(c) for c in table.columns if c != "label")


def _kinds(members: pl.DataFrame) -> pl.DataFrame:
    """Per label, the number of distinct values of each compared attribute (``{column} kinds``)
    and the first value of each of ``_MODES`` (``{name}``), nulls aside."""
    return members.group_by("label").agg(
        *(pl.col(c).drop_nulls().n_unique().alias(f"{c} kinds") for c in _COMPARED),
        *(pl.col(c).drop_nulls().first().alias(n) for n, c in _MODES.items()),
    )


def _modes(members: pl.DataFrame, kinds: pl.DataFrame) -> pl.DataFrame:
    """Per label, the most frequent value of each of ``_MODES`` (ties: alphabetical).

    Most incidents agree on each attribute: their single value is the mode. Values are
    counted only for the incidents whose members give several."""
    out = kinds
    for name, column in _MODES.items():
        mixed = out.filter(pl.col(f"{column} kinds") > 1)["label"]
        if mixed.is_empty():
            continue
        counted = (
            members.select("label", value=pl.col(column))
            .filter(pl.col("label").is_in(mixed.implode()))
            .drop_nulls("value")
            .group_by("label", "value")
            .len()
            .sort(["label", "len", "value"], descending=[False, True, False])
            .filter(pl.col("label").is_first_distinct())
        )
        out = _looked_up(out, counted.select("label", mode="value"))
        out = out.with_columns(pl.coalesce("mode", name).alias(name)).drop("mode")
    return out.select("label", *_MODES)


_TIME = {"time": "observed_at", "time_until": "observed_until", "time_precision": "time_precision"}
_PLACE = {
    "lat": "lat",
    "lon": "lon",
    "place_precision": "place_precision",
    "place_name": "place_name",
    "oblast": "admin1",
    "raion": "admin2",
}


def _time_order(members: pl.DataFrame) -> npt.NDArray[np.int64]:
    """Each member's position when all are ranked by time precision: shortest span, then
    most precise code, then ``idx``."""
    keys = members.select(
        "idx",
        span=(pl.col("h1") - pl.col("h0")).fill_null(float("inf")),
        code=pl.col("time_precision").fill_null(99),
    )
    # lexsort: the last key is the first criterion; ``idx`` is the row number.
    ranked = np.lexsort(
        (keys["idx"].to_numpy(), keys["code"].to_numpy(), keys["span"].to_numpy())
    ).astype(np.int64)
    position = np.empty(len(ranked), dtype=np.int64)
    position[ranked] = np.arange(len(ranked), dtype=np.int64)
    return position


def _markings(members: pl.DataFrame, labels: pl.Series) -> pl.DataFrame:
    """Per label of ``labels``, its members' distinct markings, sorted and joined."""
    return (
        members.select("label", marking=pl.col("releasability").fill_null(""))
        .filter(pl.col("label").is_in(labels.implode()))
        .unique()
        .sort("label", "marking")
        .group_by("label", maintain_order=True)
        .agg(several=pl.col("marking").str.join("\x1f"))
    )


def _fused(members: pl.DataFrame, echo: np.ndarray, kinds: pl.DataFrame) -> pl.DataFrame:
    """Per label, the fused attributes. ``members`` is in ``idx`` order, ``idx`` the row
    number, and ``idx`` follows ``report_key``. The member that ranks first on place (most
    precise code, then ``idx``) and on time (see :func:`_time_order`) is found as a minimum
    of one integer per member, in the same aggregation as the totals."""
    size = members.height
    time_position = _time_order(members)
    ranked = members.select(
        "label",
        "idx",
        "claimed_actor",
        "reliability",
        "credibility",
        *_HIGHEST,
        echo=pl.Series(echo).gather(members["idx"]),
        place_key=pl.col("pc").fill_null(99).cast(pl.Int64) * size + pl.col("idx"),
        time_key=pl.Series(time_position).gather(members["idx"]),
        marking=pl.col("releasability").fill_null(""),
    )
    totals = ranked.group_by("label").agg(
        seed_idx=pl.col("idx").min(),
        place_key=pl.col("place_key").min(),
        time_key=pl.col("time_key").min(),
        **{column: pl.col(column).max() for column in _HIGHEST},
        reports=pl.len().cast(pl.Int32),
        sources=pl.col("echo").n_unique().cast(pl.Int32),
        actors=pl.col("claimed_actor").drop_nulls().n_unique(),
        reliability=grading.reliability(pl.col("reliability")),
        credibility=grading.credibility(pl.col("credibility"), pl.col("echo").n_unique()),
        marking_kinds=pl.col("marking").n_unique(),
        markings=pl.col("marking").first(),
    )
    order = np.argsort(time_position)  # position -> idx
    place_idx = totals["place_key"] % size
    time_idx = pl.Series(order).gather(totals["time_key"])
    picked = [members[column].gather(time_idx).alias(name) for name, column in _TIME.items()] + [
        members[column].gather(place_idx).alias(name) for name, column in _PLACE.items()
    ]
    totals = totals.with_columns(
        *picked, seed=members["report_key"].gather(totals["seed_idx"])
    ).drop("seed_idx", "place_key", "time_key")
    mixed = totals.filter(pl.col("marking_kinds") > 1)["label"]
    if len(mixed):
        totals = _looked_up(totals, _markings(members, mixed)).with_columns(
            markings=pl.coalesce("several", "markings")
        )
    return _looked_up(totals.drop("marking_kinds", "several", strict=False), _modes(members, kinds))


def _spread(members: pl.DataFrame, fused: pl.DataFrame) -> pl.DataFrame:
    """Farthest member point from the fused point, per label (km). Labels are 0 .. k - 1."""
    by_label = fused.select("label", "lat", "lon").sort("label")
    joined = members.select(
        "label",
        "lat",
        "lon",
        lat_f=by_label["lat"].gather(members["label"]),
        lon_f=by_label["lon"].gather(members["label"]),
    )
    rad = np.pi / 180.0
    dlat = (pl.col("lat") - pl.col("lat_f")) * rad
    dlon = (pl.col("lon") - pl.col("lon_f")) * rad
    h = (dlat / 2).sin() ** 2 + (pl.col("lat") * rad).cos() * (pl.col("lat_f") * rad).cos() * (
        dlon / 2
    ).sin() ** 2
    km = 2 * 6371.0088 * h.sqrt().clip(0.0, 1.0).arcsin()
    return joined.group_by("label").agg(spread_km=km.max())


def _differing(members: pl.DataFrame, kinds: pl.DataFrame, column: str) -> pl.DataFrame:
    """(label, report_key, attribute, value) of the labels whose members differ on ``column``
    (``kinds``: per label, the number of distinct values of each column)."""
    differ = kinds.filter(pl.col(f"{column} kinds") > 1)["label"]
    values = members.select("label", "report_key", column).filter(
        pl.col("label").is_in(differ.implode())
    )
    return values.select(
        "label", "report_key", attribute=pl.lit(column), value=pl.col(column).cast(pl.Utf8)
    ).drop_nulls("value")


def _disagreements(
    members: pl.DataFrame, kinds: pl.DataFrame, spread: pl.DataFrame
) -> pl.DataFrame:
    long = pl.concat([_differing(members, kinds, c) for c in _COMPARED])
    grouped = (
        long.group_by("label", "attribute", "value")
        .agg(pl.col("report_key").sort().alias("reports"))
        .filter(pl.len().over("label", "attribute") > 1)
        .sort("label", "attribute", "value")
    )
    items = grouped.select(
        "label", item=pl.struct("attribute", "value", "reports").struct.json_encode()
    )
    far = spread.filter(pl.col("spread_km") > 1.0).select(
        "label",
        item=pl.format('{{"attribute":"place","spread_km":{}}}', pl.col("spread_km").round(3)),
    )
    return (
        pl.concat([items, far])
        .group_by("label")
        .agg(disagreements=pl.lit("[") + pl.col("item").str.join(",") + pl.lit("]"))
    )


def _decided(members: pl.DataFrame, statuses: pl.DataFrame) -> pl.DataFrame:
    if statuses.is_empty():
        return pl.DataFrame(schema={"label": pl.Int64, "decided": statuses.schema["status"]})
    return (
        statuses.join(members.select("report_key", "label"), on="report_key")
        .sort("when", "status")
        .group_by("label")
        .agg(decided=pl.col("status").last())
    )


def incident_frames(
    members: pl.DataFrame,
    clustering: Clustering,
    echo: np.ndarray,
    evidence: pl.DataFrame,
    statuses: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(incidents, membership) for the prepared ``members`` clustered by ``clustering``.

    ``evidence``: the JSON text (``evidence``) of each link that joined a report, by its
    position among the links (``parent_edge``); ``statuses``:
    Confirm/Reject rows (``report_key``, ``status``, ``when``).
    """
    members = members.with_columns(label=pl.Series(clustering.labels).gather(members["idx"]))
    kinds = _kinds(members)
    fused = _fused(members, echo, kinds)
    spread = _spread(members, fused)
    fused = _looked_up(fused, spread)
    blake2b = hashlib.blake2b
    hashed = [
        "inc-" + blake2b(seed.encode("utf-8"), digest_size=8).hexdigest()
        for seed in fused["seed"].to_list()
    ]  # = incident_id(seed), inlined: one Python call per incident is what this step costs
    fused = fused.with_columns(incident_id=pl.Series(hashed, dtype=pl.Utf8))
    combos = fused["markings"].unique().sort().to_list()
    restrictive = pl.DataFrame(
        {
            "markings": combos,
            "releasability": [most_restrictive(c.split("\x1f")) for c in combos],
        },
        schema={"markings": pl.Utf8, "releasability": pl.Utf8},
    )
    fused = fused.with_columns(  # a lookup: a join would gather every column
        releasability=pl.col("markings").replace_strict(
            restrictive["markings"], restrictive["releasability"], return_dtype=pl.Utf8
        )
    )
    fused = _looked_up(fused, _disagreements(members, kinds, spread))
    fused = _looked_up(fused, _decided(members, statuses))
    incidents = fused.with_columns(
        status=grading.status(pl.col("sources"), pl.col("actors"), pl.col("decided")),
        disagreements=pl.col("disagreements").fill_null("[]"),
        sector=pl.lit(None, pl.Utf8),
        count=pl.lit(1, pl.Int32),
    )
    incidents = incidents.select("label", *[pl.col(c).cast(t) for c, t in INCIDENT_SCHEMA.items()])
    # In incident id order: the ids' 16 hex digits as an unsigned integer sort the same.
    digest = pl.col("incident_id").str.slice(4).str.to_integer(base=16, dtype=pl.UInt64)
    incidents = incidents.sort(digest).with_row_index("position")
    membership = _membership(
        members, clustering, evidence, incidents.select("label", "position", "incident_id")
    )
    return incidents.select(list(INCIDENT_SCHEMA)), membership


def _membership(
    members: pl.DataFrame, clustering: Clustering, evidence: pl.DataFrame, ids: pl.DataFrame
) -> pl.DataFrame:
    """Sorted by incident id and report key: the order is found on integers, the incident's
    ``position`` (in incident id order) and ``idx`` (which follows ``report_key``), and the
    texts are gathered in that order, never sorted."""
    keys = members.select("idx", "report_key").sort("idx")["report_key"]  # narrow first
    by_label = ids.sort("label")  # labels are 0 .. incidents - 1
    order = members.select(
        "idx", position=by_label["position"].gather(members["label"]).cast(pl.Int64)
    ).sort("position", "idx")
    idx = order["idx"]
    parent = pl.Series(clustering.parent).gather(idx)
    frame = pl.DataFrame(
        {
            "report_key": keys.gather(idx),
            "incident_id": ids.sort("position")["incident_id"].gather(order["position"]),
            "parent_edge": pl.Series(clustering.parent_edge).gather(idx),
        }
    ).with_columns(joined_by=pl.when(parent >= 0).then(keys.gather(parent.clip(lower_bound=0))))
    frame = frame.with_columns(  # a lookup: a join would gather every column
        evidence=pl.col("parent_edge").replace_strict(
            evidence["parent_edge"], evidence["evidence"], default=None, return_dtype=pl.Utf8
        )
    )
    frame = frame.with_columns(evidence=pl.col("evidence").fill_null('{"rule":"seed"}'))
    return frame.select([pl.col(c).cast(t) for c, t in MEMBERSHIP_SCHEMA.items()])
