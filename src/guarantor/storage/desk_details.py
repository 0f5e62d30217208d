"""The desk's detail reads in SQL: one incident with its member reports and violations, one
report with its incident, the analyst decisions, and the markings of given items (which the
service checks against what it released).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from guarantor.services.desk_ports import Visible
from guarantor.services.desk_views import (
    DecisionView,
    IncidentDetail,
    MemberReport,
    ReportDetail,
    ViolationView,
)
from guarantor.storage.desk_rows import (
    INCIDENT_SUMMARY,
    REPORT_SUMMARY,
    json_or_none,
    member_of,
    report_summary,
    summary_of,
    violation_of,
)
from guarantor.storage.desk_sql import VIOLATION_COLUMNS, DeskSql, visible_to
from guarantor.storage.incident_tables import (
    fusion_decisions,
    incident_members,
    incidents,
    violations,
)
from guarantor.storage.report_tables import reports

__all__ = ["DeskDetails"]

_CHUNK = 5000
_I, _R, _V = incidents.c, reports.c, violations.c


class DeskDetails(DeskSql):
    """The detail reads of :class:`~guarantor.storage.desk_store.SqlDeskReader`."""

    def incident(self, incident_id: str, visible: Visible | None) -> IncidentDetail | None:
        found = self._all(
            sa.select(
                *INCIDENT_SUMMARY,
                _I.time_until, _I.time_precision, _I.place_precision, _I.sector,
                _I.calibre_mm, _I.target, _I.count, _I.disagreements,
            ).where(_I.incident_id == incident_id, visible_to(_I.releasability, visible))
        )  # fmt: skip
        if not found:
            return None
        row = found[0]
        extra = row[len(INCIDENT_SUMMARY) :]
        return IncidentDetail(
            summary=summary_of(row),
            time_until=extra[0],
            time_precision=extra[1],
            place_precision=extra[2],
            sector=extra[3],
            calibre_mm=extra[4],
            target=extra[5],
            count=extra[6],
            disagreements=json_or_none(extra[7]),
            members=tuple(self._members(incident_id)),
            violations=tuple(self._violations_of(incident_id)),
            decisions=(),
        )

    def _members(self, incident_id: str) -> list[MemberReport]:
        m = incident_members.c
        rows = self._all(
            sa.select(
                _R.report_key, _R.source_id, _R.observed_at, _R.place_name, _R.type,
                _R.weapon, _R.text, _R.reliability, _R.credibility, _R.releasability,
                m.joined_by, m.evidence,
            )
            .join(incident_members, m.report_key == _R.report_key)
            .where(m.incident_id == incident_id)
            .order_by(_R.observed_at, _R.report_key)
        )  # fmt: skip
        return [member_of(r) for r in rows]

    def _violations_of(self, incident_id: str) -> list[ViolationView]:
        rows = self._all(
            sa.select(*VIOLATION_COLUMNS, _I.time)
            .join(incidents, _I.incident_id == _V.incident_id)
            .where(_V.incident_id == incident_id)
            .order_by(_V.agreement_id, _V.rule_id, _V.revision)
        )
        return [violation_of(r) for r in rows]

    def report(self, report_key: str, visible: Visible | None) -> ReportDetail | None:
        rows = self._all(
            sa.select(reports, incident_members.c.incident_id)
            .outerjoin(incident_members, incident_members.c.report_key == _R.report_key)
            .where(_R.report_key == report_key, visible_to(_R.releasability, visible))
        )
        if not rows:
            return None
        row = rows[0]._mapping
        fields = {
            name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in row.items()
            if name in reports.c and name != "batch_id"
        }
        summary = report_summary(tuple(row[c.name] for c in REPORT_SUMMARY))
        incident_id = row["incident_id"]
        return ReportDetail(summary, fields, None if incident_id is None else str(incident_id))

    def decisions(self) -> list[DecisionView]:
        d = fusion_decisions.c
        rows = self._all(sa.select(d.seq, d.kind, d.who, d.at, d.record).order_by(d.seq))
        return [DecisionView(int(s), str(k), str(w), at, json.loads(r)) for s, k, w, at, r in rows]

    def report_markings(self, report_keys: Sequence[str]) -> dict[str, str | None]:
        return self._markings(_R.report_key, _R.releasability, report_keys)

    def incident_markings(self, incident_ids: Sequence[str]) -> dict[str, str | None]:
        return self._markings(_I.incident_id, _I.releasability, incident_ids)

    def _markings(
        self, key: sa.ColumnElement[Any], marking: sa.ColumnElement[Any], ids: Sequence[str]
    ) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        wanted = list(dict.fromkeys(ids))
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            for k, v in self._all(sa.select(key, marking).where(key.in_(chunk))):
                found[str(k)] = v
        return found
