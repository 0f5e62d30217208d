"""One SQL adapter, two URLs: SQLite (embedded default) and PostgreSQL (shared server).

:func:`make_engine` turns a database URL into a configured SQLAlchemy engine:

* **SQLite** (``sqlite:///var/guarantor.db``): the parent folder of the file is created;
  a new file gets 16 KiB pages (:data:`SQLITE_PAGE_SIZE`);
  every connection runs ``journal_mode=WAL`` (readers never block the writer),
  ``foreign_keys=ON``, ``synchronous=NORMAL`` and ``busy_timeout``. SQLite allows **one
  writer**: a writing :class:`~guarantor.storage.unit_of_work.SqlUnitOfWork` holds
  :func:`writer_lock` (one lock per database file, shared by every engine of this process)
  and opens its transaction with ``BEGIN IMMEDIATE``, so writers in other processes wait up
  to ``busy_timeout`` for the file lock instead of failing half-way. Reads use plain
  (deferred) transactions and run beside the writer thanks to WAL.
* **PostgreSQL** through psycopg 3 (``postgresql+psycopg://user:pw@host:5432/db``);
  ``postgresql://`` and ``postgres://`` are rewritten to the psycopg driver. ``lock_timeout``
  plays the part of SQLite's ``busy_timeout``.

**Reads have a time limit** (``read_timeout_ms``, 0 for none). On SQLite a progress handler
aborts a ``SELECT``/``WITH`` statement once it has run that long; on PostgreSQL the server's
``statement_timeout`` does it. A connection may change its own limit with the execution
option ``READ_TIMEOUT_OPTION`` (a writing unit of work sets 0: a write is never cut half-way;
the whole-table reads of batch jobs such as fusion and evaluation use
:data:`BULK_READ_OPTIONS`, since reading a million reports takes longer than the limit meant
for the desk's reads).
A statement stopped this way raises :class:`~guarantor.errors.StorageError`, as do an
unreachable database, a busy one, and a schema that lacks a table or column.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext, make_url
from sqlalchemy.engine.url import URL

from guarantor.errors import StorageError

__all__ = [
    "BULK_READ_OPTIONS",
    "BUSY_TIMEOUT_OPTION",
    "READ_TIMEOUT_OPTION",
    "SQLITE_BEGIN_OPTION",
    "SQLITE_PAGE_SIZE",
    "WRITER_OPTIONS",
    "make_engine",
    "normalize_url",
    "safe_url",
    "writer_connection",
    "writer_lock",
]

READ_TIMEOUT_OPTION = "guarantor_read_timeout_ms"
BUSY_TIMEOUT_OPTION = "guarantor_busy_timeout_ms"
SQLITE_BEGIN_OPTION = "guarantor_sqlite_begin"  # "DEFERRED" (default) or "IMMEDIATE"
WRITER_OPTIONS: dict[str, object] = {READ_TIMEOUT_OPTION: 0, SQLITE_BEGIN_OPTION: "IMMEDIATE"}
"""Execution options of a writing connection: no read time limit, BEGIN IMMEDIATE on SQLite."""
BULK_READ_OPTIONS: dict[str, object] = {READ_TIMEOUT_OPTION: 0}
"""Execution options of a batch job's whole-table read (fusion, evaluation): no time limit."""
SQLITE_PAGE_SIZE = 16384
"""Page size of a new SQLite file (an existing file keeps its own): a one-transaction import
of a million reports (~1.5 kB each) takes about a third less CPU than with 4096-byte pages,
since its WAL has four times fewer frames to look pages up in (see docs/intake.md#speed)."""
_CLOCK = "guarantor_statement_clock"
_PROGRESS_STEPS = 1000  # SQLite VM instructions between two looks at the clock
_CONNECT_TIMEOUT_S = 10
_EXAMPLES = (
    "sqlite:///var/guarantor.db or "
    "postgresql+psycopg://guarantor:guarantor@127.0.0.1:5432/guarantor"
)


def normalize_url(url: str) -> URL:
    """Parse ``url``; point plain PostgreSQL URLs at psycopg 3; refuse other backends."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StorageError(
            f"database URL {url!r} does not parse: {exc}; expected a URL such as {_EXAMPLES}; "
            "fix: correct GUARANTOR_DATABASE_URL (or database_url in the config file)"
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername in ("postgresql+psycopg", "sqlite", "sqlite+pysqlite"):
        return parsed
    raise StorageError(
        f"database URL {parsed.render_as_string(hide_password=True)!r} names the backend "
        f"{parsed.drivername!r}, which Guarantor does not support; expected SQLite or "
        f"PostgreSQL through psycopg 3, e.g. {_EXAMPLES}; fix: change the URL's scheme"
    )


def safe_url(engine_or_url: Engine | URL) -> str:
    """The URL with its password hidden, for messages."""
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else engine_or_url
    return url.render_as_string(hide_password=True)


def make_engine(url: str, *, read_timeout_ms: int = 5000, busy_timeout_ms: int = 5000) -> Engine:
    """A configured engine for ``url`` (see the module docstring). Nothing connects yet."""
    if read_timeout_ms < 0 or busy_timeout_ms < 0:
        raise StorageError(
            f"time limits must be 0 (none) or a positive number of milliseconds; found "
            f"read_timeout_ms={read_timeout_ms}, busy_timeout_ms={busy_timeout_ms}; "
            "fix: pass e.g. read_timeout_ms=5000"
        )
    parsed = normalize_url(url)
    options = {READ_TIMEOUT_OPTION: read_timeout_ms, BUSY_TIMEOUT_OPTION: busy_timeout_ms}
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed, options)
    else:
        engine = _postgres_engine(parsed, options)
    event.listen(engine, "handle_error", _translate_error)
    return engine


# --- SQLite ---------------------------------------------------------------------------------


class _StatementClock:
    """Tells SQLite's progress handler when the running statement is past its deadline."""

    __slots__ = ("deadline", "fired")

    def __init__(self) -> None:
        self.deadline: float | None = None
        self.fired = False

    def start(self, limit_ms: int) -> None:
        self.fired = False
        self.deadline = time.monotonic() + limit_ms / 1000 if limit_ms > 0 else None

    def stop(self) -> None:
        self.deadline = None

    def check(self) -> int:
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.fired = True
            return 1  # non-zero aborts the statement with "interrupted"
        return 0


def _sqlite_database(url: URL) -> str | None:
    """The database file of a SQLite URL, or None for an in-memory database."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return database


def _sqlite_engine(url: URL, options: dict[str, int]) -> Engine:
    database = _sqlite_database(url)
    if database is not None:
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"cannot create the folder {str(folder)!r} for the SQLite database "
                f"{database!r}: {exc}; fix: choose a writable path in the database URL, "
                "e.g. sqlite:///var/guarantor.db"
            ) from exc
    engine = sa.create_engine(url, execution_options=options)
    busy_ms = options[BUSY_TIMEOUT_OPTION]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        # Autocommit at the driver: pysqlite's own BEGIN handling is bypassed and
        # transactions are begun by _on_begin below, as SQLAlchemy's docs recommend.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")  # new files only
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        finally:
            cursor.close()
        clock = _StatementClock()
        dbapi_connection.set_progress_handler(clock.check, _PROGRESS_STEPS)
        connection_record.info[_CLOCK] = clock

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        if mode not in ("DEFERRED", "IMMEDIATE"):
            raise ValueError(f"{SQLITE_BEGIN_OPTION} must be DEFERRED or IMMEDIATE, not {mode}")
        conn.exec_driver_sql(f"BEGIN {mode}")

    @event.listens_for(engine, "before_cursor_execute")
    def _on_execute(
        conn: sa.Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        clock = conn.info.get(_CLOCK)
        if clock is None:
            return
        limit = int(conn.get_execution_options().get(READ_TIMEOUT_OPTION, 0))
        clock.start(limit if _is_read(statement) else 0)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn: sa.Connection) -> None:
        # A read's clock runs on while its rows are fetched; the end of the transaction
        # stops it, so a COMMIT long after a quick read is never cut.
        clock = conn.info.get(_CLOCK)
        if clock is not None:
            clock.stop()

    @event.listens_for(engine, "reset")
    def _on_reset(dbapi_connection: Any, connection_record: Any, reset_state: Any) -> None:
        clock = connection_record.info.get(_CLOCK)
        if clock is not None:
            clock.stop()

    return engine


def _is_read(statement: str) -> bool:
    return statement.lstrip()[:6].upper().startswith(("SELECT", "WITH", "VALUES"))


# --- PostgreSQL -----------------------------------------------------------------------------


def _postgres_engine(url: URL, options: dict[str, int]) -> Engine:
    server_options = (
        f"-c statement_timeout={options[READ_TIMEOUT_OPTION]} "
        f"-c lock_timeout={options[BUSY_TIMEOUT_OPTION]}"
    )
    engine = sa.create_engine(
        url,
        execution_options=options,
        pool_pre_ping=True,
        connect_args={"options": server_options, "connect_timeout": _CONNECT_TIMEOUT_S},
    )

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        limit = conn.get_execution_options().get(READ_TIMEOUT_OPTION)
        if limit != conn.engine.get_execution_options().get(READ_TIMEOUT_OPTION):
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {int(limit or 0)}")

    return engine


# --- one writer -----------------------------------------------------------------------------

_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


@contextlib.contextmanager
def writer_lock(engine: Engine) -> Iterator[None]:
    """Hold the process-wide write lock of a SQLite database; a no-op on PostgreSQL.

    Waits up to the engine's busy timeout, then raises :class:`StorageError`.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    database = _sqlite_database(engine.url)
    key = str(Path(database).expanduser().resolve()) if database else f"memory:{id(engine)}"
    with _writer_locks_guard:
        lock = _writer_locks.setdefault(key, threading.Lock())
    wait_ms = int(engine.get_execution_options().get(BUSY_TIMEOUT_OPTION, 5000))
    if not lock.acquire(timeout=wait_ms / 1000 if wait_ms > 0 else -1):
        raise StorageError(
            f"the SQLite database {safe_url(engine)} is busy: another writer in this process "
            f"held it for more than {wait_ms} ms; SQLite allows one writer at a time; "
            "fix: retry, keep write transactions short, or raise busy_timeout_ms"
        )
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def writer_connection(engine: Engine) -> Iterator[sa.Connection]:
    """A connection for writing: :func:`writer_lock` held, :data:`WRITER_OPTIONS` set.

    The caller commits; whatever it did not commit is rolled back when the block ends.
    """
    with writer_lock(engine), engine.connect() as connection:
        yield connection.execution_options(**WRITER_OPTIONS)


# --- errors that teach ----------------------------------------------------------------------

_SCHEMA_HINT = (
    "the database schema is not the one this version of Guarantor expects; "
    "fix: run `guarantor db upgrade` (or guarantor.storage.upgrade(url) in code)"
)


def _translate_error(ctx: ExceptionContext) -> BaseException | None:
    """Turn the database errors a user can fix into :class:`StorageError` that say how."""
    if ctx.is_pre_ping:
        return None
    original = ctx.original_exception
    text = str(original).strip().splitlines()[0] if str(original).strip() else repr(original)
    where = safe_url(ctx.engine.url) if ctx.engine is not None else "the database"
    sqlstate = getattr(original, "sqlstate", None)
    if ctx.connection is None and isinstance(ctx.sqlalchemy_exception, sa.exc.OperationalError):
        return StorageError(
            f"cannot reach the database {where}: {text}; fix: check that the server is running "
            "and that GUARANTOR_DATABASE_URL has the right host, port, user, password and "
            f"database (or SQLite file); URL examples: {_EXAMPLES}"
        )
    if sqlstate == "57014" or (text == "interrupted" and _clock_fired(ctx)):
        limit = _limit_of(ctx)
        return StorageError(
            f"a read on {where} ran longer than its time limit of {limit} ms and was stopped; "
            "fix: narrow the query (filters, a smaller date range, paging) or raise "
            "GUARANTOR_READ_TIMEOUT_MS (read_timeout_ms)"
        )
    if sqlstate == "55P03" or text.startswith("database is locked"):
        return StorageError(
            f"the database {where} is busy: a lock was held by another writer for longer than "
            f"the busy timeout ({text}); fix: retry, or keep write transactions short"
        )
    if sqlstate in ("42P01", "42703") or text.startswith(("no such table", "no such column")):
        return StorageError(f"{where}: {text}; {_SCHEMA_HINT}")
    return None


def _clock_fired(ctx: ExceptionContext) -> bool:
    if ctx.connection is None:
        return False
    clock = ctx.connection.info.get(_CLOCK)
    return bool(clock is not None and clock.fired)


def _limit_of(ctx: ExceptionContext) -> int:
    if ctx.connection is not None:
        return int(ctx.connection.get_execution_options().get(READ_TIMEOUT_OPTION, 0))
    return 0
