"""The one place where exceptions become HTTP responses, all in one envelope::

    {"error": {"code": "not_found", "message": "...", "problems": [
        {"location": "body.reports[3].observed_at", "found": "...", "expected": "...",
         "fix": "..."}], "request_id": "3f2c..."}}

* a :class:`~guarantor.errors.GuarantorError` gets its ``http_status`` and ``code``, and its
  ``problems``;
* a request that does not validate gets 422 ``request_invalid``, one problem per error, each
  ``location`` pointing into the request (``body.reports[3].observed_at``, ``query.limit``);
* an HTTP error of the router (no such route, wrong method) gets its status;
* anything else is a 500 ``internal_error`` whose message gives only the request id; the
  traceback goes to the server log under that id, never to the client.

Every response carries ``X-Request-ID``. Browsers asking for HTML (not ``/api``) get the same
content as a page of the desk (its header, navigation and skip link; ``templates/error.html``),
and a GET page that needs a session is sent to ``/sign-in?next=<path and query>``.
"""

from __future__ import annotations

import html
import json
import logging
import uuid
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guarantor.errors import GuarantorError, Location, Problem
from guarantor.services.security import Principal
from guarantor.web.auth import optional_principal
from guarantor.web.templating import render

__all__ = [
    "REQUEST_ID_HEADER",
    "RequestIdMiddleware",
    "envelope",
    "install_error_handlers",
    "request_location",
]

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_PARTS = ("body", "query", "path", "header", "cookie")
_SECRET_FIELDS = ("password", "csrf_token", "secret")
_FOUND_LIMIT = 120
_STATUS_CODES = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}
log = logging.getLogger("guarantor.web")


class RequestIdMiddleware:
    """Gives every HTTP request an id (``request.state.request_id``) and echoes it in the
    ``X-Request-ID`` response header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


def _request_id(request: Request) -> str:
    found = getattr(request.state, "request_id", None)
    if isinstance(found, str):
        return found
    request.state.request_id = uuid.uuid4().hex
    return str(request.state.request_id)


def request_location(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """``("body", "reports", 3, "observed_at")`` -> ``body.reports[3].observed_at``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "request"


def _where(location: Location) -> str:
    if location.field and location.line is None:
        return f"{location.file}.{location.field}"
    text = str(location)
    return f"{text} [{location.field}]" if location.field else text


def _problem(problem: Problem) -> dict[str, str]:
    return {
        "location": _where(problem.location),
        "found": problem.found,
        "expected": problem.expected,
        "fix": problem.fix,
    }


def envelope(
    code: str, message: str, request_id: str, problems: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "problems": problems or [],
            "request_id": request_id,
        }
    }


def _wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api") or request.url.path == "/openapi.json":
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept


def _respond(
    request: Request,
    status: int,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> Response:
    headers = {**(headers or {}), REQUEST_ID_HEADER: body["error"]["request_id"]}
    if not _wants_html(request):
        return JSONResponse(body, status_code=status, headers=headers)
    if status == 401 and request.method == "GET":
        return RedirectResponse(_sign_in_url(request), status_code=303, headers=headers)
    if status < 500:
        try:
            page = render(
                request,
                "error.html",
                _page_principal(request, status),
                status,
                title=f"{status} {body['error']['code']}",
                status=status,
                error=body["error"],
            )
        except Exception as exc:  # an error page must never fail: the plain one then
            request_id = headers[REQUEST_ID_HEADER]
            log.error("the error page of request %s failed", request_id, exc_info=exc)
        else:
            page.headers.update(headers)
            return page
    return HTMLResponse(_page(status, body["error"]), status_code=status, headers=headers)


def _sign_in_url(request: Request) -> str:
    """``/sign-in`` with the asked page (path and query) as ``next``; the sign-in routes
    follow ``next`` only to a path of this site."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/sign-in?next={quote(target, safe='/')}"


def _page_principal(request: Request, status: int) -> Principal | None:
    """Who the page's header names: the signed-in user, except on 401."""
    return None if status == 401 else optional_principal(request)


def _page(status: int, error: dict[str, Any]) -> str:
    e = html.escape
    items = "".join(
        f"<li><code>{e(p['location'])}</code>: found {e(p['found'])}; expected "
        f"{e(p['expected'])}; fix: {e(p['fix'])}</li>"
        for p in error["problems"]
    )
    sign_in = '<p><a href="/sign-in">Sign in</a></p>' if status == 401 else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{status} {e(error['code'])} · Guarantor</title></head><body>"
        f"<h1>{status} {e(error['code'])}</h1><p>{e(error['message'])}</p>"
        f"<ul>{items}</ul>{sign_in}<p><small>request {e(error['request_id'])}</small></p>"
        "</body></html>"
    )


async def _guarantor_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GuarantorError)
    problems = [_problem(p) for p in exc.problems]
    body = envelope(exc.code, exc.message, _request_id(request), problems)
    headers = {"WWW-Authenticate": "Cookie"} if exc.http_status == 401 else None
    return _respond(request, exc.http_status, body, headers)


def _found(loc: tuple[int | str, ...], error: dict[str, Any]) -> str:
    if error.get("type") == "missing":
        return "nothing"
    if any(isinstance(p, str) and any(s in p.lower() for s in _SECRET_FIELDS) for p in loc):
        return "(hidden)"
    try:
        text = json.dumps(error.get("input"), ensure_ascii=False, default=str)
    except ValueError:
        text = repr(error.get("input"))
    return text if len(text) <= _FOUND_LIMIT else text[: _FOUND_LIMIT - 3] + "..."


def _fix(location: str, loc: tuple[int | str, ...], error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    name = loc[-1] if loc else location
    if kind == "missing":
        return f"add '{name}' to {request_location(loc[:-1])}"
    if kind == "extra_forbidden":
        return f"remove '{name}': it is not a field here"
    if kind == "json_invalid":
        return "send valid JSON (check the quotes, commas and brackets near that position)"
    return f"change the value at {location} to what is expected"


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        location = request_location(loc)
        message = str(error.get("msg", "invalid value"))
        problems.append(
            {
                "location": location,
                "found": _found(loc, error),
                "expected": message[:1].lower() + message[1:],
                "fix": _fix(location, loc, error),
            }
        )
    count = len(problems)
    text = f"the request is invalid: {count} problem{'s' if count != 1 else ''}, listed below"
    body = envelope("request_invalid", text, _request_id(request), problems)
    return _respond(request, 422, body)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = _STATUS_CODES.get(status, "http_error")
    if status == 404:
        message = (
            f"nothing at {request.method} {request.url.path}; fix: check the address "
            "(every API route is listed in /openapi.json and on /api/docs)"
        )
    elif status == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        message = f"{request.method} is not allowed on {request.url.path}; allowed: {allowed}"
    else:
        message = str(exc.detail)
    body = envelope(code, message, _request_id(request))
    return _respond(request, status, body, dict(exc.headers or {}))


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    request_id = _request_id(request)
    log.error("request %s %s %s failed", request_id, request.method, request.url.path, exc_info=exc)
    message = (
        f"an unexpected error stopped this request; it is logged on the server under request "
        f"id {request_id}; fix: retry, and if it happens again give that id to an administrator"
    )
    return _respond(request, 500, envelope("internal_error", message, request_id))


def install_error_handlers(app: FastAPI) -> None:
    """Install every handler and the request-id middleware on ``app``."""
    app.add_exception_handler(GuarantorError, _guarantor_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    app.add_middleware(RequestIdMiddleware)
