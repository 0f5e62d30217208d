"""Repositories: the agreements store as collections of domain objects, over one connection.

A repository never commits: it works inside the transaction of the
:class:`~guarantor.storage.unit_of_work.SqlUnitOfWork` that made it. They implement the ports
of :mod:`guarantor.services.ports` (``StoredVersion`` is the port's own dataclass).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

from guarantor.agreement.model import ResolvedVersion
from guarantor.errors import NotFound, StorageError
from guarantor.services.ports import StoredVersion
from guarantor.storage import codec, tables

__all__ = ["AgreementRepository", "StoredVersion"]

_HASH = re.compile(r"^[0-9a-f]{64}$")


def _now() -> datetime:
    return datetime.now(UTC)


class AgreementRepository:
    """Resolved agreement versions, stored once each and read back as equal domain objects."""

    def __init__(self, connection: sa.Connection, *, clock: Callable[[], datetime] = _now):
        self._connection = connection
        self._clock = clock

    def add(self, version: ResolvedVersion, content_hash: str) -> bool:
        """Store ``version``; False (and nothing changed) if it is already stored as it is.

        Raises :class:`StorageError` if the same version id is stored with another hash: a
        stored version is never edited, a change needs a new version id.
        """
        if not _HASH.match(content_hash):
            raise ValueError(
                f"content hash {content_hash!r} is not 64 lowercase hex digits; expected a "
                "SHA-256 hex digest such as 'e3b0c442...b855'; fix: pass hashlib's hexdigest()"
            )
        agreement_id, version_id = version.agreement_id, version.version.id
        stored = self.hash_of(agreement_id, version_id)
        if stored == content_hash:
            return False
        if stored is not None:
            raise StorageError(
                f"agreement {agreement_id!r} version {version_id!r} is already stored with "
                f"content hash {stored}, but the version being loaded has hash {content_hash}: "
                "the stored version differs from this one, and stored versions are never "
                f"edited; fix: give the changed text a new version id (an overlay based on "
                f"{version_id!r}), or restore the text that was stored under {version_id!r}"
            )
        self._ensure_agreement(agreement_id, version.title)
        try:
            self._insert(version, content_hash)
        except sa.exc.IntegrityError as exc:
            raise StorageError(
                f"agreement {agreement_id!r} version {version_id!r} could not be stored: "
                f"{str(exc.orig).strip().splitlines()[0]}; another writer may have stored it "
                "at the same moment; fix: roll back and retry the load"
            ) from exc
        return True

    def _ensure_agreement(self, agreement_id: str, title: str) -> None:
        exists = self._connection.execute(
            sa.select(tables.agreements.c.id).where(tables.agreements.c.id == agreement_id)
        ).first()
        if exists is None:
            self._connection.execute(
                tables.agreements.insert().values(id=agreement_id, title=title)
            )

    def _insert(self, version: ResolvedVersion, content_hash: str) -> None:
        row = codec.version_row(version, content_hash, self._clock())
        self._connection.execute(tables.agreement_versions.insert(), [row])
        for table_name, rows in codec.child_rows(version).items():
            if rows:
                self._connection.execute(tables.metadata.tables[table_name].insert(), rows)

    def get(self, agreement_id: str, version_id: str) -> ResolvedVersion:
        """The stored version, equal to the one that was added; :class:`NotFound` if absent."""
        versions = tables.agreement_versions
        document = self._connection.execute(
            sa.select(versions.c.document).where(
                versions.c.agreement_id == agreement_id, versions.c.version_id == version_id
            )
        ).scalar_one_or_none()
        if document is None:
            raise NotFound(self._missing_message(agreement_id, version_id))
        return codec.version_from_document(document)

    def _missing_message(self, agreement_id: str, version_id: str) -> str:
        stored = self.list_versions(agreement_id)
        if stored:
            known = ", ".join(repr(s.version_id) for s in stored)
            return (
                f"agreement {agreement_id!r} has no stored version {version_id!r}; stored "
                f"versions: {known}; fix: ask for one of these, or load the agreement folder "
                f"that defines {version_id!r}"
            )
        agreements = [
            row.id
            for row in self._connection.execute(
                sa.select(tables.agreements.c.id).order_by(tables.agreements.c.id)
            )
        ]
        known = ", ".join(repr(a) for a in agreements) or "none"
        return (
            f"no agreement {agreement_id!r} is stored (stored agreements: {known}); fix: check "
            "the agreement id, or load the agreement first"
        )

    def list_versions(self, agreement_id: str | None = None) -> list[StoredVersion]:
        """Stored versions of one agreement (or of all), by agreement, effective time, id."""
        v = tables.agreement_versions
        query = sa.select(
            v.c.agreement_id,
            v.c.version_id,
            v.c.title,
            v.c.adopted,
            v.c.effective,
            v.c.content_hash,
            v.c.loaded_at,
        ).order_by(v.c.agreement_id, v.c.effective, v.c.version_id)
        if agreement_id is not None:
            query = query.where(v.c.agreement_id == agreement_id)
        return [StoredVersion(**row._asdict()) for row in self._connection.execute(query)]

    def hash_of(self, agreement_id: str, version_id: str) -> str | None:
        """The content hash stored for the version, or None if it is not stored."""
        v = tables.agreement_versions
        value = self._connection.execute(
            sa.select(v.c.content_hash).where(
                v.c.agreement_id == agreement_id, v.c.version_id == version_id
            )
        ).scalar_one_or_none()
        return None if value is None else str(value).strip()
