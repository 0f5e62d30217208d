"""Fusion on the real files in ../shared/data: UCDP GED per-source reports and VIINA.

The figures asserted are floors a little under what ``benchmarks/fusion_quality.py`` measures
(see its output), so that a regression shows; the benchmark prints the exact figures.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from guarantor.evidence.fusion import fuse
from guarantor.evidence.reports import Source
from guarantor.io.formats.registry import IMPORTERS

pytestmark = pytest.mark.shared_data

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SOURCE = Source(id="test", name="test", kind="media", reliability="F")


def imported(name: str, path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(reports without their source's own event ids, truth: report_key -> event)."""
    if not path.exists():
        pytest.fail(f"{path} is not there: the tests need ../shared/data beside the repository")
    reports = pl.concat([c.reports for c in IMPORTERS[name].chunks(path, source=SOURCE)])
    truth = reports.select("report_key", event=pl.col("event_ref"))
    return reports.with_columns(event_ref=None, source_record_id=None, raw=pl.lit("{}")), truth


def pairs(frame: pl.DataFrame, by: list[str]) -> int:
    sizes = frame.group_by(by).len()["len"].cast(pl.Int64)
    return int((sizes * (sizes - 1) // 2).sum())


def f1(membership: pl.DataFrame, truth: pl.DataFrame) -> float:
    joined = membership.join(truth, on="report_key")
    both = pairs(joined, ["incident_id", "event"])
    precision = both / pairs(joined, ["incident_id"])
    recall = both / pairs(joined, ["event"])
    return 2 * precision * recall / (precision + recall)


def test_every_viina_exact_duplicate_cluster_becomes_one_incident() -> None:
    reports, truth = imported("viina", DATA / "viina_derived" / "VIINA_2022_REBUILD.csv")
    clusters = pl.read_csv(DATA / "viina_derived" / "VIINA_2022_EXACT_DUPLICATE_CLUSTERS.csv")
    members = clusters.select(
        "DedupeClusterID", member=pl.col("MemberEventIDs").str.split("|")
    ).explode("member")
    placed = members.join(truth, left_on="member", right_on="event").join(
        fuse(reports).membership, on="report_key"
    )
    assert placed.height == members.height == 223
    whole = placed.group_by("DedupeClusterID").agg(pl.col("incident_id").n_unique())
    assert whole.height == 91
    assert whole["incident_id"].max() == 1


def test_ucdp_events_are_recovered_from_their_per_source_reports() -> None:
    reports, truth = imported("ucdp_ged", DATA / "ucdp_ged_ukraine_2014-2022.csv")
    result = fuse(reports)
    register = reports["outlet"].str.contains("(?i)m.?e?m?o?r.?y?book")
    others = fuse(reports.filter(~register))
    assert f1(result.membership, truth) >= 0.95
    assert f1(others.membership, truth) >= 0.94
    assert (result.incidents["sources"] <= result.incidents["reports"]).all()
    assert result.incidents["sources"].min() >= 1
