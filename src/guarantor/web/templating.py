"""Jinja2 templates of the desk's pages (``web/templates``), autoescaped, and what every
page gets: the signed-in principal, the CSRF token for its forms, the navigation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from guarantor import __version__
from guarantor.services.security import Principal
from guarantor.web.sessions import read_session

__all__ = ["NAV", "STATIC_DIR", "csrf_token_of", "render", "templates"]

_HERE = Path(__file__).resolve().parent
STATIC_DIR = _HERE / "static"
NAV: tuple[tuple[str, str], ...] = (
    ("/", "Dashboard"),
    ("/incidents", "Incident review"),
    ("/obligations", "Obligations"),
    ("/agreements", "Agreements"),
)

templates = Jinja2Templates(directory=str(_HERE / "templates"))
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:,}"


templates.env.filters["when"] = _when
templates.env.filters["number"] = _number


def csrf_token_of(request: Request, principal: Principal | None) -> str:
    """The token a form on this page must send: the session's once signed in, else the
    browser's CSRF cookie (set by the middleware)."""
    session = read_session(request) if principal is not None else None
    if session is not None:
        return session.csrf
    token: str = request.state.csrf_token
    return token


def render(
    request: Request,
    name: str,
    principal: Principal | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    current = "/" + request.url.path.strip("/").split("/")[0]
    return templates.TemplateResponse(
        request,
        name,
        {
            "principal": principal,
            "csrf_token": csrf_token_of(request, principal),
            "nav": NAV,
            "current": current,
            "version": __version__,
            **context,
        },
        status_code=status_code,
    )
