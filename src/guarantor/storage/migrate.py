"""Schema migrations, run programmatically with Alembic (no ``alembic.ini`` needed).

The Alembic environment and revisions ship inside the package, in
``guarantor/storage/migrations``. :func:`upgrade` brings a database to the newest revision
(creating the SQLite file if needed); :func:`current_revision` says where a database is;
:func:`require_current` refuses to work on a database that is not at the newest revision.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from guarantor.errors import StorageError
from guarantor.storage.engine import make_engine, normalize_url, safe_url, writer_connection

__all__ = [
    "MIGRATIONS",
    "alembic_config",
    "current_revision",
    "head_revision",
    "require_current",
    "upgrade",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the shipped migrations (and at ``url`` if given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision this version of Guarantor knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package ships revisions
        raise StorageError(f"no migrations found in {MIGRATIONS}; fix: reinstall guarantor")
    return head


def upgrade(url: str | Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (default: the newest), in one transaction.

    ``url`` is a database URL or an engine from :func:`~guarantor.storage.make_engine`.
    Holds the SQLite single-writer lock while it runs.
    """
    engine, owned = _engine(url)
    try:
        with writer_connection(engine) as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
    finally:
        if owned:
            engine.dispose()


def current_revision(url: str | Engine) -> str | None:
    """The revision the database is at, or None if no migration was ever applied."""
    engine, owned = _engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        if owned:
            engine.dispose()


def require_current(url: str | Engine) -> None:
    """Raise :class:`StorageError` unless the database is at :func:`head_revision`."""
    found, head = current_revision(url), head_revision()
    if found != head:
        where = safe_url(url if isinstance(url, Engine) else normalize_url(url))
        state = "has no Guarantor schema" if found is None else f"is at revision {found!r}"
        raise StorageError(
            f"the database {where} {state}, but this version of Guarantor needs revision "
            f"{head!r}; fix: run `guarantor db upgrade` (or guarantor.storage.upgrade(url))"
        )


def _engine(url: str | Engine) -> tuple[Engine, bool]:
    if isinstance(url, Engine):
        return url, False
    return make_engine(url), True
