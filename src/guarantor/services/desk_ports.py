"""What the desk's read service needs from storage: the :class:`DeskReader` port.

Releasability reaches storage as a :class:`Visible`: the distinct markings released to the
principal (computed by the service with :func:`~guarantor.services.security.released_to`),
so that storage filters with ``releasability IN (...)`` and never decides who sees what.
``None`` instead of a ``Visible`` means "everything" (the verification cell).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from guarantor.services.desk_views import (
    ActivationView,
    DecisionView,
    IncidentDetail,
    IncidentSummary,
    Marker,
    ObligationView,
    ReportDetail,
    ReportSummary,
    SourceView,
    ViolationView,
)

__all__ = [
    "DeskReader",
    "IncidentQuery",
    "Key",
    "MarkedTable",
    "ReportQuery",
    "Visible",
    "ZoneShape",
    "violation_key",
]

MarkedTable = Literal["reports", "incidents"]
Key = tuple[datetime, str]
"""A keyset position: (time, id) of the last item of the previous page (lists run newest
first)."""


def violation_key(v: ViolationView) -> Key:
    """The keyset position of a violation: its incident's time, then its ids (violation
    lists are paged by it, in storage and in the cursors the service hands out)."""
    return (v.incident_time, f"{v.incident_id}|{v.rule_id}|{v.revision}|{v.agreement_id}")


@dataclass(frozen=True, slots=True)
class Visible:
    """Markings released to the principal; ``null`` whether unmarked items (PUBLIC) are."""

    markings: tuple[str, ...]
    null: bool = True


@dataclass(frozen=True, slots=True)
class ZoneShape:
    """An agreement zone as a place filter: ``key`` names it (agreement, version, zone) and
    stands for ``geometry`` (its WGS 84 shape) in comparisons and cache keys."""

    key: str
    geometry: Any = field(compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class IncidentQuery:
    visible: Visible | None
    since: datetime | None = None
    until: datetime | None = None
    oblasts: tuple[str, ...] | None = None  # oblast filter, or the units of an admin zone
    bbox: tuple[float, float, float, float] | None = None  # lon_min, lat_min, lon_max, lat_max
    type: str | None = None
    status: str | None = None
    statuses: tuple[str, ...] | None = None  # any of these
    q: str | None = None
    agreement_id: str | None = None  # violations, and the ``violated`` flag of markers
    inside: ZoneShape | None = None  # incidents whose point lies in this zone


@dataclass(frozen=True, slots=True)
class ReportQuery:
    visible: Visible | None
    since: datetime | None = None
    until: datetime | None = None
    oblast: str | None = None
    type: str | None = None
    source_id: str | None = None
    q: str | None = None


class DeskReader(Protocol):
    def markings(self, table: MarkedTable) -> tuple[str | None, ...]:
        """The distinct ``releasability`` values of a table (few)."""

    # --- incidents ------------------------------------------------------------------------

    def incident_page(
        self, query: IncidentQuery, after: Key | None, limit: int
    ) -> list[IncidentSummary]:
        """Up to ``limit`` matching incidents after ``after``, newest first (time, id)."""

    def count_incidents(self, query: IncidentQuery) -> int: ...

    def incident(self, incident_id: str, visible: Visible | None) -> IncidentDetail | None:
        """The incident with members, violations (every agreement) and no decisions; None
        when unknown or not visible."""

    def decisions(self) -> list[DecisionView]:
        """Every analyst decision, in order."""

    def report_markings(self, report_keys: Sequence[str]) -> dict[str, str | None]:
        """Report key -> releasability, for stored keys."""

    def incident_markings(self, incident_ids: Sequence[str]) -> dict[str, str | None]:
        """Incident id -> releasability, for stored incidents."""

    # --- reports and sources --------------------------------------------------------------

    def report_page(self, query: ReportQuery, after: Key | None, limit: int) -> list[ReportSummary]:
        """Up to ``limit`` matching reports after ``after``, newest first (observed_at, key)."""

    def count_reports(self, query: ReportQuery) -> int: ...

    def report(self, report_key: str, visible: Visible | None) -> ReportDetail | None:
        """The report, with the id of its incident when that incident is visible too."""

    def sources(self, visible: Visible | None) -> list[SourceView]:
        """Sources with at least one visible report (every source for ``None``)."""

    # --- results --------------------------------------------------------------------------

    def violation_page(
        self, query: IncidentQuery, after: Key | None, limit: int
    ) -> list[ViolationView]:
        """Violations (of ``query.agreement_id``, or every agreement) whose incident matches,
        newest first by (incident time, incident id|rule id|revision|agreement)."""

    def count_violations(self, query: IncidentQuery) -> int: ...

    def activations(self, agreement_id: str | None) -> list[ActivationView]: ...

    def obligations(self, agreement_id: str | None, party: str | None) -> list[ObligationView]:
        """Obligations with their current status (overdue False; the service sets it)."""

    # --- dashboard ------------------------------------------------------------------------

    def markers(self, query: IncidentQuery, cap: int) -> list[Marker]:
        """Up to ``cap`` matching incidents with a place, newest first."""

    def per_day(self, query: IncidentQuery) -> list[tuple[str, int, int]]:
        """(UTC day, incidents, violations) of matching incidents, by day."""

    def per_oblast(self, query: IncidentQuery) -> list[tuple[str | None, int, int]]:
        """(oblast, incidents, violations) of matching incidents, by oblast."""
