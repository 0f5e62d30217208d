"""``guarantor serve``: the web application on uvicorn, or one request in-process with ``--get``.

The server runs the same wired application as every other command (``build_application``),
after bringing the database to the newest schema. The ASGI app comes from its factory,
:data:`APP_FACTORY`, named by import string as uvicorn names apps (the CLI and web layers
stay independent of each other).
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import typer

from guarantor.bootstrap.app import Application, build_application

__all__ = ["APP_FACTORY", "serve_command"]

APP_FACTORY = "guarantor.web.app:create_app"
log = logging.getLogger("guarantor.serve")


def _asgi_app(application: Application) -> Any:
    from uvicorn.importer import import_from_string

    application.migrate()
    logging.getLogger("alembic").setLevel(logging.WARNING)  # health checks read the revision
    return import_from_string(APP_FACTORY)(application)


def _get(asgi: Any, path: str) -> int:
    from fastapi.testclient import TestClient

    with TestClient(asgi, raise_server_exceptions=False) as client:
        response = client.get(path)
    typer.echo(response.text)
    return 0 if response.status_code < 400 else 1


def serve_command(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
    get: Annotated[
        str | None,
        typer.Option(
            "--get", metavar="PATH", help="answer one GET request in-process, print it, exit"
        ),
    ] = None,
) -> None:
    """Start the web application and its JSON API (OpenAPI at /openapi.json)."""
    application = build_application()
    settings = application.settings
    logging.basicConfig(level=settings.log_level, format="%(levelname)s:     %(name)s: %(message)s")
    asgi = _asgi_app(application)
    if get is not None:
        raise typer.Exit(_get(asgi, get))
    import uvicorn

    log.info(
        "Guarantor (%s) on http://%s:%d with the database %s",
        settings.environment,
        host,
        port,
        application.engine.url.render_as_string(hide_password=True),
    )
    uvicorn.run(
        asgi, host=host, port=port, log_level=settings.log_level.lower(), server_header=False
    )
