"""The web application: ``create_app(application)`` builds the FastAPI app on a wired
:class:`~guarantor.bootstrap.app.Application`.

* OpenAPI 3.1 at ``/openapi.json``; ``/api/docs`` lists the operations on a plain page. No
  Swagger UI or ReDoc: they load from a CDN, and monitoring cells often work air-gapped.
* Errors become HTTP in :mod:`guarantor.web.errors` only.
* Answers of 1 KB or more are gzip-compressed for clients that accept it; the map outline
  is built at startup and the desk's counts in the background (see ``_lifespan``); the
  dashboard's and incident list's answers are kept serialized and compressed per data
  version, visibility and query (:mod:`guarantor.web.answer_cache`).
* Sessions and CSRF: :mod:`guarantor.web.sessions`; every state-changing request is checked.
* Secret key: ``secret_key`` signs sessions. In development without one, a random key is made
  for this process (and the log says so): sessions end when the process does. Production
  refuses to start without one (see ``Settings``) or with one shorter than 32 characters.
"""

from __future__ import annotations

import html
import logging
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guarantor import __version__
from guarantor.bootstrap.app import Application
from guarantor.bootstrap.settings import Settings
from guarantor.errors import ConfigurationError
from guarantor.services.users import Passwords
from guarantor.storage.desk_cube import cube_cache
from guarantor.web import api_agreements, api_data, api_exports, api_meta, auth
from guarantor.web.answer_cache import AnswerCache
from guarantor.web.api_write import router as write_router
from guarantor.web.errors import install_error_handlers
from guarantor.web.map_svg import base_map
from guarantor.web.pages import router as pages_router
from guarantor.web.sessions import CsrfCookieMiddleware, SessionCodec, csrf_protect
from guarantor.web.templating import STATIC_DIR

__all__ = ["MIN_SECRET_LENGTH", "create_app"]

MIN_SECRET_LENGTH = 32
GZIP_MIN_BYTES = 1024  # smaller answers gain little from compression
WARM_WAIT_S = 60.0
log = logging.getLogger("guarantor.web")

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
}


class SecurityHeadersMiddleware:
    """Adds headers that keep pages from being framed, sniffed or leaking the referrer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def session_secret(settings: Settings) -> str:
    """The key that signs sessions (see the module docstring)."""
    if settings.secret_key is None:
        if settings.environment == "production":  # Settings refuses this already
            raise ConfigurationError("GUARANTOR_SECRET_KEY is required in production")
        log.warning(
            "GUARANTOR_SECRET_KEY is not set: sessions are signed with a random key made for "
            "this process, so they end when it stops; set GUARANTOR_SECRET_KEY to keep them "
            "(required in production)"
        )
        return secrets.token_urlsafe(48)
    secret = settings.secret_key.get_secret_value()
    if settings.environment == "production" and len(secret) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"GUARANTOR_SECRET_KEY has {len(secret)} characters; production needs at least "
            f"{MIN_SECRET_LENGTH}; fix: set it to the output of 'python -c \"import secrets; "
            "print(secrets.token_urlsafe(48))\"'"
        )
    return secret


def _warm_counts(application: Application) -> None:
    """Builds the desk's counts of the current data version (seconds on a million incidents)."""
    try:
        cube_cache(application.engine).cube()
    except Exception as failed:  # the first request builds them (and reports what fails)
        log.warning("the desk's counts were not built at startup: %s", failed)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """At startup, the dashboard's map outline is projected and simplified (once per
    process), and the desk's counts are built in the background, so the first dashboard
    requests do not pay for them (a request that comes before they are ready waits for
    them). Shutting down waits for that build (at most ``WARM_WAIT_S``)."""
    base_map()
    warming = threading.Thread(
        target=_warm_counts, args=(app.state.application,), name="warm-desk", daemon=True
    )
    warming.start()
    yield
    warming.join(WARM_WAIT_S)


def create_app(application: Application) -> FastAPI:
    """The FastAPI app of ``application`` (nothing connects to the database until a request)."""
    settings = application.settings
    secure = settings.environment == "production"
    app = FastAPI(
        title="Guarantor",
        version=__version__,
        summary="A security-guarantee agreement as running software.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        dependencies=[Depends(csrf_protect)],
        lifespan=_lifespan,
    )
    app.state.application = application
    app.state.sessions = SessionCodec(
        session_secret(settings), max_age_s=settings.session_max_age_s, secure=secure
    )
    app.state.passwords = Passwords()
    app.state.answers = AnswerCache()
    app.include_router(auth.router)
    app.include_router(api_meta.router)
    app.include_router(api_data.router)
    app.include_router(api_exports.router)
    app.include_router(api_agreements.router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(write_router)
    app.add_api_route(
        "/api/docs",
        _docs_page,
        methods=["GET"],
        include_in_schema=False,
        response_class=HTMLResponse,
    )
    app.add_middleware(CsrfCookieMiddleware, secure=secure)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES)
    install_error_handlers(app)  # last: its request-id middleware is the outermost
    return app


def _docs_page(request: Request) -> HTMLResponse:
    """Every operation of the API, from the OpenAPI document, on a page without scripts."""
    schema: dict[str, Any] = request.app.openapi()
    e = html.escape
    rows = []
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            rows.append(
                f"<tr><td><code>{e(method.upper())}</code></td><td><code>{e(path)}</code></td>"
                f"<td>{e(operation.get('summary', ''))}</td></tr>"
            )
    return HTMLResponse(
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>API · Guarantor</title></head><body><h1>Guarantor API {e(__version__)}</h1>"
        f"<p>OpenAPI {e(schema.get('openapi', ''))} document: "
        '<a href="/openapi.json">/openapi.json</a></p>'
        "<table><thead><tr><th>method</th><th>path</th><th>what it does</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></body></html>"
    )
