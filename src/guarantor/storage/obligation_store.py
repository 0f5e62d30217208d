"""Obligation status in SQL: the :class:`~guarantor.services.obligation_ports.ObligationStore`.

Updates are appended to ``obligation_updates`` under the writer lock
(:func:`~guarantor.storage.engine.writer_connection`), with the audit entry of each in the
same transaction (as :meth:`~guarantor.storage.incident_store.SqlIncidentStore.record_decision`
does for decisions): either both are stored or neither. Reading the current status inside that
transaction makes concurrent updates of one obligation take turns, so a transition is always
judged against the status it replaces.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from guarantor.services import audit
from guarantor.services.obligation_ports import ObligationFacts, ObligationUpdate, Step
from guarantor.storage.engine import writer_connection
from guarantor.storage.incident_tables import activations, incidents, obligations
from guarantor.storage.obligation_tables import obligation_updates
from guarantor.storage.security_store import SqlAuditLog

__all__ = ["SqlObligationStore"]

_OPEN = "open"
_CHUNK = 5_000  # ids per IN (...) list: well under every backend's parameter limit
_ACTION = {"acknowledged": "acknowledge", "done": "done", "waived": "waive"}


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


class SqlObligationStore:
    """Obligation facts and status updates in SQL (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def incident_markings(self, incident_ids: Sequence[str]) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        with self._engine.connect() as connection:
            for part in _chunks(list(dict.fromkeys(incident_ids))):
                query = sa.select(incidents.c.incident_id, incidents.c.releasability).where(
                    incidents.c.incident_id.in_(part)
                )
                for incident_id, marking in connection.execute(query):
                    found[str(incident_id)] = None if marking is None else str(marking)
        return found

    def facts(self, obligation_id: str) -> ObligationFacts | None:
        query = (
            sa.select(
                obligations.c.agreement_id,
                obligations.c.party,
                activations.c.incident_id,
                activations.c.contributing,
            )
            .select_from(
                obligations.outerjoin(
                    activations,
                    sa.and_(
                        activations.c.agreement_id == obligations.c.agreement_id,
                        activations.c.activation_id == obligations.c.activation_id,
                    ),
                )
            )
            .where(obligations.c.obligation_id == obligation_id)
            .order_by(obligations.c.agreement_id)
        )
        with self._engine.connect() as connection:
            row = connection.execute(query.limit(1)).first()
        if row is None:
            return None
        agreement_id, party, trigger, contributing = row
        rests_on = set(json.loads(contributing) if contributing else [])
        if trigger is not None:
            rests_on.add(str(trigger))
        markings = self.incident_markings(sorted(rests_on))
        return ObligationFacts(
            obligation_id=obligation_id,
            agreement_id=str(agreement_id),
            party=None if party is None else str(party),
            markings=tuple(markings[i] for i in sorted(markings)),
            complete=bool(rests_on) and len(markings) == len(rests_on),
        )

    def apply(
        self, obligation_id: str, step: Step, *, audit_details: Mapping[str, Any]
    ) -> ObligationUpdate:
        with writer_connection(self._engine) as connection, connection.begin():
            _lock_obligation(connection, obligation_id)
            current = _latest(connection, [obligation_id]).get(obligation_id, _OPEN)
            update = step(current)
            row = {
                "obligation_id": update.obligation_id,
                "agreement_id": update.agreement_id,
                "status": update.status,
                "reason": update.reason,
                "by_user": update.by_user,
                "at": update.at,
            }
            result = connection.execute(sa.insert(obligation_updates), row)
            seq = int(result.inserted_primary_key[0])  # type: ignore[index]
            audit.append(
                SqlAuditLog(connection),
                at=update.at,
                actor=update.by_user,
                action=f"obligation.{_ACTION[update.status]}",
                subject=update.obligation_id,
                details={
                    **audit_details,
                    "update": seq,
                    "from": update.previous,
                    "to": update.status,
                },
            )
        return replace(update, seq=seq)

    def current_statuses(self, obligation_ids: Sequence[str]) -> dict[str, str]:
        with self._engine.connect() as connection:
            return _latest(connection, list(dict.fromkeys(obligation_ids)))

    def updates(self, obligation_id: str) -> list[ObligationUpdate]:
        query = (
            sa.select(obligation_updates)
            .where(obligation_updates.c.obligation_id == obligation_id)
            .order_by(obligation_updates.c.seq)
        )
        with self._engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        found: list[ObligationUpdate] = []
        previous = _OPEN
        for row in rows:
            found.append(
                ObligationUpdate(
                    obligation_id=row["obligation_id"],
                    agreement_id=row["agreement_id"],
                    status=row["status"],
                    reason=row["reason"],
                    by_user=row["by_user"],
                    at=row["at"],
                    previous=previous,
                    seq=int(row["seq"]),
                )
            )
            previous = row["status"]
        return found


def _latest(connection: sa.Connection, obligation_ids: Sequence[str]) -> dict[str, str]:
    """Obligation id -> status of its latest update (highest seq), for ids that have one."""
    found: dict[str, str] = {}
    for part in _chunks(obligation_ids):
        last = (
            sa.select(sa.func.max(obligation_updates.c.seq).label("seq"))
            .where(obligation_updates.c.obligation_id.in_(part))
            .group_by(obligation_updates.c.obligation_id)
            .subquery()
        )
        query = sa.select(obligation_updates.c.obligation_id, obligation_updates.c.status).join(
            last, last.c.seq == obligation_updates.c.seq
        )
        for obligation_id, status in connection.execute(query):
            found[str(obligation_id)] = str(status)
    return found


_LOCK_SPACE = 0x4F424C47  # first key of the advisory locks of obligation updates ("OBLG")


def _lock_obligation(connection: sa.Connection, obligation_id: str) -> None:
    """Let one update of ``obligation_id`` at a time read its status and append the next.

    SQLite has one writer (``writer_connection``), which is enough. On PostgreSQL two
    transactions could both read ``open`` and both append (acknowledged twice, or done and
    waived); a transaction-scoped advisory lock on the obligation makes the second wait and
    then read the first one's row.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:space, hashtext(:id))"),
            {"space": _LOCK_SPACE, "id": obligation_id},
        )
