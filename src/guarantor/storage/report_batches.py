"""The rows of ``import_batches`` and the locks of running batches, for :mod:`.report_store`.

A batch's row is written ``running`` in a transaction of its own, set ``complete`` with its
counts in the batch's transaction, or ``abandoned`` when the batch fails. On PostgreSQL a
running batch holds a session advisory lock (space :data:`LOCK_SPACE`, key the hash of its id):
a ``running`` row whose lock is free belongs to a dead import.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from guarantor.services.intake_ports import BatchInfo
from guarantor.storage.report_tables import import_batches

__all__ = [
    "LOCK_SPACE",
    "abandon",
    "abandon_stale",
    "lock_sql",
    "new_batch_row",
    "release_lock",
    "set_status",
]

LOCK_SPACE = 0x47524E54  # first key of PostgreSQL advisory locks of import batches ("GRNT")


def new_batch_row(info: BatchInfo) -> dict[str, Any]:
    return {
        "batch_id": info.batch_id, "file_name": info.file_name, "file_sha256": info.file_sha256,
        "file_bytes": info.file_bytes, "format": info.format, "source_id": info.source_id,
        "started_at": info.started_at, "finished_at": None, "status": "running",
        "read": 0, "accepted": 0, "rejected": 0, "duplicate": 0, "warnings": 0,
    }  # fmt: skip


def set_status(connection: sa.Connection, batch_id: str, status: str, **counts: int) -> None:
    connection.execute(
        sa.update(import_batches)
        .where(import_batches.c.batch_id == batch_id)
        .values(status=status, finished_at=datetime.now(UTC), **counts)
    )


def abandon(connection: sa.Connection, batch_id: str) -> None:
    """Roll the batch back and mark it ``abandoned``. If the database cannot be reached the
    row stays ``running`` and the next batch marks it; the original error is what matters."""
    try:
        if connection.in_transaction():
            connection.rollback()
        with connection.begin():
            set_status(connection, batch_id, "abandoned")
    except sa.exc.DBAPIError:
        connection.invalidate()


def abandon_stale(connection: sa.Connection, batch_id: str, postgres: bool) -> None:
    """Mark ``abandoned`` the batches left ``running`` by an import that died.

    SQLite has one writer, so a ``running`` batch seen by the writer is a dead one. On
    PostgreSQL a live batch holds its advisory lock: only batches whose lock is free are dead.
    """
    stale = (import_batches.c.status == "running") & (import_batches.c.batch_id != batch_id)
    if postgres:
        stale = stale & sa.func.pg_try_advisory_xact_lock(
            LOCK_SPACE, sa.func.hashtext(import_batches.c.batch_id), type_=sa.Boolean
        )
    connection.execute(
        sa.update(import_batches).where(stale).values(status="abandoned"),
    )


def lock_sql(function: str) -> sa.TextClause:
    return sa.text(f"SELECT {function}({LOCK_SPACE}, hashtext(:b))")


def release_lock(connection: sa.Connection, batch_id: str) -> None:
    try:
        if connection.in_transaction():
            connection.rollback()
        connection.execute(lock_sql("pg_advisory_unlock"), {"b": batch_id})
        connection.commit()
    except sa.exc.DBAPIError:  # a broken connection: the server dropped its locks with it
        connection.invalidate()
