"""Property: a party user never receives a report key, an incident id or a count that
includes an item not released to its party, on any read route (lists, details, dashboard
counts and map markers, exports, search, sources, decisions, results).

One database per backend for the module, built through the real services (ingest a CSV of
random reports with random markings, some of them the same event reported twice under
different markings so that fusion merges them; fuse; evaluate framework-2025; two analyst
decisions). Hypothesis then draws users (a party, or the cell; random roles), routes and
filters. The oracle is written here from the raw markings, independently of the code under
test: a report is released to party p iff it is PUBLIC, REL TO a list naming p, or
INTERNAL p; an incident iff its own marking is, and then every member must be too.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guarantor.bootstrap.app import build_application
from guarantor.cli.main import main
from guarantor.services.security import ROLES
from guarantor.storage import make_engine
from guarantor.storage.incident_tables import incident_members, incidents, violations
from guarantor.storage.report_tables import reports
from guarantor.web.app import create_app
from integration.conftest import fresh_postgres_database
from web_session import add_users, signed_in

SECRET = "a-test-secret-that-is-long-enough-for-production-0123456789"
PARTIES = ("ua", "us", "ru", "fr", "gb")
USER_PARTIES: tuple[str | None, ...] = (*PARTIES, "pl", None)  # pl: named by no marking
TOWNS = (  # place, lat, lon
    ("Kostiantynivka", 48.5277, 37.7069), ("Kramatorsk", 48.7389, 37.5844),
    ("Pokrovsk", 48.2826, 37.1766), ("Bakhmut", 48.5947, 38.0003),
    ("Mariupol", 47.0951, 37.5413), ("Kharkiv", 49.9935, 36.2304),
    ("Luhansk", 48.5740, 39.3078), ("Lysychansk", 48.9049, 38.4316),
)  # fmt: skip
TYPES = ("shelling", "sniper_fire", "small_arms_fire")
START = datetime(2026, 3, 1, tzinfo=UTC)
COLUMNS = [
    "source_id", "source_record_id", "observed_at", "lat", "lon", "place_name", "type",
    "weapon", "severity", "text", "releasability",
]  # fmt: skip


def released(marking: str | None, party: str | None) -> bool:
    """The marking rules of the issue, written independently of the code under test."""
    if party is None:
        return True
    text = (marking or "PUBLIC").strip().upper()
    if text == "PUBLIC":
        return True
    if text.startswith("REL TO "):
        return party.upper() in [p.strip() for p in text[len("REL TO ") :].split(",")]
    if text.startswith("INTERNAL "):
        return text[len("INTERNAL ") :].strip() == party.upper()
    return False


def random_marking(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.4:
        return "PUBLIC"
    if kind < 0.8:
        return "REL TO " + ",".join(sorted(rng.sample(PARTIES, rng.randint(1, 3))))
    return f"INTERNAL {rng.choice(PARTIES)}"


def report_rows(seed: int = 6) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for n in range(48):
        place, lat, lon = rng.choice(TOWNS)
        at = START + timedelta(hours=rng.randint(0, 14 * 24), minutes=rng.randint(0, 59))
        kind = rng.choice(TYPES)
        row = {
            "source_id": "src-one", "source_record_id": f"r{n}",
            "observed_at": at.isoformat(), "lat": str(lat), "lon": str(lon),
            "place_name": place, "type": kind, "weapon": "", "severity": str(rng.randint(1, 3)),
            "text": f"{kind} reported in {place} at {at:%H:%M} number {n}",
            "releasability": random_marking(rng),
        }  # fmt: skip
        rows.append(row)
        if n % 4 == 0:  # the same event from another source, under another marking
            rows.append(row | {"source_id": "src-two", "releasability": random_marking(rng)})
    for n, (place, lat, lon) in enumerate(TOWNS[:5]):  # a surge: framework-2025 activates
        at = datetime(2026, 3, 10, 4 + 3 * n, tzinfo=UTC)
        rows.append(
            {
                "source_id": "src-one", "source_record_id": f"surge{n}",
                "observed_at": at.isoformat(), "lat": str(lat), "lon": str(lon),
                "place_name": place, "type": "shelling", "weapon": "", "severity": "3",
                "text": f"surge shelling in {place}", "releasability": random_marking(rng),
            }
        )  # fmt: skip
    return rows


@dataclass
class World:
    clients: dict[str | None, TestClient]
    report_marking: dict[str, str | None]
    report_source: dict[str, str]
    incident_marking: dict[str, str | None]
    members: dict[str, set[str]]
    violation_incidents: list[str]  # one entry per violation row

    def reports_for(self, party: str | None) -> set[str]:
        return {k for k, m in self.report_marking.items() if released(m, party)}

    def incidents_for(self, party: str | None) -> set[str]:
        return {i for i, m in self.incident_marking.items() if released(m, party)}


def _url(backend: str, tmp: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A SQLite file, or a new PostgreSQL database (as the ``database_url`` fixture makes
    them, for this module-scoped world)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'db' / 'guarantor.db'}"
        return
    yield from fresh_postgres_database(request.getfixturevalue("postgres_admin"))


def _build(url: str, tmp: Path) -> World:
    path = tmp / "reports.csv"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(report_rows())
    path.write_text(buffer.getvalue(), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GUARANTOR_DATABASE_URL", url)
        patch.setenv("GUARANTOR_DATA_DIR", str(tmp / "var"))
        for argv in (["db", "upgrade"], ["ingest", str(path)], ["fuse"]):
            assert main(argv) == 0, argv
        engine = make_engine(url)
        with engine.connect() as connection:
            marked = connection.execute(  # decisions on reports that some parties may not see
                sa.select(incidents.c.incident_id)
                .where(incidents.c.releasability != "PUBLIC", incidents.c.reports == 1)
                .order_by(incidents.c.incident_id)
                .limit(2)
            ).scalars()
            chosen = list(marked)
            assert len(chosen) == 2
        for incident_id in chosen:
            assert main(["incident", "confirm", incident_id, "--by", "ana"]) == 0
        assert main(["evaluate", "--agreement", "framework-2025"]) == 0
    application = build_application(database_url=url, data_dir=tmp / "var", secret_key=SECRET)
    with engine.connect() as connection:
        report_rows_ = connection.execute(
            sa.select(reports.c.report_key, reports.c.releasability, reports.c.source_id)
        ).all()
        incident_rows = connection.execute(
            sa.select(incidents.c.incident_id, incidents.c.releasability)
        ).all()
        member_rows = connection.execute(
            sa.select(incident_members.c.incident_id, incident_members.c.report_key)
        ).all()
        violation_rows = connection.execute(sa.select(violations.c.incident_id)).scalars().all()
    engine.dispose()
    members: dict[str, set[str]] = {}
    for incident_id, key in member_rows:
        members.setdefault(incident_id, set()).add(key)
    clients = {}
    rng = random.Random(7)
    for party in USER_PARTIES:
        username = f"user-{party or 'cell'}"
        roles = rng.sample([r for r in ROLES if r != "liaison" or party], rng.randint(1, 2))
        add_users(application.engine, [(username, party, roles)])
        client = TestClient(create_app(application), raise_server_exceptions=False)
        clients[party] = signed_in(client, username)
    return World(
        clients=clients,
        report_marking={k: m for k, m, _ in report_rows_},
        report_source={k: s for k, _, s in report_rows_},
        incident_marking=dict(incident_rows),
        members=members,
        violation_incidents=list(violation_rows),
    )


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp(f"no-leak-{request.param}")
    for url in _url(request.param, tmp, request):
        yield _build(url, tmp)


# --- the property ---------------------------------------------------------------------------


def test_the_world_is_interesting(world: World) -> None:
    """The data exercise the property: merges across markings, hidden items for every
    party, violations, activations and obligations."""
    assert any(len(m) > 1 for m in world.members.values())
    for party in PARTIES:
        assert world.incidents_for(party) < set(world.incident_marking)
        assert world.reports_for(party) < set(world.report_marking)
    assert world.violation_incidents
    cell = world.clients[None]
    assert cell.get("/api/obligations").json()["total"] > 0
    assert cell.get("/api/activations").json()["total"] > 0
    # fusion's contract, which the policy rests on: a visible incident's members are visible
    for user_party in USER_PARTIES:
        for incident_id in world.incidents_for(user_party):
            assert world.members[incident_id] <= world.reports_for(user_party)


def _get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params={k: v for k, v in params.items() if v is not None})
    assert response.status_code == 200, response.text
    return response.json()


def _walk(client: TestClient, path: str, limit: int, **params: Any) -> tuple[list[Any], int]:
    items: list[Any] = []
    cursor = None
    total = -1
    while True:
        page = _get(client, path, limit=limit, cursor=cursor, **params)
        items += page["items"]
        total = page["total"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items, total


filters = st.fixed_dictionaries(
    {
        "oblast": st.sampled_from([None, "Donetsk Oblast", "Luhansk Oblast", "Kharkiv Oblast"]),
        "type": st.sampled_from([None, *TYPES]),
        "since": st.sampled_from([None, "2026-03-05T00:00:00+00:00"]),
        "q": st.sampled_from([None, "Kram", "reported", "number 1"]),
    }
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    party=st.sampled_from(USER_PARTIES),
    flt=filters,
    limit=st.integers(1, 7),
    probe=st.randoms(use_true_random=False),
)
def test_no_route_leaks_an_item_not_released(
    world: World, party: str | None, flt: dict[str, Any], limit: int, probe: random.Random
) -> None:
    client = world.clients[party]
    reports_ok, incidents_ok = world.reports_for(party), world.incidents_for(party)

    # incident list and its pages: only visible ids, no duplicate, total == what was paged
    items, total = _walk(client, "/api/incidents", limit, **flt)
    ids = [i["incident_id"] for i in items]
    assert set(ids) <= incidents_ok and len(ids) == len(set(ids)) == total
    if not any(flt.values()):
        assert set(ids) == incidents_ok

    # details: visible -> 200 with visible members only; not visible -> 404 like unknown
    for incident_id in probe.sample(sorted(world.incident_marking), 4):
        response = client.get(f"/api/incidents/{incident_id}")
        if incident_id in incidents_ok:
            detail = response.json()
            assert {m["report_key"] for m in detail["members"]} <= reports_ok
            for decision in detail["decisions"]:
                assert str(decision["record"]["report_key"]) in reports_ok
        else:
            assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    for key in probe.sample(sorted(world.report_marking), 4):
        response = client.get(f"/api/reports/{key}")
        if key in reports_ok:
            found = response.json()["incident_id"]
            assert found is None or found in incidents_ok
        else:
            assert response.status_code == 404

    # reports list
    listed, total = _walk(client, "/api/reports", 10, oblast=flt["oblast"], type=flt["type"])
    assert {r["report_key"] for r in listed} <= reports_ok and total == len(listed)

    # dashboard: markers, counts per day and oblast, totals
    board = _get(client, "/api/dashboard", **flt)
    assert {m["incident_id"] for m in board["markers"]} <= incidents_ok
    assert board["totals"]["incidents"] == total_incidents(client, flt)
    assert sum(d["incidents"] for d in board["per_day"]) == board["totals"]["incidents"]
    assert sum(o["incidents"] for o in board["per_oblast"]) == board["totals"]["incidents"]
    visible_violations = sum(1 for i in world.violation_incidents if i in incidents_ok)
    assert board["totals"]["violations"] <= visible_violations
    if not any(flt.values()):
        assert board["totals"]["incidents"] == len(incidents_ok)
        assert board["totals"]["violations"] == visible_violations

    # exports
    rows = list(csv.DictReader(io.StringIO(client.get("/api/exports/incidents.csv").text)))
    assert {r["incident_id"] for r in rows} == incidents_ok and len(rows) == len(incidents_ok)
    geo = _get(client, "/api/exports/incidents.geojson")
    assert {f["id"] for f in geo["features"]} == incidents_ok
    exported = csv.DictReader(io.StringIO(client.get("/api/exports/violations.csv").text))
    assert sum(1 for r in exported if r["incident_id"] in incidents_ok) == visible_violations

    # search, sources, decisions
    found = _get(client, "/api/search", q=flt["q"] or "reported", limit=100)
    assert {i["incident_id"] for i in found["incidents"]} <= incidents_ok
    assert {r["report_key"] for r in found["reports"]} <= reports_ok
    per_source = {s["id"]: s["reports"] for s in _get(client, "/api/sources")}
    for source in ("src-one", "src-two"):
        expected = sum(1 for k in reports_ok if world.report_source[k] == source)
        assert per_source.get(source, 0) == expected
    for decision in _get(client, "/api/decisions"):
        assert str(decision["record"]["report_key"]) in reports_ok

    # results
    found_violations, total = _walk(client, "/api/violations", 20)
    assert {v["incident_id"] for v in found_violations} <= incidents_ok
    assert total == len(found_violations) == visible_violations
    activations, _ = _walk(client, "/api/activations", 20)
    for activation in activations:
        assert set(activation["contributing"]) <= incidents_ok
    shown = {a["activation_id"] for a in activations}
    obligations, total = _walk(client, "/api/obligations", 20)
    assert total == len(obligations)
    assert {o["activation_id"] for o in obligations} <= shown


def total_incidents(client: TestClient, flt: dict[str, Any]) -> int:
    return int(_get(client, "/api/incidents", limit=1, **flt)["total"])
