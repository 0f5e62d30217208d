"""The desk's details: one incident (with its member reports, violations and the analyst
decisions on it), one report (with its incident), and the analyst decisions, each showing
only what is released to the principal who asks; a not-visible item is
:class:`~guarantor.errors.NotFound` exactly like an unknown one.
"""

from __future__ import annotations

from dataclasses import replace

from guarantor.errors import NotFound
from guarantor.services.desk_ports import DeskReader
from guarantor.services.desk_queries import released_ids, visible
from guarantor.services.desk_views import DecisionView, IncidentDetail, ReportDetail
from guarantor.services.security import Principal, released_to

__all__ = ["decisions", "incident_detail", "report_detail"]


def incident_detail(reader: DeskReader, principal: Principal, incident_id: str) -> IncidentDetail:
    """The incident with its member reports, violations and the analyst decisions on it;
    :class:`NotFound` when unknown or not visible."""
    detail = reader.incident(incident_id, visible(reader, principal, "incidents"))
    if detail is None:
        raise NotFound(
            f"no incident '{incident_id}'; expected the id of an incident listed by "
            "GET /api/incidents; fix: check the id"
        )
    members = tuple(m for m in detail.members if released_to(principal, m.releasability))
    keys = {m.report_key for m in members}
    on_it = [d for d in decisions(reader, principal) if keys & set(_decision_keys(d))]
    return replace(detail, members=members, decisions=tuple(on_it))


def _decision_keys(decision: DecisionView) -> list[str]:
    record = decision.record
    keys: list[str] = []
    for name in ("report_key", "first", "second"):
        if name in record:
            keys.append(str(record[name]))
    keys.extend(str(k) for k in record.get("report_keys", ()))
    for group in record.get("groups", ()):
        keys.extend(str(k) for k in group)
    return keys


def decisions(reader: DeskReader, principal: Principal) -> list[DecisionView]:
    """Analyst decisions, in order, that name only reports visible to ``principal``."""
    every = reader.decisions()
    if principal.in_cell:
        return every
    markings = reader.report_markings(sorted({k for d in every for k in _decision_keys(d)}))
    return [d for d in every if released_ids(principal, markings, _decision_keys(d))]


def report_detail(reader: DeskReader, principal: Principal, report_key: str) -> ReportDetail:
    """The report; :class:`NotFound` when unknown or not visible. Its incident is named only
    when that incident is visible too."""
    found = reader.report(report_key, visible(reader, principal, "reports"))
    if found is None:
        raise NotFound(
            f"no report '{report_key}'; expected the key of a report listed by "
            "GET /api/reports; fix: check the key"
        )
    incident_id = found.incident_id
    if incident_id is not None and not principal.in_cell:
        markings = reader.incident_markings([incident_id])
        if not released_ids(principal, markings, [incident_id]):
            incident_id = None
    return ReportDetail(summary=found.summary, fields=found.fields, incident_id=incident_id)
