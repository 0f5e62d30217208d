"""Sessions in signed cookies, and protection against cross-site request forgery.

**Session.** After sign-in the ``guarantor_session`` cookie holds the user id, the session's
CSRF token and a fingerprint of the password hash, signed with the secret key (itsdangerous;
signed, not encrypted: it holds no secret). It is ``HttpOnly``, ``SameSite=Lax``, ``Path=/``,
``Secure`` in production, and is refused once older than ``session_max_age_s``. Changing the
password, or disabling the user, ends every session of that user.

**CSRF** (double submit, bound to the session). :class:`CsrfCookieMiddleware` gives every
browser a random token in the ``guarantor_csrf`` cookie (readable by the page's script, not
``HttpOnly``). Every state-changing request (POST, PUT, PATCH, DELETE) must send the same
token in the ``X-CSRF-Token`` header or the ``csrf_token`` form field; with a session, it
must also be the token the session was signed with (sign-in issues a fresh one). The check
is an application-wide dependency (:func:`csrf_protect`), so a new route cannot forget it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guarantor.services.access_errors import CsrfRefused

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "CsrfCookieMiddleware",
    "Session",
    "SessionCodec",
    "csrf_protect",
    "new_csrf_token",
    "read_session",
]

SESSION_COOKIE = "guarantor_session"
CSRF_COOKIE = "guarantor_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Session:
    user_id: int
    csrf: str
    fingerprint: str


class SessionCodec:
    """Signs and checks session cookies; sets and clears the cookies on responses."""

    def __init__(self, secret: str, *, max_age_s: int, secure: bool) -> None:
        self._secret = secret.encode("utf-8")
        self._serializer = URLSafeTimedSerializer(secret, salt="guarantor.session")
        self.max_age_s = max_age_s
        self.secure = secure

    def fingerprint(self, password_hash: str) -> str:
        """A short keyed digest of the password hash: it changes when the password does."""
        digest = hmac.new(self._secret, password_hash.encode("utf-8"), hashlib.sha256)
        return digest.hexdigest()[:24]

    def dumps(self, session: Session) -> str:
        return self._serializer.dumps(
            {"uid": session.user_id, "csrf": session.csrf, "fp": session.fingerprint}
        )

    def loads(self, value: str | None) -> Session | None:
        if not value:
            return None
        try:
            data: Any = self._serializer.loads(value, max_age=self.max_age_s)
        except BadSignature:  # also SignatureExpired
            return None
        try:
            return Session(int(data["uid"]), str(data["csrf"]), str(data["fp"]))
        except (KeyError, TypeError, ValueError):
            return None

    def start(self, response: Response, session: Session) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self.dumps(session),
            max_age=self.max_age_s,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )
        self.set_csrf(response, session.csrf)

    def end(self, response: Response) -> None:
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=self.secure, httponly=True, samesite="lax"
        )
        self.set_csrf(response, new_csrf_token())

    def set_csrf(self, response: Response, token: str) -> None:
        response.set_cookie(
            CSRF_COOKIE, token, path="/", secure=self.secure, httponly=False, samesite="lax"
        )


def _codec(request: Request) -> SessionCodec:
    codec: SessionCodec = request.app.state.sessions
    return codec


def read_session(request: Request) -> Session | None:
    """The valid session of the request, or None (no cookie, bad signature, expired)."""
    return _codec(request).loads(request.cookies.get(SESSION_COOKIE))


class CsrfCookieMiddleware:
    """Puts the browser's CSRF token in ``request.state.csrf_token`` and, when the browser
    has none yet, sets the cookie on the response."""

    def __init__(self, app: ASGIApp, *, secure: bool) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = cookie_parser(_header(scope, b"cookie"))
        token = cookies.get(CSRF_COOKIE, "")
        issue = not _TOKEN.match(token)
        if issue:
            token = new_csrf_token()
        scope.setdefault("state", {})["csrf_token"] = token

        async def send_with_cookie(message: Message) -> None:
            if issue and message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                already = any(
                    value.startswith(f"{CSRF_COOKIE}=") for value in headers.getlist("set-cookie")
                )
                if not already:
                    cookie = Response()
                    cookie.set_cookie(
                        CSRF_COOKIE, token, path="/", secure=self.secure, samesite="lax"
                    )
                    headers.append("set-cookie", cookie.headers["set-cookie"])
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


async def _sent_token(request: Request) -> str:
    token = request.headers.get(CSRF_HEADER)
    if token:
        return token
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def csrf_protect(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token is missing or wrong."""
    if request.method not in UNSAFE_METHODS:
        return
    sent = await _sent_token(request)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    how = (
        f"send the value of the '{CSRF_COOKIE}' cookie in the {CSRF_HEADER} header (or the "
        f"'{CSRF_FIELD}' form field); GET /api/session returns it too"
    )
    if not sent or not cookie:
        raise CsrfRefused(
            f"{request.method} {request.url.path} changes state and needs a CSRF token, but "
            f"the request has {'no token' if not sent else 'no CSRF cookie'}; fix: {how}"
        )
    session = read_session(request)
    expected = session.csrf if session is not None else cookie
    well_formed = all(_TOKEN.match(value) for value in (sent, cookie, expected))
    if not (
        well_formed and hmac.compare_digest(sent, cookie) and hmac.compare_digest(sent, expected)
    ):
        raise CsrfRefused(
            f"the CSRF token of {request.method} {request.url.path} does not match this "
            f"browser's session; fix: reload the page (or sign in again) and {how}"
        )
