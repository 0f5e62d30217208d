"""Lists, counts, map and pages filter by any zone of an agreement, on SQLite and PostgreSQL:
a zone made of oblasts by its oblasts, any other (here Minsk's 25-km security zone, a buffer
around the line of contact) by its shape. Releasability still applies inside the zone.

The data, in 2016: Donetsk city and Horlivka lie a few kilometres from the 2015 line of
contact (inside the 25-km zone); Kramatorsk lies in Donetsk oblast but some 40 km behind the
line; Kharkiv and Dnipro are far from it. Horlivka's report is released to ``ru`` only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from guarantor.bootstrap.app import build_application
from guarantor.cli.main import main
from guarantor.web.app import create_app
from web_session import add_users, signed_in

SECRET = "a-test-secret-that-is-long-enough-for-production-0123456789"
ROWS = [
    ("donetsk", "2016-06-01T22:00:00+03:00", 48.0159, 37.8028, "Donetsk", "PUBLIC"),
    ("horlivka", "2016-06-02T23:00:00+03:00", 48.3336, 38.0925, "Horlivka", "REL TO ru"),
    ("kramatorsk", "2016-06-03T21:00:00+03:00", 48.7389, 37.5844, "Kramatorsk", "PUBLIC"),
    ("kharkiv", "2016-06-04T21:00:00+03:00", 49.9935, 36.2304, "Kharkiv", "PUBLIC"),
    ("dnipro", "2016-06-05T21:00:00+03:00", 48.4647, 35.0462, "Dnipro", "PUBLIC"),
]
ZONE = {"agreement": "minsk-2015", "zone": "security-zone-artillery"}


def _csv() -> str:
    lines = [
        "source_id,source_record_id,observed_at,lat,lon,place_name,type,severity,releasability"
    ]
    for rid, at, lat, lon, place, marking in ROWS:
        lines.append(f"patrol,{rid},{at},{lat},{lon},{place},shelling,3,{marking}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def clients(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, TestClient]]:
    monkeypatch.setenv("GUARANTOR_DATABASE_URL", database_url)
    monkeypatch.setenv("GUARANTOR_DATA_DIR", str(tmp_path / "var"))
    path = tmp_path / "reports.csv"
    path.write_text(_csv(), encoding="utf-8")
    for argv in (["db", "upgrade"], ["ingest", str(path)], ["fuse"]):
        assert main(argv) == 0
    assert main(["evaluate", "--agreement", "minsk-2015"]) == 0
    application = build_application(
        database_url=database_url, data_dir=tmp_path / "var", secret_key=SECRET
    )
    add_users(application.engine, [("cell", None, ["analyst"]), ("liaison.ua", "ua", ["liaison"])])
    made = {}
    for user in ("cell", "liaison.ua"):
        made[user] = signed_in(TestClient(create_app(application)), user)
    yield made
    for client in made.values():
        client.close()
    application.engine.dispose()


def _places(client: TestClient, **params: str) -> tuple[list[str], int]:
    response = client.get("/api/incidents", params={**params, "limit": "50"})
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return sorted(i["place_name"] for i in page["items"]), page["total"]


def test_a_shape_zone_keeps_the_incidents_inside_it(clients: dict[str, TestClient]) -> None:
    cell = clients["cell"]
    assert _places(cell) == (["Dnipro", "Donetsk", "Horlivka", "Kharkiv", "Kramatorsk"], 5)
    assert _places(cell, **ZONE) == (["Donetsk", "Horlivka"], 2)
    oblasts = {"agreement": "minsk-2015", "zone": "conflict-area"}  # made of two oblasts
    assert _places(cell, **oblasts) == (["Donetsk", "Horlivka", "Kramatorsk"], 3)

    board = cell.get("/api/dashboard", params=ZONE).json()
    assert board["totals"]["incidents"] == 2
    assert sorted(round(m["lat"], 4) for m in board["markers"]) == [48.0159, 48.3336]
    assert sum(d["incidents"] for d in board["per_day"]) == 2
    assert {o["oblast"]: o["incidents"] for o in board["per_oblast"]} == {"Donetsk Oblast": 2}


def test_a_party_sees_only_what_is_released_to_it_inside_the_zone(
    clients: dict[str, TestClient],
) -> None:
    liaison = clients["liaison.ua"]
    assert _places(liaison, **ZONE) == (["Donetsk"], 1)
    board = liaison.get("/api/dashboard", params=ZONE).json()
    assert board["totals"]["incidents"] == 1
    assert len(board["markers"]) == 1


def test_the_dashboard_page_filters_by_a_shape_zone_and_refuses_an_unknown_one(
    clients: dict[str, TestClient],
) -> None:
    cell = clients["cell"]
    inside = {i["incident_id"] for i in cell.get("/api/incidents", params=ZONE).json()["items"]}
    every = {i["incident_id"] for i in cell.get("/api/incidents").json()["items"]}
    page = cell.get("/", params=ZONE)
    assert page.status_code == 200, page.text
    assert '<dd id="total-incidents">2</dd>' in page.text
    assert len(inside) == 2 and all(f"/incidents/{i}" in page.text for i in inside)
    assert not any(f"/incidents/{i}" in page.text for i in every - inside)
    assert 'value="security-zone-artillery" selected' in page.text
    unknown = cell.get("/api/incidents", params={"agreement": "minsk-2015", "zone": "atlantis"})
    assert unknown.status_code == 422
    assert "security-zone-artillery" in unknown.json()["error"]["message"]
