"""Ports of the access use cases: users and the audit log, as Protocols.

:class:`SecurityUnitOfWork` is one transaction over both, so that a change to a user and the
audit entry that records it are kept or lost together. Storage implements them in
:mod:`guarantor.storage.security_store`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

__all__ = [
    "AuditEntry",
    "AuditLog",
    "NewUser",
    "SecurityUnitOfWork",
    "UserRecord",
    "UserRepository",
]


@dataclass(frozen=True, slots=True)
class NewUser:
    username: str
    party: str | None
    roles: frozenset[str]
    password_hash: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    username: str
    party: str | None
    roles: frozenset[str]
    password_hash: str
    created_at: datetime
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One sealed entry of the audit log: ``hash`` certifies every other field but ``seq``
    (position is certified by the chain: ``prev_hash`` is the hash of the entry before)."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: Mapping[str, Any]
    prev_hash: str
    hash: str


class UserRepository(Protocol):
    def add(self, user: NewUser) -> UserRecord:
        """Store a new user; raise ``UserExists`` if the username is taken."""
        ...

    def get(self, user_id: int) -> UserRecord | None: ...

    def by_username(self, username: str) -> UserRecord | None: ...

    def list(self) -> list[UserRecord]: ...

    def update(
        self,
        user_id: int,
        *,
        password_hash: str | None = None,
        roles: frozenset[str] | None = None,
        disabled: bool | None = None,
    ) -> None: ...


class AuditLog(Protocol):
    def head(self, *, lock: bool = False) -> AuditEntry | None:
        """The last entry. ``lock=True`` keeps other appenders out until the transaction
        ends (call it only in a writing unit of work)."""
        ...

    def insert(self, entry: AuditEntry) -> None: ...

    def entries(self) -> Iterator[AuditEntry]:
        """Every entry, in ``seq`` order."""
        ...


class SecurityUnitOfWork(Protocol):
    users: UserRepository
    audit: AuditLog

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...
