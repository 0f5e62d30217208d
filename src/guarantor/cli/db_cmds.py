"""``guarantor db ...``: schema migrations."""

from __future__ import annotations

import typer
from rich.console import Console

from guarantor.bootstrap.app import build_application

__all__ = ["app"]

app = typer.Typer(help="Database schema.", no_args_is_help=True)
out = Console(highlight=False)


@app.command()
def upgrade() -> None:
    """Apply every migration to the configured database (GUARANTOR_DATABASE_URL)."""
    application = build_application()
    application.migrate()
    out.print(
        f"database at {application.settings.resolved_database_url} is up to date", markup=False
    )
