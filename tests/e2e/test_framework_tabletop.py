"""The Framework 2025 tabletop exercise, end to end through the CLI (issue #5, point 7).

``exercises/framework-2025-tabletop.csv`` is ingested, fused and evaluated against
``framework-2025``; the stored violations, activations and obligations must be exactly those
the script in ``exercises/README.md`` expects, and ``guarantor explain`` must print, for every
obligation, the rule, the version hash, the clause and its rendered text (and, for the artillery
surge, the window and the count against the threshold). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
import yaml

from guarantor.cli.main import main
from guarantor.storage import SqlReportStore, make_engine
from guarantor.storage.incident_store import SqlIncidentStore
from guarantor.storage.incident_tables import incident_members

# The per-backend database fixtures of the integration suite (imported, so registered here).
from integration.conftest import database_url, postgres_admin  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = ROOT / "exercises" / "framework-2025-tabletop.csv"
DIRECTIVES = ROOT / "agreements" / "framework-2025" / "directives.yaml"
AGREEMENT = "framework-2025"
KYIV = timezone(timedelta(hours=2))
CEASEFIRE = datetime(2026, 1, 1, tzinfo=KYIV)

# Each inject (source_record_id) at its Kyiv time.
TIMES = {
    "tt-01": datetime(2026, 3, 10, 5, 40, tzinfo=KYIV),
    "tt-02": datetime(2026, 3, 10, 9, 15, tzinfo=KYIV),
    "tt-03": datetime(2026, 3, 10, 13, 30, tzinfo=KYIV),
    "tt-04": datetime(2026, 3, 10, 18, 5, tzinfo=KYIV),
    "tt-05": datetime(2026, 3, 10, 20, 0, tzinfo=KYIV),
    "tt-06": datetime(2026, 3, 11, 4, 50, tzinfo=KYIV),
    "tt-07": datetime(2026, 3, 12, 2, 15, tzinfo=KYIV),
    "tt-08": datetime(2026, 3, 14, 12, 0, tzinfo=KYIV),
}
HOSTILE = ("tt-01", "tt-02", "tt-03", "tt-04", "tt-05", "tt-06", "tt-07")
# rule -> (trigger inject, group, contributing injects)
ACTIVATIONS = {
    "artillery-surge": (
        "tt-06",
        {"oblast": "Donetsk Oblast"},
        {"tt-01", "tt-02", "tt-04", "tt-06"},
    ),
    "incident-in-deployment-zone": ("tt-07", {}, {"tt-07"}),
    "attack-near-contingent-position": ("tt-07", {}, {"tt-07"}),
    "us-troops-reported": ("tt-08", {}, {"tt-08"}),
}
# rule -> (directive, ((party, hours after the activation), ...))
OBLIGATIONS = {
    "artillery-surge": (
        "artillery-surge-response",
        (("us", 24), ("european-contingents", 12), ("ua", 24), ("guarantors", 72)),
    ),
    "incident-in-deployment-zone": (
        "deployment-zone-incident-response",
        (("european-contingents", 12), ("us", 24), ("ua", 24), ("guarantors", 72)),
    ),
    "attack-near-contingent-position": (
        "contingent-position-attack-response",
        (("european-contingents", 6), ("us", 12)),
    ),
    "us-troops-reported": ("us-troops-report-response", (("us", 24),)),
}
# The deployed position tt-07 (Lviv) is near, and an independent great-circle distance to it.
LVIV = (24.0297, 49.8397)  # tt-07 (lon, lat)
LVIV_HUB = ("gb-lviv-logistics-hub", (23.95, 49.82))


def _great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine on the mean Earth radius (6371.0088 km), written here independently."""
    (lon1, lat1), (lon2, lat2) = (tuple(math.radians(v) for v in p) for p in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def _actions() -> dict[tuple[str, str], str]:
    """(directive id, party) -> the action text of the shipped directives."""
    document = yaml.safe_load(DIRECTIVES.read_text(encoding="utf-8"))
    return {
        (d["id"], o["party"]): o["action"] for d in document["directives"] for o in d["obligations"]
    }


def _stored(url: str) -> tuple[dict[str, str], pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """inject -> incident id, and the stored violations, activations and obligations."""
    engine = make_engine(url)
    try:
        store = SqlIncidentStore(engine)
        reports = SqlReportStore(engine).reports_frame()
        with engine.connect() as connection:
            members = connection.execute(
                sa.select(incident_members.c.incident_id, incident_members.c.report_key)
            ).all()
        found = (
            store.violations_frame(AGREEMENT),
            store.activations_frame(AGREEMENT),
            store.obligations_frame(AGREEMENT),
        )
    finally:
        engine.dispose()
    keys = dict(reports.select("report_key", "source_record_id").iter_rows())
    incident_of = {keys[key]: incident for incident, key in members}
    return incident_of, *found


def test_the_tabletop_exercise_gives_exactly_the_scripted_activations_and_obligations(
    database_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert all(t >= CEASEFIRE for t in TIMES.values())
    monkeypatch.setenv("GUARANTOR_DATABASE_URL", database_url)
    monkeypatch.setenv("GUARANTOR_DATA_DIR", str(tmp_path / "var"))
    ingest = ["ingest", str(EXERCISE), "--source", "exercise-cell", "--source-kind", "patrol"]
    assert main([*ingest, "--reliability", "B"]) == 0
    assert "read 8 = accepted 8 + rejected 0 + duplicate 0" in capsys.readouterr().out
    assert main(["fuse"]) == 0
    # Distinct places and times: fusion keeps every inject as its own incident.
    assert "fused 8 reports -> 8 incidents" in capsys.readouterr().out
    assert main(["evaluate", "--agreement", AGREEMENT]) == 0
    printed = capsys.readouterr().out
    assert "7 violation(s), 4 activation(s), 11 obligation(s)" in printed

    incident_of, violations, activations, obligations = _stored(database_url)
    assert sorted(incident_of) == sorted(TIMES)
    assert len(set(incident_of.values())) == len(TIMES)
    inject_of = {incident: inject for inject, incident in incident_of.items()}

    # Every hostile act after the ceasefire is a violation; the troop report is not.
    assert sorted(zip(violations["incident_id"], violations["rule_id"], strict=True)) == sorted(
        (incident_of[i], "ceasefire-hostile-act") for i in HOSTILE
    )

    # Exactly four activations, each at its trigger inject (the surge at tt-06, the fourth
    # severe shelling in Donetsk oblast within 24 hours, and not at tt-04 or tt-05; tt-07 both
    # in the deployment zone and within 25 km of a position held by a European contingent).
    assert sorted(activations["rule_id"]) == sorted(ACTIVATIONS)
    hashes = set(activations["version_hash"])
    assert len(hashes) == 1
    (version_hash,) = hashes
    assert len(version_hash) == 64
    by_rule = {row["rule_id"]: row for row in activations.iter_rows(named=True)}
    for rule, (trigger, group, contributing) in ACTIVATIONS.items():
        row = by_rule[rule]
        assert inject_of[row["incident_id"]] == trigger, rule
        assert row["time"] == TIMES[trigger]
        assert json.loads(row["group"]) == group
        assert {inject_of[i] for i in row["contributing"]} == contributing
    surge = by_rule["artillery-surge"]
    assert (surge["measure"], surge["threshold"]) == (4.0, 3.0)
    assert surge["window_start"] == TIMES["tt-06"] - timedelta(hours=24)
    assert surge["window_end"] == TIMES["tt-06"]
    assert surge["window_start"] < TIMES["tt-01"]  # tt-01 is inside (t - 24h, t]

    # Exactly the obligations of the directives: party, action, due = activation + within.
    actions = _actions()
    expected = {
        (
            rule,
            directive,
            party,
            actions[directive, party],
            TIMES[ACTIVATIONS[rule][0]] + timedelta(hours=h),
        )
        for rule, (directive, duties) in OBLIGATIONS.items()
        for party, h in duties
    }
    found = {
        (r["rule_id"], r["directive_id"], r["party"], r["action"], r["due"])
        for r in obligations.iter_rows(named=True)
    }
    assert obligations.height == len(expected) == 11
    assert found == expected
    assert set(obligations["status"]) == {"open"}
    assert set(obligations["activation_id"]) == set(activations["activation_id"])

    # Every obligation explains itself: rule, version hash, clause and its rendered text.
    clauses = {
        "artillery-surge": "ob-artillery-surge",
        "incident-in-deployment-zone": "ob-deployment-zone-incident",
        "attack-near-contingent-position": "ob-contingent-position-attack",
        "us-troops-reported": "ob-us-troops-report",
    }
    for row in obligations.iter_rows(named=True):
        assert main(["explain", row["obligation_id"]]) == 0
        document = json.loads(capsys.readouterr().out)
        activation = document["activation"]
        rule = row["rule_id"]
        assert document["kind"] == "obligation"
        assert document["party"] == row["party"]
        assert document["directive_id"] == OBLIGATIONS[rule][0]
        assert document["due"].startswith(row["due"].strftime("%Y-%m-%dT%H:%M:%S"))
        assert activation["rule_id"] == rule
        assert activation["version_hash"] == version_hash
        assert activation["clause"] == document["directive_clause"] == clauses[rule]
        for text in (activation["clause_text"], document["directive_clause_text"]):
            assert len(text) > 40 and "{" not in text
        assert activation["trigger"] == incident_of[ACTIVATIONS[rule][0]]
        if rule == "artillery-surge":
            assert "more than 3 shelling incidents" in activation["clause_text"]
            assert activation["group"] == {"oblast": "Donetsk Oblast"}
            window = activation["window"]
            assert window["start"].startswith("2026-03-10T02:50:00")
            assert window["end"].startswith("2026-03-11T02:50:00")
            assert window["length_seconds"] == 86_400
            measure = activation["measure"]
            assert (measure["kind"], measure["value"], measure["op"]) == ("count", 4.0, ">")
            assert measure["threshold"] == 3.0
            assert len(activation["contributing"]) == 4
        if rule == "attack-near-contingent-position":
            near = activation["near"]
            position, point = LVIV_HUB
            assert (near["party"], near["within_km"], near["position"]) == (
                "european-contingents",
                25.0,
                position,
            )
            assert "Lviv" in near["label"]
            assert near["distance_km"] == pytest.approx(_great_circle_km(LVIV, point), abs=1e-3)
            assert near["distance_km"] <= 25.0
            assert "within 25 km" in activation["clause_text"]
        else:
            assert "near" not in activation

    # The hash in the explanations is the one the agreement command prints.
    assert main(["agreement", "hash", AGREEMENT]) == 0
    assert version_hash in capsys.readouterr().out
