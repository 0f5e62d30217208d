"""The data, users, fixtures and helpers of the desk's read-API tests
(``test_web_api_read``, ``test_desk_cache``).

The data: on 10 March 2026 five shelling incidents in five towns of Donetsk oblast within
24 hours (framework-2025's artillery surge: more than three in a day), one of them marked
``REL TO ua,us``; a sniper incident in Kharkiv marked ``INTERNAL ru``; three PUBLIC
incidents in Luhansk oblast on later days. They are ingested as a CSV with markings, fused
and evaluated under framework-2025 through the real services.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from guarantor.bootstrap.app import Application, build_application
from guarantor.cli.main import main
from web_session import add_users

SECRET = "a-test-secret-that-is-long-enough-for-production-0123456789"
COLUMNS = (
    "source_id,source_record_id,observed_at,lat,lon,place_name,type,weapon,severity,text,"
    "releasability"
)
TABLE = """
kost  2026-03-10T05:40:00+02:00 48.5277 37.7069 Kostiantynivka  shelling        3 PUBLIC
kram  2026-03-10T08:10:00+02:00 48.7389 37.5844 Kramatorsk      shelling        3 PUBLIC
pokr  2026-03-10T11:30:00+02:00 48.2826 37.1766 Pokrovsk        shelling        3 REL TO ua,us
bakh  2026-03-10T14:00:00+02:00 48.5947 38.0003 Bakhmut         shelling        3 PUBLIC
mari  2026-03-10T19:45:00+02:00 47.0951 37.5413 Mariupol        shelling        3 PUBLIC
khar  2026-03-20T22:00:00+02:00 49.9935 36.2304 Kharkiv         sniper_fire     2 INTERNAL ru
luha  2026-04-02T09:00:00+03:00 48.5740 39.3078 Luhansk         shelling        2 PUBLIC
sieve 2026-04-05T09:00:00+03:00 48.8583 38.4897 Sievierodonetsk small_arms_fire 1 PUBLIC
lysy  2026-04-09T09:00:00+03:00 48.9049 38.4316 Lysychansk      shelling        2 PUBLIC
"""
# record id -> (time, lat, lon, place, type, severity, marking)
RECORDS: dict[str, tuple[str, float, float, str, str, int, str]] = {
    rid: (at, float(lat), float(lon), place, kind, int(severity), " ".join(marking))
    for rid, at, lat, lon, place, kind, severity, *marking in (
        line.split() for line in TABLE.strip().splitlines()
    )
}
USERS = {"cell": None, "liaison.ua": "ua", "viewer.fr": "fr", "liaison.ru": "ru"}


def _csv() -> str:
    rows = [COLUMNS]
    for rid, (at, lat, lon, place, kind, severity, marking) in RECORDS.items():
        text = f"{kind} reported in {place}"
        rows.append(f'src-one,{rid},{at},{lat},{lon},{place},{kind},,{severity},{text},"{marking}"')
    return "\n".join(rows) + "\n"


def released(marking: str, party: str | None) -> bool:
    """Independent of the code under test: the marking rules of the issue, for these data."""
    if party is None or marking == "PUBLIC":
        return True
    kind, _, rest = marking.partition(" TO ") if marking.startswith("REL") else ("", "", "")
    if kind == "REL":
        return party in rest.split(",")
    return marking == f"INTERNAL {party}"


def desk_application(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Application]:
    """The application over a database holding the data (a fixture's body: yield from)."""
    monkeypatch.setenv("GUARANTOR_DATABASE_URL", database_url)
    monkeypatch.setenv("GUARANTOR_DATA_DIR", str(tmp_path / "var"))
    path = tmp_path / "reports.csv"
    path.write_text(_csv(), encoding="utf-8")
    assert main(["db", "upgrade"]) == 0
    assert main(["ingest", str(path)]) == 0
    assert main(["fuse"]) == 0
    assert main(["evaluate", "--agreement", "framework-2025"]) == 0
    made = build_application(
        database_url=database_url, data_dir=tmp_path / "var", secret_key=SECRET
    )
    add_users(
        made.engine,
        (
            (username, party, ["liaison"] if username.startswith("liaison") else ["analyst"])
            for username, party in USERS.items()
        ),
    )
    yield made
    made.engine.dispose()


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def every_page(client: TestClient, path: str, limit: int, **params: str) -> tuple[list[Any], int]:
    items: list[Any] = []
    cursor: str | None = None
    totals = set()
    while True:
        query = {**params, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        page = ok(client.get(path, params=query))
        assert len(page["items"]) <= limit
        items += page["items"]
        totals.add(page["total"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(totals) == 1
    return items, totals.pop()


def record_of_incidents(client: TestClient) -> dict[str, str]:
    """Record id -> incident id, seen by the cell through the API."""
    incidents, _ = every_page(client, "/api/incidents", 100)
    found = {}
    for incident in incidents:
        detail = ok(client.get(f"/api/incidents/{incident['incident_id']}"))
        for member in detail["members"]:
            report = ok(client.get(f"/api/reports/{member['report_key']}"))
            found[report["fields"]["source_record_id"]] = incident["incident_id"]
    return found


def error_code(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["error"]["code"])
