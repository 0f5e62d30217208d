"""``guarantor serve``: the main job. Brings the database to the newest schema, loads the
shipped agreements and real records on the first run (an empty database), makes the first
user in development, and starts the web application on uvicorn; or answers one request
in-process with ``--get``.

The server runs the same wired application as every other command (``build_application``).
The ASGI app comes from its factory, :data:`APP_FACTORY`, named by import string as uvicorn
names apps (the CLI and web layers stay independent of each other).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from guarantor.bootstrap.app import Application, build_application
from guarantor.services import first_run, first_user
from guarantor.services.users import Passwords

__all__ = ["APP_FACTORY", "Load", "serve_command"]

APP_FACTORY = "guarantor.web.app:create_app"
log = logging.getLogger("guarantor.serve")
out = Console(highlight=False, soft_wrap=True)


class Load(StrEnum):
    AUTO = "auto"  # load the shipped data when the database is empty
    ALWAYS = "always"  # run the (idempotent) loader even on a database with data
    NEVER = "never"  # serve the database as it is


def _asgi_app(application: Application) -> Any:
    from uvicorn.importer import import_from_string

    return import_from_string(APP_FACTORY)(application)


def _get(asgi: Any, path: str) -> int:
    from fastapi.testclient import TestClient

    with TestClient(asgi, raise_server_exceptions=False) as client:
        response = client.get(path)
    typer.echo(response.text)
    return 0 if response.status_code < 400 else 1


class _Bar:
    """The first run's progress as one rich bar over its steps, with records per step."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task: TaskID | None = None
        self.records = 0

    def started(self, step: first_run.Step) -> None:
        if self.task is None:
            self.task = self.bar.add_task(step.title, total=step.of, detail="")
        self.records = 0
        self.bar.update(self.task, description=step.title, detail="")

    def advanced(self, records: int) -> None:
        self.records += records
        if self.task is not None:
            self.bar.update(self.task, detail=f"{self.records:,} records")

    def finished(self, step: first_run.Step, summary: str) -> None:
        self.bar.console.print(
            f"  {step.number}/{step.of} {step.title}: {summary}", markup=False, soft_wrap=True
        )
        if self.task is not None:
            self.bar.advance(self.task)


def load_first_run(application: Application, load: Load) -> first_run.FirstRun | None:
    """Run the first-run loader when ``load`` says so; None when nothing was loaded."""
    if load is Load.NEVER:
        return None
    if load is Load.AUTO and not first_run.is_empty(
        application.unit_of_work, application.report_source()
    ):
        return None
    out.print(
        "First run: loading the shipped agreements and real records (UCDP GED 2014-2022, "
        "VIINA 2022-2025), then fusing and judging them ...",
        markup=False,
    )
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            loaded = first_run.load_shipped(
                application, application.agreements_dir, progress=_Bar(bar)
            )
    except KeyboardInterrupt:
        out.print(
            "First run interrupted. Start again with `guarantor serve --load always` to "
            "finish it (every step is idempotent).",
            markup=False,
        )
        raise typer.Exit(130) from None
    reports = sum(b.accepted for b in loaded.batches)
    out.print(
        f"Loaded {len(loaded.agreements)} agreement version(s), {reports:,} reports, "
        f"{loaded.fusion.incidents:,} incidents and "
        f"{sum(loaded.violations.values()):,} violation(s) in {loaded.seconds:.0f} s.",
        markup=False,
    )
    return loaded


def ensure_first_user(application: Application) -> first_user.FirstUser:
    """The first user in development (see :mod:`guarantor.services.first_user`)."""
    from guarantor.cli.users_cmd import cli_actor
    from guarantor.storage.security_store import SqlSecurityUnitOfWork

    return first_user.ensure_first_user(
        SqlSecurityUnitOfWork(application.engine),
        Passwords(),
        may_invent=application.settings.environment == "development",
        actor=f"{cli_actor()} (first run)",
        now=datetime.now(UTC),
    )


def greet(url: str, made: first_user.FirstUser) -> None:
    """Where the desk is and how to sign in; a made password is printed here, once."""
    out.print(f"\nThe desk: {url}  (JSON API: {url}api/docs)", markup=False)
    if made.outcome is first_user.Outcome.CREATED:
        out.print(
            f"Sign in as {made.username} with the password {made.password}\n"
            "  (made for this development database and shown only now; change it with "
            f"`guarantor users passwd {made.username}`, add users with `guarantor users add`)",
            markup=False,
        )
    elif made.outcome is first_user.Outcome.REFUSED:
        out.print(
            "No user can sign in yet, and production never invents a password. Add one:\n"
            f"  {first_user.ADD_USER_HINT}",
            markup=False,
        )
    else:
        out.print("Sign in with your user (`guarantor users list` lists them).", markup=False)


def serve_command(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
    load: Annotated[
        Load,
        typer.Option(
            "--load",
            help="load the shipped agreements and records: auto (on an empty database), "
            "always (idempotent), never",
        ),
    ] = Load.AUTO,
    get: Annotated[
        str | None,
        typer.Option(
            "--get", metavar="PATH", help="answer one GET request in-process, print it, exit"
        ),
    ] = None,
) -> None:
    """Start the desk: the web application and its JSON API (OpenAPI at /openapi.json); on
    an empty database, load the shipped agreements and real records first."""
    application = build_application()
    settings = application.settings
    logging.basicConfig(level=settings.log_level, format="%(levelname)s:     %(name)s: %(message)s")
    application.migrate()
    logging.getLogger("alembic").setLevel(logging.WARNING)  # health checks read the revision
    if get is not None:
        raise typer.Exit(_get(_asgi_app(application), get))
    load_first_run(application, load)
    made = ensure_first_user(application)
    asgi = _asgi_app(application)
    import uvicorn

    log.info(
        "Guarantor (%s) with the database %s",
        settings.environment,
        application.engine.url.render_as_string(hide_password=True),
    )
    shown = f"[{host}]" if ":" in host else host
    greet(f"http://{shown}:{port}/", made)
    uvicorn.run(
        asgi, host=host, port=port, log_level=settings.log_level.lower(), server_header=False
    )
