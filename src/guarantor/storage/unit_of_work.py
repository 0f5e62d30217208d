"""The unit of work: one connection, one transaction, the repositories that work in it.

Usage::

    with SqlUnitOfWork(engine) as uow:
        uow.agreements.add(version, content_hash)
        uow.commit()

Nothing persists unless :meth:`~SqlUnitOfWork.commit` is called; leaving the block rolls back
whatever was not committed, and an exception inside the block is re-raised after the
rollback. After a commit the unit of work may go on and commit again.

A writing unit of work (the default) is the **single writer** on SQLite: it holds the
process-wide :func:`~guarantor.storage.engine.writer_lock` of the database file for its whole
life and begins with ``BEGIN IMMEDIATE``, so writers in other processes wait (up to the busy
timeout) for the file lock. Its statements have no read time limit: a write is never cut
half-way. ``read_only=True`` takes no lock, begins a plain read transaction (read-only on
PostgreSQL) and keeps the engine's read time limit.
"""

from __future__ import annotations

import contextlib
from types import TracebackType
from typing import Self

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from guarantor.services import ports
from guarantor.storage.engine import writer_connection
from guarantor.storage.repositories import AgreementRepository

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork:
    """A transaction on ``engine`` with the repositories bound to it (a context manager)."""

    agreements: ports.AgreementRepository  # typed as the port: the services see only that

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._stack: contextlib.ExitStack | None = None
        self._connection: sa.Connection | None = None

    @property
    def read_only(self) -> bool:
        return self._read_only

    @property
    def connection(self) -> sa.Connection:
        """The connection of this unit of work, for adapters that need plain SQL."""
        if self._connection is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        return self._connection

    def __enter__(self) -> Self:
        if self._stack is not None:
            raise RuntimeError("this unit of work is already open; make a new one to nest")
        with contextlib.ExitStack() as stack:
            if self._read_only:
                connection = stack.enter_context(self._engine.connect())
                if self._engine.dialect.name == "postgresql":
                    connection.execution_options(postgresql_readonly=True)
            else:
                connection = stack.enter_context(writer_connection(self._engine))
            self._connection = connection
            self.agreements = AgreementRepository(connection)
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        stack, self._stack = self._stack, None
        try:
            if self._connection is not None and self._connection.in_transaction():
                self._connection.rollback()
        finally:
            self._connection = None
            if stack is not None:
                stack.close()  # closes the connection, then releases the writer lock

    def commit(self) -> None:
        """Make everything done so far permanent."""
        self.connection.commit()

    def rollback(self) -> None:
        """Undo everything done since the last commit."""
        self.connection.rollback()
