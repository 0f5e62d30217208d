"""The ``guarantor`` command. Thin: parse input, call bootstrap and services, format output.

Errors become exit codes and teaching messages in exactly one place: :func:`main`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from guarantor.errors import GuarantorError

__all__ = ["app", "main"]

app = typer.Typer(
    help="Guarantor: a security-guarantee agreement as running software.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML settings file (see docs/settings.md)")
]


def _register() -> None:
    from guarantor.cli import (
        agreement_cmds,
        audit_cmd,
        db_cmds,
        decision_cmds,
        incident_cmds,
        ingest_cmd,
        serve_cmd,
        users_cmd,
    )

    if app.registered_groups:
        return
    app.add_typer(agreement_cmds.app, name="agreement")
    app.add_typer(db_cmds.app, name="db")
    app.command("ingest")(ingest_cmd.ingest_command)
    app.command("serve")(serve_cmd.serve_command)
    app.add_typer(users_cmd.app, name="users")
    app.add_typer(audit_cmd.app, name="audit")
    app.command("fuse")(incident_cmds.fuse_command)
    app.add_typer(incident_cmds.evaluate_app, name="evaluate")
    app.command("explain")(incident_cmds.explain_command)
    app.add_typer(incident_cmds.replay_app, name="replay")
    app.add_typer(decision_cmds.app, name="incident")


def report_error(exc: GuarantorError) -> None:
    err.print(f"[bold red]error[/]: {exc.message}", markup=True)
    for problem in exc.problems:
        err.print(problem.render(), markup=False)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a :class:`GuarantorError` becomes its message and exit code 1."""
    _register()
    try:
        code = app(args=argv, standalone_mode=False)
    except GuarantorError as exc:
        report_error(exc)
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        err.print("aborted")
        return 130
    except Exception as exc:  # click usage errors carry their own exit code
        code = getattr(exc, "exit_code", None)
        if code is None:
            raise
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        return int(code)
    return code if isinstance(code, int) else 0


def entry() -> None:
    sys.exit(main())
