"""The kept answers of the dashboard and the incident list (``guarantor.web.answer_cache``),
on SQLite and PostgreSQL: an answer kept for one party is never served to another party or
to the cell, users with the same visibility share it, and a new fusion run (a data change)
is seen at once. The data and users are those of ``desk_api_data``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from desk_api_data import (  # the same data, users and helpers
    COLUMNS,
    RECORDS,
    USERS,
    desk_application,
    every_page,
    ok,
    record_of_incidents,
    released,
)
from fastapi.testclient import TestClient

from guarantor.bootstrap.app import Application
from guarantor.cli.main import main
from guarantor.services import users as user_service
from guarantor.storage.security_store import SqlSecurityUnitOfWork
from guarantor.web.answer_cache import AnswerCache
from guarantor.web.app import create_app
from web_session import FAST, PASSWORD, signed_in

BOARD = {"agreement": "framework-2025"}


@pytest.fixture
def application(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Application]:
    yield from desk_application(database_url, tmp_path, monkeypatch)


def _answers(client: TestClient) -> dict[str, Any]:
    """What the two cached routes answer ``client``: the dashboard, every incident page."""
    board = ok(client.get("/api/dashboard", params=BOARD))
    incidents, total = every_page(client, "/api/incidents", 2)
    return {"board": board, "incidents": incidents, "total": total}


def _add_user(application: Application, username: str, party: str | None) -> None:
    user_service.add_user(
        SqlSecurityUnitOfWork(application.engine),
        FAST,
        username=username,
        party=party,
        roles=["viewer"],
        password=PASSWORD,
        actor="test",
        now=datetime.now(UTC),
    )


def test_an_answer_kept_for_one_party_is_never_served_to_another(
    application: Application,
) -> None:
    of = record_of_incidents(signed_in(TestClient(create_app(application)), "cell"))
    app = create_app(application)  # one app, one cache, every user
    cache: AnswerCache = app.state.answers
    seen: dict[str, dict[str, Any]] = {}
    for username, party in USERS.items():  # the cell first: its answers are kept first
        before = len(cache)
        seen[username] = _answers(signed_in(TestClient(app), username))
        assert len(cache) > before, f"{username} was answered from another user's answers"
        expected = {of[r] for r, rec in RECORDS.items() if released(rec[6], party)}
        got = seen[username]
        assert {i["incident_id"] for i in got["incidents"]} == expected, username
        assert got["total"] == got["board"]["totals"]["incidents"] == len(expected), username
        assert {m["incident_id"] for m in got["board"]["markers"]} == expected, username
    # the same answers as an app that keeps nothing yet would give each user
    for username in USERS:
        assert _answers(signed_in(TestClient(create_app(application)), username)) == seen[username]
    # the parties here all see different things: four different dashboards
    assert len({str(s["board"]) for s in seen.values()}) == len(USERS)


def test_users_with_the_same_visibility_share_an_answer(application: Application) -> None:
    _add_user(application, "viewer.ua", "ua")
    app = create_app(application)
    cache: AnswerCache = app.state.answers
    first = _answers(signed_in(TestClient(app), "liaison.ua"))
    kept = len(cache)
    client = signed_in(TestClient(app), "viewer.ua")
    assert _answers(client) == first
    assert len(cache) == kept  # served from the kept answers
    plain = client.get("/api/dashboard", params=BOARD, headers={"Accept-Encoding": "identity"})
    assert plain.headers.get("content-encoding") is None and plain.json() == first["board"]
    zipped = client.get("/api/dashboard", params=BOARD, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.json() == first["board"]


def test_a_disabled_user_is_refused_even_with_answers_kept(application: Application) -> None:
    app = create_app(application)
    client = signed_in(TestClient(app), "liaison.ua")
    ok(client.get("/api/dashboard", params=BOARD))
    uow = SqlSecurityUnitOfWork(application.engine)
    user_service.set_disabled(
        uow, username="liaison.ua", disabled=True, actor="test", now=datetime.now(UTC)
    )
    assert client.get("/api/dashboard", params=BOARD).status_code == 401
    assert client.get("/api/incidents").status_code == 401


def test_a_new_fusion_run_is_seen_at_once(application: Application, tmp_path: Path) -> None:
    app = create_app(application)
    cell = signed_in(TestClient(app), "cell")
    party = signed_in(TestClient(app), "viewer.fr")
    before = {"cell": _answers(cell), "party": _answers(party)}
    path = tmp_path / "more.csv"
    path.write_text(
        f"{COLUMNS}\nsrc-one,odesa,2026-04-20T09:00:00+03:00,46.4825,30.7233,Odesa,shelling,,2,"
        'shelling reported in Odesa,"PUBLIC"\n'
        f"src-one,kher,2026-04-21T09:00:00+03:00,46.6354,32.6169,Kherson,shelling,,2,"
        'shelling reported in Kherson,"INTERNAL ru"\n',
        encoding="utf-8",
    )
    assert main(["ingest", str(path)]) == 0
    assert main(["fuse"]) == 0
    after = {"cell": _answers(cell), "party": _answers(party)}
    assert after["cell"]["total"] == before["cell"]["total"] + 2
    assert after["cell"]["board"]["totals"]["incidents"] == before["cell"]["total"] + 2
    assert after["party"]["total"] == before["party"]["total"] + 1  # not the INTERNAL ru one
    assert after["party"]["board"]["totals"]["incidents"] == before["party"]["total"] + 1
    newest = after["party"]["incidents"][0]
    assert newest["place_name"] == "Odesa"
    assert {i["incident_id"] for i in after["party"]["incidents"]} >= {newest["incident_id"]}
