"""Ports of the obligation-status use cases: what they need from storage.

An obligation is produced by an evaluation (table ``obligations``); its *status* is kept apart,
as an append-only list of updates (:class:`ObligationUpdate`). :class:`ObligationStore` finds
the facts that decide who may update an obligation (:class:`ObligationFacts`) and appends an
update and its audit entry in one transaction (:meth:`ObligationStore.apply`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

__all__ = [
    "IncidentMarkings",
    "ObligationFacts",
    "ObligationStore",
    "ObligationUpdate",
    "Step",
]


@dataclass(frozen=True, slots=True)
class ObligationFacts:
    """A stored obligation as access control sees it.

    ``markings`` holds the releasability of each incident its activation rests on (its
    contributing incidents); ``complete`` is False when some of those incidents are no longer
    stored (re-fused under another id), and then only the verification cell may see it.
    """

    obligation_id: str
    agreement_id: str
    party: str | None
    markings: tuple[str | None, ...]
    complete: bool


@dataclass(frozen=True, slots=True)
class ObligationUpdate:
    """One status change, as stored: ``status`` is ``acknowledged``, ``done`` or ``waived``."""

    obligation_id: str
    agreement_id: str
    status: str
    reason: str | None
    by_user: str
    at: datetime
    previous: str  # the status it replaced (``open`` when there was none)
    seq: int = 0  # assigned by the store


Step = Callable[[str], ObligationUpdate]
"""Given the current status (read under the writer lock), the update to append (or raise)."""


class IncidentMarkings(Protocol):
    def incident_markings(self, incident_ids: Sequence[str]) -> dict[str, str | None]:
        """Stored incident id -> its releasability; unknown ids are absent."""


class ObligationStore(IncidentMarkings, Protocol):
    def facts(self, obligation_id: str) -> ObligationFacts | None:
        """The stored obligation with that id (any agreement), or None."""

    def apply(
        self, obligation_id: str, step: Step, *, audit_details: Mapping[str, Any]
    ) -> ObligationUpdate:
        """Under the writer lock: read the current status, call ``step`` with it, append the
        update it returns and its audit entry, in one transaction; the stored update."""

    def current_statuses(self, obligation_ids: Sequence[str]) -> dict[str, str]:
        """Obligation id -> the status of its latest update; ids without updates are absent."""

    def updates(self, obligation_id: str) -> list[ObligationUpdate]:
        """Every update of an obligation, oldest first."""
