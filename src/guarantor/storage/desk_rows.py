"""Rows of the desk's queries to the read service's dataclasses (:mod:`.desk_store`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from guarantor.services.desk_views import (
    ActivationView,
    IncidentSummary,
    MemberReport,
    ObligationView,
    ReportSummary,
    ViolationView,
)
from guarantor.storage.incident_tables import incidents
from guarantor.storage.report_tables import reports

__all__ = [
    "INCIDENT_SUMMARY",
    "REPORT_SUMMARY",
    "activation_of",
    "ids_condition",
    "json_or_none",
    "member_of",
    "obligation_of",
    "report_summary",
    "summary_of",
    "violation_of",
]

INCIDENT_SUMMARY = tuple(incidents.c[name] for name in IncidentSummary.__slots__)
REPORT_SUMMARY = tuple(reports.c[name] for name in ReportSummary.__slots__)


def json_or_none(text: str | None) -> Any:
    if text is None or text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return {"text": text}


def summary_of(row: Sequence[Any]) -> IncidentSummary:
    return IncidentSummary(*row[: len(INCIDENT_SUMMARY)])


def report_summary(row: Sequence[Any]) -> ReportSummary:
    return ReportSummary(*row[: len(REPORT_SUMMARY)])


def violation_of(row: Sequence[Any]) -> ViolationView:
    agreement_id, incident_id, rule_id, revision, clause, version_id, time, explanation = row[:8]
    return ViolationView(
        agreement_id, incident_id, rule_id, revision, clause, version_id, time,
        json_or_none(explanation), incident_time=row[8],
    )  # fmt: skip


def member_of(row: Sequence[Any]) -> MemberReport:
    key, source, at, place, kind, weapon, text, reliability, credibility, marking = row[:10]
    return MemberReport(
        key, source, at, place, kind, weapon, text, reliability, credibility, marking,
        joined_by=row[10], evidence=json_or_none(row[11]),
    )  # fmt: skip


def _ids(text: str | None) -> tuple[str, ...]:
    found = json_or_none(text)
    return tuple(str(i) for i in found) if isinstance(found, list) else ()


def activation_of(row: Mapping[Any, Any]) -> ActivationView:
    return ActivationView(
        agreement_id=row["agreement_id"],
        activation_id=row["activation_id"],
        rule_id=row["rule_id"],
        revision=row["revision"],
        version_id=row["version_id"],
        group_key=row["group_key"],
        time=row["time"],
        incident_id=row["incident_id"],
        measure=row["measure"],
        threshold=row["threshold"],
        window_start=row["window_start"],
        window_end=row["window_end"],
        contributing=_ids(row["contributing"]),
        explanation=json_or_none(row["explanation"]),
    )


def obligation_of(row: Mapping[Any, Any]) -> ObligationView:
    rests_on = _ids(row["contributing"])
    if row["activation_incident"] is not None:
        rests_on += (str(row["activation_incident"]),)
    if row["activation_id"] is not None and row["contributing"] is None:
        # its activation is gone: rest on an id no incident has, so a party sees nothing
        rests_on += (f"activation:{row['activation_id']}",)
    return ObligationView(
        agreement_id=row["agreement_id"],
        obligation_id=row["obligation_id"],
        activation_id=row["activation_id"],
        rule_id=row["rule_id"],
        directive_id=row["directive_id"],
        party=row["party"],
        action=row["action"],
        due=row["due"],
        version_id=row["version_id"],
        status=row["current"] or "open",
        status_reason=row["current_reason"],
        status_by=row["current_by"],
        status_at=row["current_at"],
        overdue=False,
        contributing=rests_on,
        explanation=json_or_none(row["explanation"]),
    )


def ids_condition(
    dialect: str, column: sa.ColumnElement[Any], ids: Sequence[str]
) -> sa.ColumnElement[bool]:
    """``column`` is one of ``ids``, as one bound value however many there are (a JSON array
    read by ``json_each`` on SQLite, a text array on PostgreSQL), so a zone holding hundreds
    of thousands of incidents stays within every backend's limit on bound parameters."""
    if not ids:
        return sa.false()
    if dialect == "postgresql":
        array = sa.bindparam(None, list(ids), type_=postgresql.ARRAY(sa.Text))
        return column == sa.any_(array)
    listed = sa.func.json_each(sa.bindparam(None, json.dumps(list(ids)))).table_valued("value")
    return column.in_(sa.select(listed.c.value))
