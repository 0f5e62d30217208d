"""Signing in and out, and who is asking.

JSON, for scripts and the pages' script:

* ``GET /api/session``: whether a session is open, and the CSRF token to send with changes;
* ``POST /api/session`` ``{"username", "password"}``: sign in (sets the session cookie and a
  fresh CSRF token); a wrong username and a wrong password get the same 401;
* ``DELETE /api/session``: sign out.

Forms, for pages: ``GET /sign-in`` shows the form, ``POST /sign-in`` signs in and redirects
to ``next`` (a path on this site), ``POST /sign-out`` signs out.

Routes that need a user depend on :func:`current_principal` (401 without a valid session) or
on ``requires(Permission.X)`` (also 403 without the permission).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from guarantor.services.access_errors import Unauthenticated
from guarantor.services.security import Permission, Principal, require
from guarantor.services.user_ports import UserRecord
from guarantor.services.users import MAX_PASSWORD_LENGTH, check_credentials, principal_of
from guarantor.web.deps import passwords_of, security_uow
from guarantor.web.sessions import (
    Session,
    SessionCodec,
    new_csrf_token,
    read_session,
)
from guarantor.web.templating import render

__all__ = ["Me", "SessionState", "SignIn", "current_principal", "requires", "router"]

router = APIRouter(tags=["session"])
_PRINCIPAL = "principal"


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, examples=["o.petrenko"])
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class Me(BaseModel):
    user_id: int
    username: str
    party: str | None = Field(description="party id; null for the verification cell")
    roles: list[str]
    permissions: list[str]

    @classmethod
    def of(cls, principal: Principal) -> Me:
        return cls(
            user_id=principal.user_id,
            username=principal.username,
            party=principal.party,
            roles=sorted(principal.roles),
            permissions=sorted(p.value for p in principal.permissions),
        )


class SessionState(BaseModel):
    signed_in: bool
    csrf_token: str = Field(description="send it in the X-CSRF-Token header of every change")
    user: Me | None = None


def _codec(request: Request) -> SessionCodec:
    codec: SessionCodec = request.app.state.sessions
    return codec


def _principal_of_session(request: Request) -> Principal | None:
    if hasattr(request.state, _PRINCIPAL):
        cached: Principal | None = getattr(request.state, _PRINCIPAL)
        return cached
    session = read_session(request)
    principal = None
    if session is not None:
        with security_uow(request, read_only=True) as uow:
            record = uow.users.get(session.user_id)
        fingerprint = _codec(request).fingerprint(record.password_hash) if record else ""
        if record is not None and not record.disabled and fingerprint == session.fingerprint:
            principal = principal_of(record)
    setattr(request.state, _PRINCIPAL, principal)
    return principal


def optional_principal(request: Request) -> Principal | None:
    """The signed-in user, or None."""
    return _principal_of_session(request)


def current_principal(request: Request) -> Principal:
    """The signed-in user; 401 ``unauthenticated`` without a valid session."""
    principal = _principal_of_session(request)
    if principal is None:
        ended = read_session(request) is not None
        raise Unauthenticated(
            (
                "your session has ended (password changed or account disabled)"
                if ended
                else "this needs a signed-in user and the request has no valid session"
            )
            + "; fix: sign in with POST /api/session (JSON username and password) or on "
            "/sign-in, and send the session cookie back"
        )
    return principal


def requires(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency: the signed-in user, if their roles grant ``permission`` (else 403)."""

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        require(principal, permission)
        return principal

    return dependency


def _start_session(request: Request, response: Response, record: UserRecord) -> Session:
    codec = _codec(request)
    session = Session(record.id, new_csrf_token(), codec.fingerprint(record.password_hash))
    codec.start(response, session)
    return session


def _check(request: Request, username: str, password: str) -> UserRecord:
    return check_credentials(
        security_uow(request, read_only=True), passwords_of(request), username, password
    )


@router.get("/api/session", summary="Session state and CSRF token")
def session_state(
    request: Request, principal: Annotated[Principal | None, Depends(optional_principal)]
) -> SessionState:
    session = read_session(request) if principal is not None else None
    token = session.csrf if session is not None else request.state.csrf_token
    user = Me.of(principal) if principal is not None else None
    return SessionState(signed_in=principal is not None, csrf_token=token, user=user)


@router.post("/api/session", summary="Sign in")
def sign_in(body: SignIn, request: Request, response: Response) -> SessionState:
    record = _check(request, body.username, body.password)
    session = _start_session(request, response, record)
    return SessionState(signed_in=True, csrf_token=session.csrf, user=Me.of(principal_of(record)))


@router.delete("/api/session", status_code=204, summary="Sign out")
def sign_out(request: Request, response: Response) -> None:
    _codec(request).end(response)


def _local(target: str) -> str:
    """``target`` if it is a path on this site, else ``/`` (no open redirect)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/sign-in", response_class=HTMLResponse, include_in_schema=False)
def sign_in_page(
    request: Request,
    principal: Annotated[Principal | None, Depends(optional_principal)],
    next: str = "/",
) -> HTMLResponse:
    return render(request, "sign_in.html", principal, title="Sign in", next=_local(next))


@router.post("/sign-in", include_in_schema=False)
def sign_in_form(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=MAX_PASSWORD_LENGTH)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        record = _check(request, username, password)
    except Unauthenticated as refused:  # the form again, with what went wrong
        return render(
            request, "sign_in.html", None, 401, title="Sign in", next=_local(next), failed=refused
        )
    response = RedirectResponse(_local(next), status_code=303)
    _start_session(request, response, record)
    return response


@router.post("/sign-out", include_in_schema=False)
def sign_out_form(request: Request) -> RedirectResponse:
    response = RedirectResponse("/sign-in", status_code=303)
    _codec(request).end(response)
    return response
