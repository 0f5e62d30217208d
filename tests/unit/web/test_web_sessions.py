"""Session cookies: signed, refused when tampered with, expired, or signed with another key."""

from __future__ import annotations

import base64
import json
import time

import pytest
from fastapi.responses import Response

from guarantor.web.sessions import CSRF_COOKIE, SESSION_COOKIE, Session, SessionCodec

SECRET = "s" * 48


def codec(secret: str = SECRET, *, max_age_s: int = 3600, secure: bool = False) -> SessionCodec:
    return SessionCodec(secret, max_age_s=max_age_s, secure=secure)


def test_a_session_reads_back_as_it_was_signed() -> None:
    session = Session(7, "t" * 43, codec().fingerprint("$argon2id$hash"))
    assert codec().loads(codec().dumps(session)) == session


@pytest.mark.parametrize("value", [None, "", "garbage", "eyJ1aWQiOjF9.xxxx.yyyy"])
def test_a_missing_or_malformed_cookie_is_no_session(value: str | None) -> None:
    assert codec().loads(value) is None


def test_a_tampered_cookie_is_no_session() -> None:
    value = codec().dumps(Session(1, "t" * 43, "f"))
    _, stamp, signature = value.rsplit(".", 2)
    admin = {"uid": 2, "csrf": "t" * 43, "fp": "f"}
    payload = base64.urlsafe_b64encode(json.dumps(admin).encode()).decode().rstrip("=")
    assert codec().loads(f"{payload}.{stamp}.{signature}") is None


def test_a_cookie_signed_with_another_key_is_no_session() -> None:
    value = codec("another key entirely, also long enough").dumps(Session(1, "t" * 43, "f"))
    assert codec().loads(value) is None


def test_a_session_older_than_its_max_age_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    signed_at = time.time() - 120
    monkeypatch.setattr(time, "time", lambda: signed_at)
    value = codec(max_age_s=60).dumps(Session(1, "t" * 43, "f"))
    monkeypatch.undo()
    assert codec(max_age_s=60).loads(value) is None
    assert codec(max_age_s=600).loads(value) is not None


def test_the_fingerprint_changes_with_the_password_hash_and_the_key() -> None:
    assert codec().fingerprint("a") != codec().fingerprint("b")
    assert codec().fingerprint("a") != codec("k" * 48).fingerprint("a")


@pytest.mark.parametrize("secure", [False, True])
def test_the_session_cookie_is_http_only_lax_and_secure_in_production(secure: bool) -> None:
    response = Response()
    codec(secure=secure).start(response, Session(1, "t" * 43, "f"))
    cookies = {c.split("=", 1)[0]: c.lower() for c in response.headers.getlist("set-cookie")}
    session, csrf = cookies[SESSION_COOKIE], cookies[CSRF_COOKIE]
    assert "httponly" in session and "samesite=lax" in session and "path=/" in session
    assert ("secure" in session.replace("samesite", "")) is secure
    assert "httponly" not in csrf and "samesite=lax" in csrf
