"""Alembic environment of Guarantor's storage, shipped inside the package.

Run through :mod:`guarantor.storage.migrate`, which passes an open connection in
``config.attributes["connection"]``. Without one (the ``alembic`` command with a config that
sets ``sqlalchemy.url``), an engine is made from that URL with
:func:`guarantor.storage.engine.make_engine`. ``render_as_batch`` lets later migrations alter
tables on SQLite too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from guarantor.storage import report_tables  # noqa: F401  (its tables join the metadata)
from guarantor.storage.engine import make_engine, writer_connection
from guarantor.storage.tables import metadata

config = context.config
target_metadata = metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with writer_connection(engine) as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
