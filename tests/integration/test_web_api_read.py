"""The desk's read API in-process over a real migrated database (SQLite and PostgreSQL),
filled through the real services: ingest a CSV with markings, fuse, evaluate
framework-2025. Lists, filters, pagination, details, 404s, exports, obligations, agreements.

The data (``desk_api_data``): nine incidents, five of them an artillery surge in Donetsk
oblast, marked PUBLIC, ``REL TO ua,us`` or ``INTERNAL ru``. Fusion keeps every town apart
(a test checks).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from desk_api_data import (
    RECORDS,
    USERS,
    desk_application,
    error_code,
    every_page,
    ok,
    record_of_incidents,
    released,
)
from fastapi.testclient import TestClient

from guarantor.bootstrap.app import Application
from guarantor.cli.main import main
from guarantor.web.app import create_app
from web_session import signed_in


@pytest.fixture
def application(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Application]:
    yield from desk_application(database_url, tmp_path, monkeypatch)


@pytest.fixture
def app_client(application: Application) -> TestClient:
    return TestClient(create_app(application), raise_server_exceptions=False)


# --- lists and pagination -------------------------------------------------------------------


def test_incident_pages_cover_every_visible_incident_once_for_each_user(
    app_client: TestClient, application: Application
) -> None:
    cell = signed_in(app_client, "cell")
    of = record_of_incidents(cell)
    assert set(of) == set(RECORDS) and len(set(of.values())) == len(RECORDS)  # none merged
    for username, party in USERS.items():
        client = signed_in(TestClient(create_app(application)), username)
        expected = {of[r] for r, rec in RECORDS.items() if released(rec[6], party)}
        items, total = every_page(client, "/api/incidents", 2)
        ids = [i["incident_id"] for i in items]
        assert len(ids) == len(set(ids)), "a duplicate across pages"
        assert set(ids) == expected and total == len(expected), username
        times = [i["time"] for i in items]
        assert times == sorted(times, reverse=True)
        # reports: the same rule, one report per record
        reports, total = every_page(client, "/api/reports", 4)
        assert total == len(expected) == len({r["report_key"] for r in reports})


def test_incident_filters(app_client: TestClient) -> None:
    client = signed_in(app_client, "cell")
    of = record_of_incidents(client)

    def ids(**params: str) -> set[str]:
        return {i["incident_id"] for i in every_page(client, "/api/incidents", 3, **params)[0]}

    surge = {of[r] for r in ("kost", "kram", "pokr", "bakh", "mari")}
    assert ids(since="2026-03-10T00:00:00+02:00", until="2026-03-11T00:00:00+02:00") == surge
    assert ids(oblast="Luhansk Oblast") == {of["luha"], of["sieve"], of["lysy"]}
    assert ids(type="sniper_fire") == {of["khar"]}
    assert ids(q="pokrov") == {of["pokr"]}
    assert ids(q="SMALL_ARMS") == {of["sieve"]}
    assert ids(q="100%") == set()
    assert ids(agreement="minsk-2015", zone="conflict-area") == set(of.values()) - {of["khar"]}
    assert ids(agreement="minsk-2015", zone="luhansk-oblast", type="small_arms_fire") == {
        of["sieve"]
    }
    for params in (
        {"zone": "conflict-area"},
        {"agreement": "minsk-2015", "zone": "no-such-zone"},
    ):  # a shape zone such as security-zone-artillery filters: test_desk_zone_filter.py
        assert error_code(client.get("/api/incidents", params=params), 422) == "filter_invalid"
    naive = client.get("/api/incidents", params={"since": "2026-03-10T00:00:00"})
    assert error_code(naive, 422) == "filter_invalid"
    assert "time zone" in naive.json()["error"]["message"]
    assert error_code(client.get("/api/incidents", params={"limit": "0"}), 422) == (
        "request_invalid"
    )


def test_a_tampered_or_foreign_cursor_is_refused_with_a_clear_error(
    app_client: TestClient,
) -> None:
    client = signed_in(app_client, "cell")
    cursor = ok(client.get("/api/incidents", params={"limit": "2"}))["next_cursor"]
    assert cursor
    flipped = cursor[:10] + ("A" if cursor[10] != "A" else "B") + cursor[11:]
    for bad in (flipped, cursor[:-3], "not a cursor!", "eyJ4Ijox"):
        response = client.get("/api/incidents", params={"limit": "2", "cursor": bad})
        assert error_code(response, 400) == "cursor_invalid"
        assert "fix:" in response.json()["error"]["message"]
    other = client.get("/api/incidents", params={"limit": "2", "cursor": cursor, "type": "x"})
    assert error_code(other, 400) == "cursor_invalid"
    assert "other filters" in other.json()["error"]["message"]
    reports = client.get("/api/reports", params={"cursor": cursor})
    assert "incidents list" in reports.json()["error"]["message"]


# --- details and 404 ------------------------------------------------------------------------


def test_detail_and_404_alike_for_unknown_and_not_released(
    app_client: TestClient, application: Application
) -> None:
    cell = signed_in(app_client, "cell")
    of = record_of_incidents(cell)
    detail = ok(cell.get(f"/api/incidents/{of['pokr']}"))
    assert detail["summary"]["place_name"] == "Pokrovsk"
    assert [m["releasability"] for m in detail["members"]] == ["REL TO ua,us"]
    assert {v["rule_id"] for v in detail["violations"]} >= {"ceasefire-hostile-act"}
    assert all(v["explanation"] for v in detail["violations"])
    key = detail["members"][0]["report_key"]
    assert ok(cell.get(f"/api/reports/{key}"))["incident_id"] == of["pokr"]

    fr = signed_in(TestClient(create_app(application)), "viewer.fr")
    hidden = fr.get(f"/api/incidents/{of['pokr']}")
    unknown = fr.get("/api/incidents/inc-does-not-exist")
    assert error_code(hidden, 404) == error_code(unknown, 404) == "not_found"
    assert hidden.json()["error"]["message"].replace(of["pokr"], "X") == unknown.json()["error"][
        "message"
    ].replace("inc-does-not-exist", "X")
    assert error_code(fr.get(f"/api/reports/{key}"), 404) == "not_found"
    assert ok(fr.get(f"/api/incidents/{of['kost']}"))["summary"]["incident_id"] == of["kost"]


def test_every_read_route_needs_a_session(app_client: TestClient) -> None:
    for path in (
        "/api/incidents", "/api/incidents/x", "/api/reports", "/api/reports/x", "/api/sources",
        "/api/decisions", "/api/violations", "/api/activations", "/api/obligations",
        "/api/dashboard", "/api/search?q=a", "/api/exports/incidents.csv",
        "/api/exports/incidents.geojson", "/api/exports/violations.csv", "/api/agreements",
        "/api/agreements/minsk-2015",
    ):  # fmt: skip
        assert error_code(app_client.get(path), 401) == "unauthenticated", path


# --- results, obligations, dashboard ---------------------------------------------------------


def test_violations_activations_and_obligations_rest_on_visible_incidents(
    app_client: TestClient, application: Application
) -> None:
    cell = signed_in(app_client, "cell")
    of = record_of_incidents(cell)
    violations, total = every_page(cell, "/api/violations", 2, agreement="framework-2025")
    assert total == len(violations) and {v["incident_id"] for v in violations} <= set(of.values())
    assert len({(v["incident_id"], v["rule_id"], v["revision"]) for v in violations}) == total
    one_page = ok(cell.get("/api/violations", params={"agreement": "framework-2025", "limit": 500}))
    assert one_page["items"] == violations  # the same order, page by page or all at once
    activations, _ = every_page(cell, "/api/activations", 5, agreement="framework-2025")
    surge = [a for a in activations if a["rule_id"] == "artillery-surge"]
    assert surge and all(of["pokr"] in a["contributing"] for a in surge)
    obligations, total = every_page(cell, "/api/obligations", 3, agreement="framework-2025")
    assert total == len(obligations) > 0
    assert all(o["status"] == "open" and o["overdue"] for o in obligations)  # due in 2026-03
    assert {o["party"] for o in obligations} >= {"us"}
    overdue, _ = every_page(cell, "/api/obligations", 50, status="overdue")
    assert len(overdue) == len(obligations)
    assert every_page(cell, "/api/obligations", 50, status="done")[0] == []
    us_only, _ = every_page(cell, "/api/obligations", 50, party="us")
    assert us_only and {o["party"] for o in us_only} == {"us"}
    bad = cell.get("/api/obligations", params={"status": "finished"})
    assert error_code(bad, 422) == "filter_invalid"

    fr = signed_in(TestClient(create_app(application)), "viewer.fr")
    fr_violations, _ = every_page(fr, "/api/violations", 50)
    assert of["pokr"] not in {v["incident_id"] for v in fr_violations}
    assert of["kost"] in {v["incident_id"] for v in fr_violations}
    fr_activations, _ = every_page(fr, "/api/activations", 50)
    assert not any(of["pokr"] in a["contributing"] for a in fr_activations)
    fr_obligations, _ = every_page(fr, "/api/obligations", 50)
    surge_obligations = {o["obligation_id"] for o in obligations if o["activation_id"] in {
        a["activation_id"] for a in surge}}  # fmt: skip
    assert surge_obligations and not surge_obligations & {
        o["obligation_id"] for o in fr_obligations
    }
    ua = signed_in(TestClient(create_app(application)), "liaison.ua")
    ua_obligations = {o["obligation_id"] for o in every_page(ua, "/api/obligations", 50)[0]}
    assert surge_obligations <= ua_obligations


def test_dashboard_counts_match_the_lists(app_client: TestClient, application: Application) -> None:
    for username in USERS:
        client = signed_in(TestClient(create_app(application)), username)
        board = ok(client.get("/api/dashboard", params={"agreement": "framework-2025"}))
        incidents, total = every_page(client, "/api/incidents", 50)
        violations, violation_total = every_page(
            client, "/api/violations", 50, agreement="framework-2025"
        )
        assert board["totals"] == {"incidents": total, "violations": violation_total}
        assert sum(d["incidents"] for d in board["per_day"]) == total
        assert sum(o["violations"] for o in board["per_oblast"]) == violation_total
        assert {m["incident_id"] for m in board["markers"]} == {i["incident_id"] for i in incidents}
        violated = {v["incident_id"] for v in violations}
        assert all(m["violated"] == (m["incident_id"] in violated) for m in board["markers"])
        assert board["markers_capped"] is False
        days = {d["day"]: d["incidents"] for d in board["per_day"]}
        expected_days: dict[str, int] = {}
        for i in incidents:
            day = datetime.fromisoformat(i["time"]).astimezone(UTC).date().isoformat()
            expected_days[day] = expected_days.get(day, 0) + 1
        assert days == expected_days


# --- exports, search, sources, decisions ------------------------------------------------------


def test_exports_hold_exactly_the_visible_items(
    app_client: TestClient, application: Application
) -> None:
    for username in ("cell", "viewer.fr", "liaison.ru"):
        client = signed_in(TestClient(create_app(application)), username)
        listed = {i["incident_id"] for i in every_page(client, "/api/incidents", 50)[0]}
        response = client.get("/api/exports/incidents.csv")
        assert response.status_code == 200 and response.headers["content-type"].startswith(
            "text/csv"
        )
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert {r["incident_id"] for r in rows} == listed and len(rows) == len(listed)
        geo = ok(client.get("/api/exports/incidents.geojson"))
        assert geo["type"] == "FeatureCollection"
        assert {f["id"] for f in geo["features"]} == listed
        point = geo["features"][0]["geometry"]
        assert point["type"] == "Point" and len(point["coordinates"]) == 2
        violations = client.get(
            "/api/exports/violations.csv", params={"agreement": "framework-2025"}
        )
        exported = {r["incident_id"] for r in csv.DictReader(io.StringIO(violations.text))}
        assert exported and exported <= listed
        luhansk = client.get("/api/exports/incidents.csv", params={"oblast": "Luhansk Oblast"})
        assert {r["place_name"] for r in csv.DictReader(io.StringIO(luhansk.text))} == {
            "Luhansk", "Sievierodonetsk", "Lysychansk"
        }  # fmt: skip


def test_search_sources_and_decisions_respect_markings(
    app_client: TestClient, application: Application
) -> None:
    cell = signed_in(app_client, "cell")
    found = ok(cell.get("/api/search", params={"q": "reported in"}))
    assert len(found["incidents"]) == len(RECORDS) and len(found["reports"]) == len(RECORDS)
    assert {s["id"]: s["reports"] for s in ok(cell.get("/api/sources"))}["src-one"] == len(RECORDS)
    fr = signed_in(TestClient(create_app(application)), "viewer.fr")
    public = sum(1 for r in RECORDS.values() if r[6] == "PUBLIC")
    assert len(ok(fr.get("/api/search", params={"q": "reported in"}))["reports"]) == public
    assert ok(fr.get("/api/search", params={"q": "Pokrovsk"})) == {
        "incidents": [], "reports": [], "limit": 20
    }  # fmt: skip
    assert {s["id"]: s["reports"] for s in ok(fr.get("/api/sources"))}["src-one"] == public

    # a decision naming a report not released to fr is not listed to fr
    reports, _ = every_page(cell, "/api/reports", 50)
    key = {r["place_name"]: r["report_key"] for r in reports}

    def incident(place: str) -> str:
        return str(ok(cell.get("/api/search", params={"q": place}))["incidents"][0]["incident_id"])

    assert main(["incident", "confirm", incident("Pokrovsk"), "--by", "ana"]) == 0
    assert main(["incident", "confirm", incident("Bakhmut"), "--by", "ana"]) == 0
    assert len(ok(cell.get("/api/decisions"))) == 2
    fr_decisions = ok(fr.get("/api/decisions"))
    assert [d["record"]["report_key"] for d in fr_decisions] == [key["Bakhmut"]]
    bakhmut = ok(fr.get("/api/search", params={"q": "Bakhmut"}))["incidents"][0]["incident_id"]
    assert [d["kind"] for d in ok(fr.get(f"/api/incidents/{bakhmut}"))["decisions"]] == ["confirm"]


# --- agreements and OpenAPI -----------------------------------------------------------------


def test_agreement_routes(app_client: TestClient) -> None:
    client = signed_in(app_client, "viewer.fr")
    listed = {a["id"]: a for a in ok(client.get("/api/agreements"))}
    assert {"minsk-2015", "framework-2025"} <= set(listed)
    versions = [v["id"] for v in listed["minsk-2015"]["versions"]]
    assert len(versions) >= 2
    view = ok(client.get("/api/agreements/minsk-2015", params={"version": versions[0]}))
    assert view["version"]["id"] == versions[0] and view["clauses"]
    assert all("rendered" in c for c in view["clauses"]) and view["rules"]
    diff = ok(
        client.get(
            "/api/agreements/minsk-2015/diff", params={"from": versions[0], "to": versions[-1]}
        )
    )
    assert diff["from_version"] == versions[0] and diff["changes"]
    assert error_code(client.get("/api/agreements/nope"), 404) == "not_found"
    assert error_code(client.get("/api/agreements/..%2F..%2Fetc"), 404) == "not_found"
    missing = client.get("/api/agreements/minsk-2015", params={"version": "1999"})
    assert error_code(missing, 404) == "not_found"


def test_openapi_lists_every_read_route(app_client: TestClient) -> None:
    paths = set(ok(app_client.get("/openapi.json"))["paths"])
    assert {
        "/api/agreements", "/api/agreements/{agreement_id}", "/api/agreements/{agreement_id}/diff",
        "/api/sources", "/api/reports", "/api/reports/{report_key}", "/api/incidents",
        "/api/incidents/{incident_id}", "/api/decisions", "/api/violations", "/api/activations",
        "/api/obligations", "/api/dashboard", "/api/exports/incidents.csv",
        "/api/exports/incidents.geojson", "/api/exports/violations.csv", "/api/search",
    } <= paths  # fmt: skip
    schema = json.dumps(
        ok(app_client.get("/openapi.json"))["components"]["schemas"]["IncidentPage"]
    )
    assert "next_cursor" in schema and "total" in schema
