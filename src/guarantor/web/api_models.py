"""Response models of the desk's read API (they make the OpenAPI document).

Each mirrors a dataclass of :mod:`guarantor.services.desk_views` and is built from it with
``model_validate`` (``from_attributes``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ActivationOut",
    "ActivationPage",
    "DashboardOut",
    "DecisionOut",
    "IncidentDetailOut",
    "IncidentOut",
    "IncidentPage",
    "ObligationOut",
    "ObligationPage",
    "ReportDetailOut",
    "ReportOut",
    "ReportPage",
    "SearchOut",
    "SourceOut",
    "ViolationOut",
    "ViolationPage",
]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class IncidentOut(_Out):
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
    reports: int | None = Field(description="member reports")
    sources: int | None = Field(description="independent sources")
    credibility: int | None
    reliability: str | None
    releasability: str | None


class _Page(_Out):
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null: last")
    total: int = Field(description="matching items visible to you, on every page")


class IncidentPage(_Page):
    items: list[IncidentOut]


class MemberOut(_Out):
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
    joined_by: str | None = Field(description="the member it was linked to; null: the seed")
    evidence: dict[str, Any] | None = Field(description="why it joined (distance, hours, ...)")


class ViolationOut(_Out):
    agreement_id: str
    incident_id: str
    rule_id: str
    revision: str
    clause: str | None
    version_id: str | None
    time: datetime | None
    explanation: dict[str, Any] | None
    incident_time: datetime


class ViolationPage(_Page):
    items: list[ViolationOut]


class DecisionOut(_Out):
    seq: int
    kind: str
    who: str
    at: datetime
    record: dict[str, Any]


class IncidentDetailOut(_Out):
    summary: IncidentOut
    time_until: datetime | None
    time_precision: int | None
    place_precision: int | None
    sector: str | None
    calibre_mm: float | None
    target: str | None
    count: int | None
    disagreements: dict[str, Any] | list[Any] | None
    members: list[MemberOut]
    violations: list[ViolationOut]
    decisions: list[DecisionOut]


class ReportOut(_Out):
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


class ReportPage(_Page):
    items: list[ReportOut]


class ReportDetailOut(_Out):
    summary: ReportOut
    fields: dict[str, Any]
    incident_id: str | None = Field(description="its incident, when fused and visible to you")


class SourceOut(_Out):
    id: str
    name: str
    kind: str
    reliability: str
    organisation: str
    reports: int = Field(description="reports of the source visible to you")


class ActivationOut(_Out):
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
    contributing: list[str]
    explanation: dict[str, Any] | None


class ActivationPage(_Page):
    items: list[ActivationOut]


class ObligationOut(_Out):
    agreement_id: str
    obligation_id: str
    activation_id: str | None
    rule_id: str | None
    directive_id: str | None
    party: str | None
    action: str | None
    due: datetime | None
    version_id: str | None
    status: str = Field(description="open, acknowledged, done or waived")
    status_reason: str | None
    status_by: str | None
    status_at: datetime | None
    overdue: bool = Field(description="due has passed while open or acknowledged")


class ObligationPage(_Page):
    items: list[ObligationOut]


class MarkerOut(_Out):
    incident_id: str
    lat: float
    lon: float
    type: str | None
    severity: int | None
    time: datetime
    violated: bool


class DayCountOut(_Out):
    day: str
    incidents: int
    violations: int


class OblastCountOut(_Out):
    oblast: str | None
    incidents: int
    violations: int


class TotalsOut(_Out):
    incidents: int
    violations: int


class DashboardOut(_Out):
    markers: list[MarkerOut] = Field(description="most recent first, at most marker_cap")
    marker_cap: int
    markers_capped: bool = Field(description="more incidents matched than the cap")
    per_day: list[DayCountOut]
    per_oblast: list[OblastCountOut]
    totals: TotalsOut


class SearchOut(_Out):
    incidents: list[IncidentOut]
    reports: list[ReportOut]
    limit: int
