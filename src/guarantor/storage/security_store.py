"""Users and the audit log in SQL: the adapters of :mod:`guarantor.services.user_ports`.

Usage::

    with SqlSecurityUnitOfWork(engine) as uow:
        record = uow.users.add(new_user)
        audit.append(uow.audit, at=now, actor="cli:root", action="user.add", subject=...)
        uow.commit()

:class:`SqlSecurityUnitOfWork` is a :class:`~guarantor.storage.unit_of_work.SqlUnitOfWork`
(one transaction; the SQLite single-writer lock and ``BEGIN IMMEDIATE`` when writing) with
``users`` and ``audit`` bound to its connection. Appending to the audit log is safe with many
writers: on SQLite the writer lock lets one transaction write at a time; on PostgreSQL
``head(lock=True)`` takes a transaction-scoped advisory lock before it reads the last entry,
so the next ``seq`` and ``prev_hash`` are computed by one transaction at a time (and the
unique ``prev_hash`` refuses a fork should that ever fail).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from guarantor.services import user_ports
from guarantor.services.access_errors import UserExists
from guarantor.services.user_ports import AuditEntry, NewUser, UserRecord
from guarantor.storage.security_tables import audit_log, users
from guarantor.storage.unit_of_work import SqlUnitOfWork

__all__ = ["AUDIT_LOCK_KEY", "SqlAuditLog", "SqlSecurityUnitOfWork", "SqlUserRepository"]

AUDIT_LOCK_KEY = zlib.crc32(b"guarantor.audit_log")
"""The PostgreSQL advisory lock that serialises appenders of the audit log."""


def _user(row: Any) -> UserRecord:
    return UserRecord(
        id=int(row.id),
        username=row.username,
        party=row.party,
        roles=frozenset(row.roles or ()),
        password_hash=row.password_hash,
        created_at=row.created_at,
        disabled=bool(row.disabled),
    )


class SqlUserRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, user: NewUser) -> UserRecord:
        if self.by_username(user.username) is not None:
            raise _exists(user.username)
        values = {
            "username": user.username,
            "party": user.party,
            "roles": sorted(user.roles),
            "password_hash": user.password_hash,
            "created_at": user.created_at,
            "disabled": False,
        }
        try:
            result = self._connection.execute(users.insert().values(**values))
        except sa.exc.IntegrityError as exc:  # added by another writer meanwhile
            raise _exists(user.username) from exc
        key = result.inserted_primary_key
        assert key is not None  # an INSERT of one row always has it
        return UserRecord(
            id=int(key[0]),
            username=user.username,
            party=user.party,
            roles=user.roles,
            password_hash=user.password_hash,
            created_at=user.created_at,
        )

    def get(self, user_id: int) -> UserRecord | None:
        row = self._connection.execute(users.select().where(users.c.id == user_id)).first()
        return _user(row) if row is not None else None

    def by_username(self, username: str) -> UserRecord | None:
        query = users.select().where(users.c.username == username)
        row = self._connection.execute(query).first()
        return _user(row) if row is not None else None

    def list(self) -> list[UserRecord]:
        rows = self._connection.execute(users.select().order_by(users.c.username))
        return [_user(row) for row in rows]

    def update(
        self,
        user_id: int,
        *,
        password_hash: str | None = None,
        roles: frozenset[str] | None = None,
        disabled: bool | None = None,
    ) -> None:
        values: dict[str, Any] = {}
        if password_hash is not None:
            values["password_hash"] = password_hash
        if roles is not None:
            values["roles"] = sorted(roles)
        if disabled is not None:
            values["disabled"] = disabled
        if values:
            self._connection.execute(users.update().where(users.c.id == user_id).values(values))


def _exists(username: str) -> UserExists:
    return UserExists(
        f"a user named '{username}' already exists; fix: choose another username, or change "
        "that user with guarantor users passwd / guarantor users roles"
    )


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        seq=int(row.seq),
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        details=row.details if row.details is not None else {},
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class SqlAuditLog:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def head(self, *, lock: bool = False) -> AuditEntry | None:
        if lock and self._connection.dialect.name == "postgresql":
            self._connection.execute(sa.select(sa.func.pg_advisory_xact_lock(AUDIT_LOCK_KEY)))
        query = audit_log.select().order_by(audit_log.c.seq.desc()).limit(1)
        row = self._connection.execute(query).first()
        return _entry(row) if row is not None else None

    def insert(self, entry: AuditEntry) -> None:
        self._connection.execute(
            audit_log.insert().values(
                seq=entry.seq,
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                subject=entry.subject,
                details=dict(entry.details),
                prev_hash=entry.prev_hash,
                hash=entry.hash,
            )
        )

    def entries(self) -> Iterator[AuditEntry]:
        query = audit_log.select().order_by(audit_log.c.seq)
        for row in self._connection.execute(query):
            yield _entry(row)


class SqlSecurityUnitOfWork(SqlUnitOfWork):
    """A unit of work with ``users`` and ``audit`` (and ``agreements``) on one transaction."""

    users: user_ports.UserRepository  # typed as the ports: the services see only those
    audit: user_ports.AuditLog

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        super().__init__(engine, read_only=read_only)

    def __enter__(self) -> Self:
        super().__enter__()
        self.users = SqlUserRepository(self.connection)
        self.audit = SqlAuditLog(self.connection)
        return self
