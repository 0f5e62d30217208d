"""What the desk's read service returns: frozen dataclasses, and the filters it takes.

Every value here was computed over items visible to the principal who asked (see
:mod:`guarantor.services.desk`); nothing in them names an item that was not released to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from guarantor.errors import GuarantorError

__all__ = [
    "ActivationView",
    "CursorInvalid",
    "Dashboard",
    "DayCount",
    "DecisionView",
    "IncidentDetail",
    "IncidentFilter",
    "IncidentSummary",
    "Marker",
    "MemberReport",
    "OblastCount",
    "ObligationView",
    "Page",
    "ReportDetail",
    "ReportFilter",
    "ReportSummary",
    "SearchResult",
    "SourceView",
    "Totals",
    "ViolationView",
]

T = TypeVar("T")


class CursorInvalid(GuarantorError):
    """A pagination cursor that this server did not hand out (edited, truncated, or from
    another list)."""

    code = "cursor_invalid"
    http_status = 400


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: ``next_cursor`` None on the last page; ``total`` counts the
    visible items that match the filter (every page, not this one)."""

    items: tuple[T, ...]
    next_cursor: str | None
    total: int


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """Filters of incident lists (and of what rests on incidents: violations, dashboard).

    ``since`` inclusive, ``until`` exclusive (aware datetimes); ``zone`` is a zone id of
    ``agreement_id``; ``q`` searches place name, type, actor and the text of member reports.
    """

    since: datetime | None = None
    until: datetime | None = None
    oblast: str | None = None
    zone: str | None = None
    type: str | None = None
    status: str | None = None
    statuses: tuple[str, ...] | None = None  # any of these (with ``status``: both must hold)
    q: str | None = None
    agreement_id: str | None = None
    zone_oblasts: tuple[str, ...] | None = None  # the oblasts of ``zone``, resolved by the caller
    zone_shape: Any = None  # or its WGS 84 geometry (any other zone), resolved by the caller


@dataclass(frozen=True, slots=True)
class ReportFilter:
    since: datetime | None = None
    until: datetime | None = None
    oblast: str | None = None
    type: str | None = None
    source_id: str | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class IncidentSummary:
    incident_id: str
    time: datetime
    lat: float | None
    lon: float | None
    place_name: str | None
    oblast: str | None
    raion: str | None
    type: str | None
    weapon: str | None
    severity: int | None
    deaths: int | None
    injured: int | None
    actor: str | None
    status: str | None
    reports: int | None
    sources: int | None
    credibility: int | None
    reliability: str | None
    releasability: str | None


@dataclass(frozen=True, slots=True)
class MemberReport:
    report_key: str
    source_id: str
    observed_at: datetime
    place_name: str | None
    type: str | None
    weapon: str | None
    text: str | None
    reliability: str | None
    credibility: int | None
    releasability: str | None
    joined_by: str | None
    evidence: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ViolationView:
    agreement_id: str
    incident_id: str
    rule_id: str
    revision: str
    clause: str | None
    version_id: str | None
    time: datetime | None
    explanation: dict[str, Any] | None
    incident_time: datetime  # the order of violation lists (newest incident first)


@dataclass(frozen=True, slots=True)
class DecisionView:
    seq: int
    kind: str
    who: str
    at: datetime
    record: dict[str, Any]


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    summary: IncidentSummary
    time_until: datetime | None
    time_precision: int | None
    place_precision: int | None
    sector: str | None
    calibre_mm: float | None
    target: str | None
    count: int | None
    disagreements: dict[str, Any] | None
    members: tuple[MemberReport, ...]
    violations: tuple[ViolationView, ...]
    decisions: tuple[DecisionView, ...]


@dataclass(frozen=True, slots=True)
class ReportSummary:
    report_key: str
    source_id: str
    observed_at: datetime
    lat: float | None
    lon: float | None
    place_name: str | None
    admin1: str | None
    type: str | None
    weapon: str | None
    severity: int | None
    reliability: str | None
    credibility: int | None
    releasability: str | None


@dataclass(frozen=True, slots=True)
class ReportDetail:
    summary: ReportSummary
    fields: dict[str, Any]  # every stored column of the report, times as ISO 8601
    incident_id: str | None  # None: not fused, or its incident is not visible


@dataclass(frozen=True, slots=True)
class SourceView:
    id: str
    name: str
    kind: str
    reliability: str
    organisation: str
    reports: int  # visible reports of the source


@dataclass(frozen=True, slots=True)
class ActivationView:
    agreement_id: str
    activation_id: str
    rule_id: str | None
    revision: str | None
    version_id: str | None
    group_key: str | None
    time: datetime | None
    incident_id: str | None
    measure: float | None
    threshold: float | None
    window_start: datetime | None
    window_end: datetime | None
    contributing: tuple[str, ...]
    explanation: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ObligationView:
    agreement_id: str
    obligation_id: str
    activation_id: str | None
    rule_id: str | None
    directive_id: str | None
    party: str | None
    action: str | None
    due: datetime | None
    version_id: str | None
    status: str  # current: the latest update's, else "open"
    status_reason: str | None
    status_by: str | None
    status_at: datetime | None
    overdue: bool
    contributing: tuple[str, ...]
    explanation: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Marker:
    incident_id: str
    lat: float
    lon: float
    type: str | None
    severity: int | None
    time: datetime
    violated: bool


@dataclass(frozen=True, slots=True)
class DayCount:
    day: str  # YYYY-MM-DD (UTC)
    incidents: int
    violations: int


@dataclass(frozen=True, slots=True)
class OblastCount:
    oblast: str | None
    incidents: int
    violations: int


@dataclass(frozen=True, slots=True)
class Totals:
    incidents: int
    violations: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    markers: tuple[Marker, ...]  # most recent first, at most ``marker_cap``
    marker_cap: int
    markers_capped: bool  # True when more incidents matched than the cap
    per_day: tuple[DayCount, ...]
    per_oblast: tuple[OblastCount, ...]
    totals: Totals


@dataclass(frozen=True, slots=True)
class SearchResult:
    incidents: tuple[IncidentSummary, ...]
    reports: tuple[ReportSummary, ...]
    limit: int
