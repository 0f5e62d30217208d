"""``guarantor users ...``: add users to a party or the verification cell, list and change
them. Every change is written to the audit log."""

from __future__ import annotations

import getpass
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from guarantor.bootstrap.app import Application, build_application
from guarantor.errors import GuarantorError
from guarantor.services import users as service
from guarantor.services.security import ROLES
from guarantor.storage.security_store import SqlSecurityUnitOfWork

__all__ = ["app", "cli_actor"]

app = typer.Typer(help="Users, their parties and roles.", no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)

RoleOption = Annotated[
    list[str] | None,
    typer.Option("--role", help=f"a role, repeatable: {', '.join(ROLES)}"),
]
PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="read the password from the first line of stdin"),
]


def cli_actor() -> str:
    """Who is acting, for the audit log: the operating-system user at the command line."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    text: str = typer.prompt(
        f"Password (at least {service.MIN_PASSWORD_LENGTH} characters)",
        hide_input=True,
        confirmation_prompt=True,
    )
    return text


def _uow(application: Application, *, read_only: bool = False) -> SqlSecurityUnitOfWork:
    return SqlSecurityUnitOfWork(application.engine, read_only=read_only)


def _migrated() -> Application:
    application = build_application()
    application.migrate()
    return application


@app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="e.g. o.petrenko")],
    party: Annotated[
        str | None, typer.Option("--party", help="party id from the agreement, e.g. ua")
    ] = None,
    cell: Annotated[bool, typer.Option("--cell", help="member of the verification cell")] = False,
    role: RoleOption = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a user of a party (--party) or of the verification cell (--cell)."""
    if (party is None) == (not cell):
        raise GuarantorError(
            "give exactly one of --party P (a party's user, e.g. --party ua) or --cell (the "
            "neutral verification cell)"
        )
    roles = role or []
    service.check_new_user(username, party, roles)
    password = _password(password_stdin)
    application = _migrated()
    record = service.add_user(
        _uow(application),
        service.Passwords(),
        username=username,
        party=party,
        roles=roles,
        password=password,
        actor=cli_actor(),
        now=datetime.now(UTC),
    )
    where = f"party {record.party}" if record.party else "the verification cell"
    out.print(
        f"added user {record.username} ({where}; roles: {', '.join(sorted(record.roles))})",
        markup=False,
    )


@app.command("list")
def list_command() -> None:
    """List the users with their party, roles and state."""
    application = _migrated()
    records = service.list_users(_uow(application, read_only=True))
    table = Table("username", "party", "roles", "created (UTC)", "state")
    for record in records:
        table.add_row(
            record.username,
            record.party or "(cell)",
            ", ".join(sorted(record.roles)),
            record.created_at.strftime("%Y-%m-%d %H:%M"),
            "disabled" if record.disabled else "active",
        )
    out.print(table)
    out.print(f"{len(records)} user(s)", markup=False)


@app.command("passwd")
def passwd(
    username: Annotated[str, typer.Argument(help="the user whose password to set")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a user's password; the user's open sessions end."""
    password = _password(password_stdin)
    service.change_password(
        _uow(_migrated()),
        service.Passwords(),
        username=username,
        password=password,
        actor=cli_actor(),
        now=datetime.now(UTC),
    )
    out.print(f"password of {service.normalize_username(username)} changed", markup=False)


@app.command("roles")
def roles_command(
    username: Annotated[str, typer.Argument(help="the user whose roles to set")],
    role: RoleOption = None,
) -> None:
    """Replace a user's roles with the --role options given."""
    roles = role or []
    service.change_roles(
        _uow(_migrated()), username=username, roles=roles, actor=cli_actor(), now=datetime.now(UTC)
    )
    name = service.normalize_username(username)
    out.print(f"roles of {name}: {', '.join(sorted(roles))}", markup=False)


@app.command("disable")
def disable(
    username: Annotated[str, typer.Argument(help="the user to disable or enable")],
    enable: Annotated[bool, typer.Option("--enable", help="enable the user again")] = False,
) -> None:
    """Disable a user (sign-in refused, open sessions end), or --enable again."""
    service.set_disabled(
        _uow(_migrated()),
        username=username,
        disabled=not enable,
        actor=cli_actor(),
        now=datetime.now(UTC),
    )
    state = "enabled" if enable else "disabled"
    out.print(f"{service.normalize_username(username)} {state}", markup=False)
