"""Ports: what the use cases need from storage, as Protocols (adapters implement them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from guarantor.agreement.model import ResolvedVersion

__all__ = ["AgreementRepository", "StoredVersion", "UnitOfWork", "UnitOfWorkFactory"]


@dataclass(frozen=True, slots=True)
class StoredVersion:
    agreement_id: str
    version_id: str
    title: str
    adopted: date
    effective: datetime
    content_hash: str
    loaded_at: datetime


class AgreementRepository(Protocol):
    def add(self, version: ResolvedVersion, content_hash: str) -> bool: ...

    def get(self, agreement_id: str, version_id: str) -> ResolvedVersion: ...

    def list_versions(self, agreement_id: str | None = None) -> list[StoredVersion]: ...

    def hash_of(self, agreement_id: str, version_id: str) -> str | None: ...


class UnitOfWork(Protocol):
    agreements: AgreementRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
