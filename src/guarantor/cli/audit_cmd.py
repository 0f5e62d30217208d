"""``guarantor audit verify``: check the hash chain of the audit log."""

from __future__ import annotations

import typer
from rich.console import Console

from guarantor.bootstrap.app import build_application
from guarantor.services.audit import verify as verify_chain
from guarantor.storage.migrate import require_current
from guarantor.storage.security_store import SqlSecurityUnitOfWork

__all__ = ["app"]

app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@app.command("verify")
def verify() -> None:
    """Check every entry of the audit log; exit 1 naming each edited, deleted or reordered
    entry."""
    application = build_application()
    require_current(application.engine)
    with SqlSecurityUnitOfWork(application.engine, read_only=True) as uow:
        entries = list(uow.audit.entries())
    breaks = verify_chain(entries)
    count = len(entries)
    if breaks:
        for found in breaks:
            err.print(f"broken: {found.render()}", markup=False)
        out.print(
            f"{count} entries, chain BROKEN: {len(breaks)} break(s), the first at entry "
            f"{breaks[0].seq}",
            markup=False,
        )
        raise typer.Exit(1)
    head = f"; head: entry {entries[-1].seq} sha256 {entries[-1].hash}" if entries else ""
    out.print(f"{count} entries, chain intact{head}", markup=False)
