"""The web foundation in-process: the error envelope, sign-in, sessions, CSRF, OpenAPI,
and ``guarantor serve --get``, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from guarantor.bootstrap.app import Application, build_application
from guarantor.cli.main import main
from guarantor.errors import ConfigurationError
from guarantor.services import users as service
from guarantor.services.security import Permission, Principal
from guarantor.storage.security_store import SqlSecurityUnitOfWork
from guarantor.web.app import create_app
from guarantor.web.auth import requires
from guarantor.web.sessions import CSRF_COOKIE, SESSION_COOKIE
from web_session import FAST, PASSWORD, add_users

SECRET = "a-test-secret-that-is-long-enough-for-production-0123456789"
ENVELOPE_KEYS = {"code", "message", "problems", "request_id"}


def make_application(url: str, tmp_path: Path, **overrides: Any) -> Application:
    settings: dict[str, Any] = {"secret_key": SECRET, **overrides}
    return build_application(database_url=url, data_dir=tmp_path / "var", **settings)


@pytest.fixture
def application(database_url: str, tmp_path: Path) -> Iterator[Application]:
    made = make_application(database_url, tmp_path)
    made.migrate()
    add_users(made.engine, [("viewer.ua", "ua", ["viewer"]), ("admin", None, ["admin"])])
    yield made
    made.engine.dispose()


@pytest.fixture
def web(application: Application) -> FastAPI:
    app = create_app(application)

    @app.get("/api/test/admin-only")
    def admin_only(
        principal: Annotated[Principal, Depends(requires(Permission.USERS_MANAGE))],
    ) -> dict[str, str]:
        return {"hello": principal.username}

    @app.get("/api/test/crash")
    def crash() -> None:
        raise RuntimeError("connection string postgresql://root:hunter2@db")

    return app


@pytest.fixture
def client(web: FastAPI) -> TestClient:
    return TestClient(web, raise_server_exceptions=False)


def csrf(client: TestClient) -> str:
    token = client.get("/api/session").json()["csrf_token"]
    assert token == client.cookies.get(CSRF_COOKIE)
    return str(token)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/api/session",
        json={"username": username, "password": password},
        headers={"X-CSRF-Token": csrf(client)},
    )


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == ENVELOPE_KEYS
    assert body["error"]["code"] == code
    assert body["error"]["request_id"] == response.headers["X-Request-ID"]
    return dict(body["error"])


# --- the envelope ---------------------------------------------------------------------------


def test_every_error_has_the_one_envelope(client: TestClient) -> None:
    error_of(client.get("/api/no-such-thing"), 404, "not_found")
    error_of(client.get("/api/me"), 401, "unauthenticated")
    invalid = error_of(
        client.post("/api/session", json={"username": "x"}, headers={"X-CSRF-Token": csrf(client)}),
        422,
        "request_invalid",
    )
    assert invalid["problems"] == [
        {
            "location": "body.password",
            "found": "nothing",
            "expected": "field required",
            "fix": "add 'password' to body",
        }
    ]
    assert sign_in(client, "viewer.ua").status_code == 200
    forbidden = error_of(client.get("/api/test/admin-only"), 403, "forbidden")
    assert "users.manage" in forbidden["message"] and "admin" in forbidden["message"]


def test_a_crash_is_a_500_envelope_without_the_traceback(client: TestClient) -> None:
    response = client.get("/api/test/crash")
    error = error_of(response, 500, "internal_error")
    assert error["request_id"] in error["message"]
    for leak in ("Traceback", "RuntimeError", "hunter2", 'File "'):
        assert leak not in response.text


def test_a_password_in_an_invalid_body_is_not_echoed(client: TestClient) -> None:
    response = client.post(
        "/api/session",
        json={"username": "viewer.ua", "password": ["hunter2"]},
        headers={"X-CSRF-Token": csrf(client)},
    )
    (problem,) = error_of(response, 422, "request_invalid")["problems"]
    assert problem["location"] == "body.password" and problem["found"] == "(hidden)"
    assert "hunter2" not in response.text


def test_health_is_ok_on_a_migrated_database(client: TestClient, application: Application) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == application.engine.dialect.name


def test_health_on_a_database_without_the_schema_is_a_503_that_says_to_migrate(
    database_url: str, tmp_path: Path
) -> None:
    client = TestClient(create_app(make_application(database_url, tmp_path)))
    error = error_of(client.get("/api/health"), 503, "storage_error")
    assert "guarantor db upgrade" in error["message"]


# --- OpenAPI and the docs page --------------------------------------------------------------


def test_openapi_is_3_1_and_lists_the_routes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert {"/api/health", "/api/me", "/api/session"} <= set(schema["paths"])
    assert set(schema["paths"]["/api/session"]) == {"get", "post", "delete"}


def test_no_page_loads_anything_from_another_site(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    for path in ("/api/docs", "/sign-in"):
        page = client.get(path)
        assert page.status_code == 200
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text), path
    assert "/api/health" in client.get("/api/docs").text


# --- signing in and out ---------------------------------------------------------------------


def test_sign_in_sets_a_secure_session_and_me_answers(client: TestClient) -> None:
    response = sign_in(client, "Viewer.UA")
    assert response.status_code == 200
    body = response.json()
    assert body["signed_in"] is True and body["user"]["party"] == "ua"
    cookies = {c.split("=", 1)[0]: c for c in response.headers.get_list("set-cookie")}
    session = cookies[SESSION_COOKIE].lower()
    assert "httponly" in session and "samesite=lax" in session and "path=/" in session
    assert "; secure" not in session  # development over plain http
    assert body["csrf_token"] == client.cookies.get(CSRF_COOKIE)  # a fresh token
    me = client.get("/api/me").json()
    assert me == {
        "user_id": body["user"]["user_id"],
        "username": "viewer.ua",
        "party": "ua",
        "roles": ["viewer"],
        "permissions": ["read"],
    }


def test_a_wrong_password_and_an_unknown_user_get_the_same_401(client: TestClient) -> None:
    wrong = error_of(sign_in(client, "viewer.ua", "not the password"), 401, "unauthenticated")
    unknown = error_of(sign_in(client, "nobody.at.all"), 401, "unauthenticated")
    assert wrong["message"] == unknown["message"]
    assert SESSION_COOKIE not in client.cookies


def test_sign_out_ends_the_session(client: TestClient) -> None:
    sign_in(client, "viewer.ua")
    token = str(client.cookies.get(CSRF_COOKIE))
    assert client.delete("/api/session", headers={"X-CSRF-Token": token}).status_code == 204
    error_of(client.get("/api/me"), 401, "unauthenticated")


def test_a_password_change_or_a_disabled_account_ends_open_sessions(
    client: TestClient, application: Application
) -> None:
    sign_in(client, "viewer.ua")
    assert client.get("/api/me").status_code == 200
    service.change_password(
        SqlSecurityUnitOfWork(application.engine),
        FAST,
        username="viewer.ua",
        password="a brand new passphrase",
        actor="test",
        now=datetime.now(UTC),
    )
    error = error_of(client.get("/api/me"), 401, "unauthenticated")
    assert "session has ended" in error["message"]
    assert sign_in(client, "viewer.ua", "a brand new passphrase").status_code == 200
    service.set_disabled(
        SqlSecurityUnitOfWork(application.engine),
        username="viewer.ua",
        disabled=True,
        actor="test",
        now=datetime.now(UTC),
    )
    error_of(client.get("/api/me"), 401, "unauthenticated")


def test_a_forged_session_cookie_is_no_session(client: TestClient) -> None:
    client.cookies.set(SESSION_COOKIE, "eyJ1aWQiOjJ9.aaaa.bbbb")
    error_of(client.get("/api/me"), 401, "unauthenticated")


# --- CSRF -----------------------------------------------------------------------------------


def test_a_change_without_the_csrf_token_is_refused(client: TestClient) -> None:
    body = {"username": "viewer.ua", "password": PASSWORD}
    error = error_of(client.post("/api/session", json=body), 403, "csrf_refused")
    assert "X-CSRF-Token" in error["message"]
    csrf(client)
    error_of(
        client.post("/api/session", json=body, headers={"X-CSRF-Token": "x" * 43}),
        403,
        "csrf_refused",
    )


def test_with_a_session_the_token_must_be_the_sessions_own(client: TestClient) -> None:
    sign_in(client, "viewer.ua")
    planted = "p" * 43  # a token an attacker could have planted in the cookie
    client.cookies.set(CSRF_COOKIE, planted)
    error_of(client.delete("/api/session", headers={"X-CSRF-Token": planted}), 403, "csrf_refused")


def test_the_sign_in_form_works_with_its_hidden_token_and_never_redirects_off_site(
    client: TestClient,
) -> None:
    page = client.get("/sign-in?next=/reports")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None and 'value="/reports"' in page.text
    form = {"username": "viewer.ua", "password": PASSWORD, "next": "//evil.example/x"}
    refused = client.post("/sign-in", data=form, follow_redirects=False)
    assert refused.status_code == 403
    form["csrf_token"] = token.group(1)
    response = client.post("/sign-in", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert client.get("/api/me").status_code == 200


def test_a_failed_form_sign_in_is_a_page_not_json(client: TestClient) -> None:
    token = csrf(client)
    response = client.post(
        "/sign-in",
        data={"username": "viewer.ua", "password": "wrong password!", "csrf_token": token},
        headers={"accept": "text/html"},
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert 'href="/sign-in"' in response.text


# --- production settings, headers -----------------------------------------------------------


def test_in_production_cookies_are_secure_and_a_short_secret_is_refused(
    database_url: str, tmp_path: Path, application: Application
) -> None:
    production = make_application(database_url, tmp_path, environment="production")
    client = TestClient(create_app(production), base_url="https://testserver")
    response = sign_in(client, "admin")
    assert response.status_code == 200
    for cookie in response.headers.get_list("set-cookie"):
        assert "; secure" in cookie.lower()
    short = make_application(database_url, tmp_path, environment="production", secret_key="x")
    with pytest.raises(ConfigurationError, match="at least 32"):
        create_app(short)


def test_without_a_secret_key_development_makes_one_and_says_so(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    create_app(make_application(database_url, tmp_path, secret_key=None))
    assert "GUARANTOR_SECRET_KEY is not set" in caplog.text


def test_responses_carry_a_request_id_and_protective_headers(client: TestClient) -> None:
    response = client.get("/api/health")
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


# --- guarantor serve --get ------------------------------------------------------------------


def test_serve_get_answers_one_request_in_process(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GUARANTOR_DATABASE_URL", database_url)
    monkeypatch.setenv("GUARANTOR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GUARANTOR_SECRET_KEY", raising=False)
    monkeypatch.delenv("GUARANTOR_ENVIRONMENT", raising=False)
    assert main(["serve", "--get", "/api/health"]) == 0
    assert '"status":"ok"' in capsys.readouterr().out
    assert main(["serve", "--get", "/api/me"]) == 1
    assert '"code":"unauthenticated"' in capsys.readouterr().out
