"""Fusion quality on real data: UCDP GED per-source reports and VIINA exact duplicates.

Run: ``.venv/bin/python benchmarks/fusion_quality.py`` (reads ../shared/data).

1. UCDP GED Ukraine 2014-2022, each event exploded into one report per cited article by the
   ``ucdp_ged`` importer. Fusion never sees UCDP's event id (``event_ref``,
   ``source_record_id`` and ``raw`` are blanked); pairwise precision, recall and F1 of the
   incidents against those ids, overall and without the casualty register (MemoryBook,
   one record per soldier: UCDP makes an event of as many records as its toll, and where
   several events at one place and day carry the same toll, which records went to which
   event cannot be told from the data; the benchmark counts those pairs).
2. The 91 VIINA 2022 exact-duplicate clusters: cluster and pairwise recall.
3. Independent sources per UCDP event against ``number_of_sources``, with the reasons.

Prints figures only; asserts nothing.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import polars as pl

from guarantor.evidence.fusion import FusionConfig, fuse
from guarantor.evidence.reports import Source

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
UCDP = DATA / "ucdp_ged_ukraine_2014-2022.csv"
VIINA = DATA / "viina_derived" / "VIINA_2022_REBUILD.csv"
CLUSTERS = DATA / "viina_derived" / "VIINA_2022_EXACT_DUPLICATE_CLUSTERS.csv"
_SOURCE = Source(id="benchmark", name="benchmark", kind="media", reliability="F")


def imported(name: str, path: Path) -> pl.DataFrame:
    """Reports of ``path`` by the intake importer ``name``."""
    from guarantor.io.formats.registry import IMPORTERS

    chunks = IMPORTERS[name].chunks(path, source=_SOURCE)
    return pl.concat([chunk.reports for chunk in chunks])


def blind(reports: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(reports without the source's own grouping, truth: report_key -> event)."""
    truth = reports.select("report_key", event=pl.col("event_ref"))
    hidden = reports.with_columns(
        event_ref=pl.lit(None, pl.Utf8), source_record_id=pl.lit(None, pl.Utf8), raw=pl.lit("{}")
    )
    return hidden, truth


def pair_count(frame: pl.DataFrame, by: list[str]) -> int:
    sizes = frame.group_by(by).len()["len"].cast(pl.Int64)
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise(membership: pl.DataFrame, truth: pl.DataFrame) -> tuple[float, float, float]:
    joined = membership.select("report_key", "incident_id").join(truth, on="report_key")
    both = pair_count(joined, ["incident_id", "event"])
    found, true = pair_count(joined, ["incident_id"]), pair_count(joined, ["event"])
    precision = both / found if found else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def ambiguous_register_pairs(reports: pl.DataFrame, truth: pl.DataFrame) -> tuple[int, int]:
    """(true pairs, of which among register records that no attribute tells apart from records
    of another UCDP event): records of one outlet with the same claim, toll and text that UCDP
    spread over several events, so that which go together is a guess."""
    keys = ["outlet", "observed_at", "observed_until", "lat", "lon", "deaths", "text"]
    register = reports.join(truth, on="report_key").filter(
        pl.col("outlet").str.to_lowercase().str.contains("m[e]?o?r[y]?book")
    )
    shared = register.with_columns(events=pl.col("event").n_unique().over(keys))
    ambiguous = pair_count(shared.filter(pl.col("events") > 1), ["event"])
    return pair_count(reports.join(truth, on="report_key"), ["event"]), ambiguous


def ucdp_quality(reports: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Prints P/R/F1 per variant; returns membership joined with incidents and outlets."""
    print(f"UCDP GED: {reports.height} per-source reports of {truth['event'].n_unique()} events")
    register = reports.filter(pl.col("outlet").str.to_lowercase().str.contains("m[e]?o?r[y]?book"))
    variants = {
        "default (register records are casualties: at most the toll per incident)": FusionConfig(),
        "register records as echoes (itemised_kinds=())": FusionConfig(itemised_kinds=()),
    }
    result = None
    for label, config in variants.items():
        started = time.perf_counter()
        fused = fuse(reports, config=config)
        seconds = time.perf_counter() - started
        p, r, f = pairwise(fused.membership, truth)
        print(f"  {label}: P {p:.4f}  R {r:.4f}  F1 {f:.4f}  ({seconds:.2f} s)")
        result = result or fused
    others = reports.filter(~pl.col("report_key").is_in(register["report_key"].implode()))
    fused_others = fuse(others)
    p, r, f = pairwise(fused_others.membership, truth)
    print(
        f"  without the casualty register ({register.height} MemoryBook records dropped, "
        f"{others.height} reports): P {p:.4f}  R {r:.4f}  F1 {f:.4f}"
    )
    true, ambiguous = ambiguous_register_pairs(reports, truth)
    print(
        f"  of {true} true pairs, {ambiguous} join register records that nothing tells apart "
        "from records of another event (same outlet, claim, toll and text): a guess either way"
    )
    assert result is not None
    joined = result.membership.join(result.incidents, on="incident_id")
    return joined.join(reports.select("report_key", "outlet"), on="report_key")


def viina_recall() -> None:
    reports, truth = blind(imported("viina", VIINA))
    clusters = pl.read_csv(CLUSTERS).select(
        "DedupeClusterID", member=pl.col("MemberEventIDs").str.split("|")
    )
    members = clusters.explode("member").join(truth, left_on="member", right_on="event")
    started = time.perf_counter()
    fused = fuse(reports)
    seconds = time.perf_counter() - started
    placed = members.join(fused.membership, on="report_key")
    whole = placed.group_by("DedupeClusterID").agg(pl.col("incident_id").n_unique() == 1)
    complete = int(whole["incident_id"].sum())
    found = pair_count(placed, ["DedupeClusterID", "incident_id"])
    true = pair_count(placed, ["DedupeClusterID"])
    print(
        f"VIINA 2022: {reports.height} reports -> {fused.incidents.height} incidents "
        f"({seconds:.2f} s); exact-duplicate clusters: {complete}/{whole.height} whole "
        f"(cluster recall {complete / whole.height:.4f}), pairwise recall {found / true:.4f}"
    )
    rules = fused.membership.filter(pl.col("report_key").is_in(placed["report_key"].implode()))
    print(
        "  rules that joined cluster members:",
        dict(Counter(r.split('"rule":"')[1].split('"')[0] for r in rules["evidence"].to_list())),
    )


def source_counts(fused: pl.DataFrame, truth: pl.DataFrame) -> None:
    events = pl.read_csv(UCDP, infer_schema_length=0).select(
        event=pl.col("id"), number_of_sources=pl.col("number_of_sources").cast(pl.Int64)
    )
    per_report = fused.join(truth, on="report_key")
    main = (
        per_report.group_by("event", "incident_id")
        .len()
        .sort(["event", "len", "incident_id"], descending=[False, True, False])
        .group_by("event", maintain_order=True)
        .first()
        .select("event", "incident_id")
    )
    incident_events = per_report.group_by("incident_id").agg(events=pl.col("event").n_unique())
    event_incidents = per_report.group_by("event").agg(parts=pl.col("incident_id").n_unique())
    table = (
        main.join(events, on="event")
        .join(fused.unique("incident_id").select("incident_id", "sources"), on="incident_id")
        .join(incident_events, on="incident_id")
        .join(event_incidents, on="event")
        .join(
            per_report.with_columns(org=pl.col("outlet").str.to_lowercase())
            .group_by("event")
            .agg(outlets=pl.col("org").n_unique()),
            on="event",
        )
    )
    reason = (
        pl.when(pl.col("sources") == pl.col("number_of_sources"))
        .then(pl.lit("agree"))
        .when(pl.col("parts") > 1)
        .then(pl.lit("event's reports split over incidents"))
        .when(pl.col("events") > 1)
        .then(pl.lit("incident also holds reports of other UCDP events"))
        .when(pl.col("outlets") < pl.col("number_of_sources"))
        .then(pl.lit("same outlet cited more than once (UCDP counts articles)"))
        .otherwise(pl.lit("outlets of one organisation, citation or near-identical text"))
    )
    reasons = (
        table.with_columns(reason=reason).group_by("reason").len().sort("len", descending=True)
    )
    agree = table.filter(pl.col("sources") == pl.col("number_of_sources")).height
    multi = table.filter(pl.col("number_of_sources") >= 2)
    multi_agree = multi.filter(pl.col("sources") == pl.col("number_of_sources")).height
    print(
        f"Independent sources vs UCDP number_of_sources: {agree}/{table.height} events agree "
        f"({agree / table.height:.4f}); events citing 2+ articles: {multi_agree}/{multi.height}"
    )
    for name, count in reasons.rows():
        print(f"  {count:5d}  {name}")


def main() -> int:
    if not UCDP.exists():
        print(f"no data at {DATA}: this benchmark reads ../shared/data", file=sys.stderr)
        return 1
    reports, truth = blind(imported("ucdp_ged", UCDP))
    fused = ucdp_quality(reports, truth)
    source_counts(fused, truth)
    viina_recall()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
