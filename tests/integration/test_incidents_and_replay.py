"""The real UCDP file, ingested through the CLI, fused and replayed against the Minsk ceasefire,
checked against an independent count written here from the raw CSV with Polars.

The independent count: UCDP events dated on or after 2015-02-15 (UCDP dates are UTC days, so
this is on or after the ceasefire start 2015-02-14T22:00Z, 00:00 Kyiv) and before 2022-02-22
(the version that ends the regime at 00:00 Kyiv on 22 February 2022) in Donetsk or Luhansk
oblast (``adm_1``; events without ``adm_1`` are placed by UCDP at a point, and count when that
point lies in the box around both oblasts), of a hostile type (every UCDP type of violence
maps to one), counted per month.

Time precision: fusion gives an incident the time of its most precise member report, the
*start* of that report's span, and the engine judges an incident at that time only. So an
incident whose best member is dated to the month (UCDP ``date_prec`` 4) is judged at the
first instant of its span (UCDP's ``date_start``), never on another day.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from guarantor.cli.main import main
from guarantor.storage import SqlReportStore, make_engine
from guarantor.storage.incident_store import SqlIncidentStore
from guarantor.storage.incident_tables import incident_members

UCDP = Path(__file__).resolve().parents[3] / "shared" / "data" / "ucdp_ged_ukraine_2014-2022.csv"
CEASEFIRE = datetime(2015, 2, 14, 22, 0, tzinfo=UTC)
REGIME_ENDS = datetime(2022, 2, 21, 22, 0, tzinfo=UTC)
RULE = "ceasefire-hostile-act"
# Box around Donetsk and Luhansk oblasts, for UCDP events without adm_1 (lat, lon).
BOX = ((46.8, 50.2), (36.5, 40.3))
# The tolerance per month comes from the fusion figures themselves: one UCDP event is one
# violation unless fusion split it (its articles in k incidents: k - 1 extra) or merged it
# with other events (an incident of n events: n - 1 fewer). Each month may be off by the
# splits and merges among its violations, plus one event (the box around the two oblasts is
# not their boundary, and a merge may move an event's day across a month's edge); the
# splits and merges must stay a small share of the events.
TOTAL_SHARE = 0.25


def fusion_slack(found: pl.DataFrame, spans: pl.DataFrame) -> pl.DataFrame:
    """Per month of violation: UCDP events split over several incidents, plus events merged
    into one incident, among the violations of that month."""
    judged = found.select("incident_id", month=pl.col("time").dt.strftime("%Y-%m")).join(
        spans.select("incident_id", "event_ref").unique(), on="incident_id"
    )
    split = judged.group_by("event_ref").agg(pl.col("month").first(), extra=pl.len() - 1)
    merged = judged.group_by("incident_id").agg(pl.col("month").first(), extra=pl.len() - 1)
    both = pl.concat([split.select("month", "extra"), merged.select("month", "extra")])
    return both.group_by("month").agg(slack=pl.col("extra").sum().cast(pl.Int64))


@pytest.fixture
def ucdp_file() -> Path:
    if not UCDP.is_file():
        pytest.fail(
            f"the UCDP GED file is missing at {UCDP}; expected the shared data folder next to "
            "the repository (shared/data/ucdp_ged_ukraine_2014-2022.csv)"
        )
    return UCDP


def independent_per_month(path: Path) -> pl.DataFrame:
    raw = pl.read_csv(path, infer_schema_length=0)
    day = pl.col("date_start").str.to_date("%Y-%m-%d")
    lat, lon = pl.col("latitude").cast(pl.Float64), pl.col("longitude").cast(pl.Float64)
    in_box = lat.is_between(*BOX[0]) & lon.is_between(*BOX[1])
    oblast = pl.col("adm_1").is_in(["Donetsk oblast", "Luhansk oblast"])
    events = raw.filter(
        (day >= datetime(2015, 2, 15).date())
        & (day < datetime(2022, 2, 22).date())
        & (oblast | (pl.col("adm_1").is_null() & in_box))
    )
    return events.group_by(month=day.dt.strftime("%Y-%m")).agg(expected=pl.len().cast(pl.Int64))


def test_replaying_minsk_over_the_ucdp_file_matches_an_independent_count(
    database_url: str,
    ucdp_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GUARANTOR_DATABASE_URL", database_url)
    monkeypatch.setenv("GUARANTOR_DATA_DIR", str(tmp_path / "var"))
    assert main(["ingest", str(ucdp_file)]) == 0
    assert main(["replay", "minsk"]) == 0
    printed = capsys.readouterr().out
    assert "reports ->" in printed and "month" in printed and "oblast" in printed

    engine = make_engine(database_url)
    try:
        store = SqlIncidentStore(engine)
        found = store.violations_frame("minsk-2015")
        incidents = store.incidents_frame()
        reports = SqlReportStore(engine).reports_frame()
        with engine.connect() as connection:
            members = connection.execute(
                sa.select(incident_members.c.incident_id, incident_members.c.report_key)
            ).all()
    finally:
        engine.dispose()

    assert set(found["rule_id"]) == {RULE}
    # Exactly: nothing before the ceasefire.
    assert found.filter(pl.col("time") < CEASEFIRE).height == 0
    assert found.filter(pl.col("time") >= REGIME_ENDS).height == 0
    assert found.height > 1000

    membership = pl.DataFrame(members, schema=["incident_id", "report_key"], orient="row")
    spans = membership.join(
        reports.select("report_key", "event_ref", "observed_at", "time_precision"),
        on="report_key",
    )
    stored = found.group_by(month=pl.col("time").dt.strftime("%Y-%m")).agg(found=pl.len())
    compared = (
        stored.join(independent_per_month(ucdp_file), on="month", how="full", coalesce=True)
        .join(fusion_slack(found, spans), on="month", how="left")
        .fill_null(0)
        .with_columns(off=(pl.col("found").cast(pl.Int64) - pl.col("expected")).abs())
    )
    assert compared.filter(pl.col("off") > pl.col("slack") + 1).height == 0, compared
    assert int(compared["slack"].sum()) <= TOTAL_SHARE * int(compared["expected"].sum())

    # Month precision: an incident judged at the start of its best member's span.
    # Month precision: an incident judged at the start of its best member's span.
    monthly = incidents.filter(pl.col("time_precision") == 4).select("incident_id", "time")
    assert monthly.height > 0
    starts = (
        spans.filter(pl.col("time_precision") == 4)
        .group_by("incident_id")
        .agg(starts=pl.col("observed_at").unique())
    )
    checked = monthly.join(starts, on="incident_id")
    assert checked.height == monthly.height
    assert all(t in s for t, s in checked.select("time", "starts").iter_rows())
    judged = found.join(monthly, on="incident_id", suffix="_incident")
    assert judged.height > 0
    assert (judged["time"] == judged["time_incident"]).all()


def test_explain_prints_the_rule_clause_version_hash_and_rendered_clause_text(
    database_url: str,
    ucdp_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GUARANTOR_DATABASE_URL", database_url)
    monkeypatch.setenv("GUARANTOR_DATA_DIR", str(tmp_path / "var"))
    assert main(["ingest", str(ucdp_file)]) == 0
    assert main(["fuse"]) == 0
    assert main(["evaluate", "--agreement", "minsk-2015"]) == 0
    assert RULE in capsys.readouterr().out
    engine = make_engine(database_url)
    try:
        first = SqlIncidentStore(engine).violations_frame("minsk-2015").row(0, named=True)
    finally:
        engine.dispose()

    assert main(["explain", f"{first['incident_id']}:{RULE}"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["rule_id"] == RULE
    assert document["clause"] == "pm-1"
    assert document["version_hash"] == first["version_hash"] and len(first["version_hash"]) == 64
    assert "ceasefire" in document["clause_text"].lower() and "{" not in document["clause_text"]
    assert main(["explain", "inc-nothing:here"]) == 1
