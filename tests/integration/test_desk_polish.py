"""The desk's polish, in-process on a migrated database with real fused incidents: gzip
answers, the map outline built at startup, sign-in redirects that keep the query (never off
site), error pages in the desk's layout, and the review queue opening on what needs review."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from guarantor.bootstrap.app import Application, build_application
from guarantor.evidence.reports import Source
from guarantor.services import desk
from guarantor.services import incidents as incident_service
from guarantor.services.desk_views import IncidentFilter
from guarantor.services.intake import ingest
from guarantor.services.security import Principal
from guarantor.storage.desk_store import SqlDeskReader
from guarantor.web.app import GZIP_MIN_BYTES, create_app
from guarantor.web.map_svg import base_map
from guarantor.web.pages_incidents import NEEDS_REVIEW
from web_session import PASSWORD, add_users, signed_in

ROOT = Path(__file__).resolve().parents[2]
HTML = {"accept": "text/html"}
HEADER = "source_record_id,observed_at,time_precision,lat,lon,place_precision,place_name,type,"
HEADER += "severity,deaths,injured,claimed_actor,releasability,text\n"
# Two cells report the same shelling in Kharkiv with different actors (disputed), both report
# one in Dnipro (corroborated); Odesa is reported once (unverified); Sumy is released to the
# US only.
CELL_A = HEADER + (
    "a-1,2026-03-12T10:00:00+02:00,1,49.9935,36.2304,1,Kharkiv,shelling,3,0,1,ru,,"
    "Shelling near the centre of Kharkiv.\n"
    "a-2,2026-03-13T08:00:00+02:00,1,48.4647,35.0462,1,Dnipro,shelling,2,0,0,ru,,"
    "Shelling of the port area of Dnipro.\n"
    "a-3,2026-03-14T07:00:00+02:00,1,46.4825,30.7233,1,Odesa,shelling,2,0,0,ru,,"
    "Shelling of the Odesa outskirts.\n"
    "a-4,2026-03-15T07:00:00+02:00,1,50.9077,34.7981,1,Sumy,shelling,2,0,0,ru,REL TO us,"
    "Shelling of Sumy released to the US only.\n"
)
CELL_B = HEADER + (
    "b-1,2026-03-12T10:05:00+02:00,1,49.9940,36.2310,1,Kharkiv,shelling,3,0,1,ua,,"
    "Shelling near the centre of Kharkiv; one injured.\n"
    "b-2,2026-03-13T08:05:00+02:00,1,48.4650,35.0470,1,Dnipro,shelling,2,0,0,ru,,"
    "Patrol saw impacts by the river port in Dnipro this morning.\n"
)
CELL = Principal(user_id=0, party=None, roles=frozenset({"analyst"}), username="check")


@pytest.fixture
def application(database_url: str, tmp_path: Path) -> Iterator[Application]:
    made = build_application(
        database_url=database_url,
        data_dir=tmp_path / "var",
        agreements_dir=ROOT / "agreements",
        secret_key="a-test-secret-key-that-is-long-enough-for-sessions",
    )
    made.migrate()
    store = made.report_store()
    for name, text, source in (
        ("a.csv", CELL_A, Source("cell-a", "Cell A", "patrol", "B")),
        ("b.csv", CELL_B, Source("cell-b", "Cell B", "patrol", "B")),
    ):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        summary = ingest(path, made.importer(path, None, None), source, store, made.geocoder())
        assert summary.accepted == text.count("\n") - 1, summary
    incident_service.fuse_all(made.report_source(), made.incident_store())
    add_users(made.engine, [("analyst.cell", None, ["analyst"]), ("liaison.ua", "ua", ["liaison"])])
    yield made
    made.engine.dispose()


def _client(application: Application, username: str | None = None) -> TestClient:
    client = TestClient(create_app(application), raise_server_exceptions=False)
    if username is not None:
        signed_in(client, username)
    return client


def _by_place(application: Application) -> dict[str, tuple[str, str | None]]:
    page = desk.list_incidents(SqlDeskReader(application.engine), CELL, IncidentFilter(), None, 50)
    return {i.place_name or "": (i.incident_id, i.status) for i in page.items}


def test_the_fused_incidents_have_the_statuses_this_file_relies_on(
    application: Application,
) -> None:
    statuses = {place: status for place, (_, status) in _by_place(application).items()}
    assert statuses == {
        "Kharkiv": "disputed",
        "Dnipro": "corroborated",
        "Odesa": "unverified",
        "Sumy": "unverified",
    }


def test_pages_and_api_answers_are_gzipped_when_asked_and_plain_otherwise(
    application: Application,
) -> None:
    client = _client(application, "analyst.cell")
    for path, headers in (("/", HTML), ("/api/dashboard", {})):
        zipped = client.get(path, headers={**headers, "accept-encoding": "gzip"})
        plain = client.get(path, headers={**headers, "accept-encoding": "identity"})
        assert zipped.status_code == plain.status_code == 200
        assert zipped.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in zipped.headers["vary"].lower()
        assert "content-encoding" not in plain.headers
        assert len(plain.content) >= GZIP_MIN_BYTES
        assert zipped.content == plain.content  # httpx decoded the gzip body
        assert zipped.num_bytes_downloaded < plain.num_bytes_downloaded / 2  # sent compressed
    small = client.get("/api/me", headers={"accept-encoding": "gzip"})
    assert len(small.content) < GZIP_MIN_BYTES and "content-encoding" not in small.headers


def test_the_map_outline_is_built_at_startup_once_per_process(application: Application) -> None:
    base_map.cache_clear()
    app = create_app(application)
    assert base_map.cache_info().currsize == 0  # creating the app builds nothing
    with TestClient(app) as client:
        assert base_map.cache_info().currsize == 1  # startup built it
        assert base_map.cache_info().misses == 1
        token = client.get("/api/session").json()["csrf_token"]
        client.post(
            "/api/session",
            json={"username": "analyst.cell", "password": PASSWORD},
            headers={"X-CSRF-Token": token},
        )
        assert client.get("/", headers=HTML).status_code == 200
        assert client.get("/", headers=HTML).status_code == 200
        assert base_map.cache_info().misses == 1  # the requests reused it


def test_sign_in_sends_the_browser_back_to_the_page_with_its_query(
    application: Application,
) -> None:
    client = _client(application)
    asked = "/incidents?status=disputed&q=Kharkiv centre"
    moved = client.get(asked, headers=HTML, follow_redirects=False)
    assert moved.status_code == 303
    target = "/incidents?" + moved.request.url.query.decode()
    assert moved.headers["location"] == f"/sign-in?next={quote(target, safe='/')}"
    form_page = client.get(moved.headers["location"], headers=HTML)
    hidden = re.search(r'name="next" value="([^"]+)"', form_page.text)
    assert hidden is not None and hidden.group(1).replace("&amp;", "&") == target
    token = re.search(r'name="csrf_token" value="([^"]+)"', form_page.text)
    assert token is not None
    form = {"username": "analyst.cell", "password": PASSWORD, "csrf_token": token.group(1)}
    back = client.post("/sign-in", data={**form, "next": target}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == target
    queue = client.get(back.headers["location"], headers=HTML)
    assert '<option value="disputed" selected>' in queue.text


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_sign_in_never_sends_the_browser_off_site(application: Application, target: str) -> None:
    client = _client(application)
    form_page = client.get(f"/sign-in?next={quote(target, safe='')}", headers=HTML)
    assert 'name="next" value="/"' in form_page.text and "evil" not in form_page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form_page.text)
    assert token is not None
    form = {"username": "analyst.cell", "password": PASSWORD, "csrf_token": token.group(1)}
    back = client.post("/sign-in", data={**form, "next": target}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == "/"


def _in_layout(text: str) -> None:
    assert '<a class="skip-link" href="#main">Skip to content</a>' in text
    assert '<header class="site-header">' in text and '<main id="main"' in text
    assert '<link rel="stylesheet" href="/static/desk.css">' in text


def test_a_hidden_and_an_unknown_incident_get_the_same_404_page_in_the_desk_layout(
    application: Application,
) -> None:
    hidden_id, _ = _by_place(application)["Sumy"]
    client = _client(application, "liaison.ua")
    pages = []
    for incident_id in (hidden_id, "i-does-not-exist"):
        response = client.get(f"/incidents/{incident_id}", headers=HTML)
        assert response.status_code == 404
        _in_layout(response.text)
        assert '<nav aria-label="Main">' in response.text and "liaison.ua" in response.text
        request_id = response.headers["x-request-id"]
        assert request_id in response.text
        pages.append(response.text.replace(request_id, "RID").replace(incident_id, "ID"))
        api = client.get(f"/api/incidents/{incident_id}")
        assert api.status_code == 404 and api.headers["content-type"] == "application/json"
        assert set(api.json()) == {"error"} and api.json()["error"]["code"] == "not_found"
    assert pages[0] == pages[1]
    assert "Sumy" not in pages[0]


def test_403_and_422_pages_use_the_desk_layout_and_json_keeps_the_envelope(
    application: Application,
) -> None:
    client = _client(application, "analyst.cell")
    refused = client.post("/sign-out", headers=HTML, follow_redirects=False)
    assert refused.status_code == 403 and "csrf_refused" in refused.text
    _in_layout(refused.text)
    assert "analyst.cell" in refused.text  # still signed in: the header names the user
    invalid = client.get("/?since=someday", headers=HTML)
    assert invalid.status_code == 422
    _in_layout(invalid.text)
    assert "someday" in invalid.text and '<nav aria-label="Main">' in invalid.text
    api = client.get("/api/incidents?since=someday")
    assert api.status_code == 422 and set(api.json()["error"]) == {
        "code",
        "message",
        "problems",
        "request_id",
    }
    form = {"username": "analyst.cell", "password": PASSWORD}  # no CSRF token
    anonymous = _client(application).post("/sign-in", data=form, headers=HTML)
    assert anonymous.status_code == 403 and "csrf_refused" in anonymous.text
    _in_layout(anonymous.text)
    assert '<nav aria-label="Main">' not in anonymous.text  # nobody is signed in


def _queue_places(text: str) -> set[str]:
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", text, flags=re.S)
    places = {"Kharkiv", "Dnipro", "Odesa", "Sumy"}
    return {p for row in rows for p in places if f"<td>{p}" in row}


def test_the_review_queue_opens_on_what_needs_review_and_any_status_stays_available(
    application: Application,
) -> None:
    assert NEEDS_REVIEW == ("unverified", "disputed")
    client = _client(application, "analyst.cell")
    opened = client.get("/incidents", headers=HTML)
    assert opened.status_code == 200
    assert _queue_places(opened.text) == {"Kharkiv", "Odesa", "Sumy"}
    assert '<option value="needs-review" selected>' in opened.text
    assert "3 incidents match that need review" in opened.text
    every = client.get("/incidents?status=any", headers=HTML)
    assert _queue_places(every.text) == {"Kharkiv", "Dnipro", "Odesa", "Sumy"}
    assert '<option value="any" selected>' in every.text
    assert _queue_places(client.get("/incidents?status=", headers=HTML).text) == {
        "Kharkiv",
        "Dnipro",
        "Odesa",
        "Sumy",
    }
    one = client.get("/incidents?status=corroborated", headers=HTML)
    assert _queue_places(one.text) == {"Dnipro"}
    liaison = _client(application, "liaison.ua").get("/incidents", headers=HTML)
    assert _queue_places(liaison.text) == {"Kharkiv", "Odesa"}  # Sumy is not released to ua
