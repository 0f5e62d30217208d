"""The desk's lists in SQL: pages of incidents, reports and violations (keyset on
(time, id), newest first), and the sources, activations and obligations.

Only the few rows of a page are turned into objects; the first page of incidents is
remembered per data version (many users ask for it).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from guarantor.services.desk_ports import (
    IncidentQuery,
    Key,
    ReportQuery,
    Visible,
    violation_key,
)
from guarantor.services.desk_views import (
    ActivationView,
    IncidentSummary,
    ObligationView,
    ReportSummary,
    SourceView,
    ViolationView,
)
from guarantor.storage.desk_rows import (
    INCIDENT_SUMMARY,
    REPORT_SUMMARY,
    activation_of,
    obligation_of,
    report_summary,
    summary_of,
    violation_of,
)
from guarantor.storage.desk_sql import (
    VIOLATION_COLUMNS,
    DeskSql,
    incident_where,
    newest_first,
    report_where,
    visible_to,
)
from guarantor.storage.incident_tables import activations, incidents, obligations, violations
from guarantor.storage.obligation_tables import obligation_updates
from guarantor.storage.report_tables import reports, sources

__all__ = ["DeskLists"]

_I, _R, _V = incidents.c, reports.c, violations.c


class DeskLists(DeskSql):
    """The list reads of :class:`~guarantor.storage.desk_store.SqlDeskReader`."""

    def incident_page(
        self, query: IncidentQuery, after: Key | None, limit: int
    ) -> list[IncidentSummary]:
        if after is None and query.q is None:  # the first page, asked for by many
            cube = self._cube()
            key = ("first-page", query, limit)
            return cube.remember(key, lambda: self._incident_page(query, after, limit))
        return self._incident_page(query, after, limit)

    def _incident_page(
        self, query: IncidentQuery, after: Key | None, limit: int
    ) -> list[IncidentSummary]:
        where = incident_where(query, self._inside(query))
        select = newest_first(INCIDENT_SUMMARY, where, _I.time, _I.incident_id, after, limit)
        return [summary_of(r) for r in self._all(select)]

    def report_page(self, query: ReportQuery, after: Key | None, limit: int) -> list[ReportSummary]:
        where = report_where(query)
        select = newest_first(REPORT_SUMMARY, where, _R.observed_at, _R.report_key, after, limit)
        return [report_summary(r) for r in self._all(select)]

    def sources(self, visible: Visible | None) -> list[SourceView]:
        s = sources.c
        counted = (
            sa.select(_R.source_id, sa.func.count().label("n"))
            .where(visible_to(_R.releasability, visible))
            .group_by(_R.source_id)
            .subquery()
        )
        join = sources.join(counted, counted.c.source_id == s.id, isouter=visible is None)
        rows = self._all(
            sa.select(
                s.id, s.name, s.kind, s.reliability, s.organisation,
                sa.func.coalesce(counted.c.n, 0),
            ).select_from(join).order_by(s.id)
        )  # fmt: skip
        return [
            SourceView(str(i), str(n), str(k), str(rel), str(org), int(c))
            for i, n, k, rel, org, c in rows
        ]

    def violation_page(
        self, query: IncidentQuery, after: Key | None, limit: int
    ) -> list[ViolationView]:
        """Two steps, so that the time index drives: the next incidents (newest first) that
        have a matching violation, then their violations, ordered and cut here."""
        ids = self._incidents_violated(query, after, limit + 1)
        if not ids:
            return []
        select = (
            sa.select(*VIOLATION_COLUMNS, _I.time)
            .join(incidents, _I.incident_id == _V.incident_id)
            .where(_V.incident_id.in_(ids))
        )
        if query.agreement_id is not None:
            select = select.where(_V.agreement_id == query.agreement_id)
        found = [violation_of(r) for r in self._all(select)]
        ordered = sorted(found, key=violation_key, reverse=True)
        if after is not None:
            ordered = [v for v in ordered if violation_key(v) < after]
        return ordered[:limit]

    def _incidents_violated(self, query: IncidentQuery, after: Key | None, n: int) -> list[str]:
        """The next ``n`` incidents (from the cursor's, included) with a matching violation:
        each has one at least; the cursor's may have none left."""
        has = sa.select(_V.incident_id).where(_V.incident_id == _I.incident_id)
        if query.agreement_id is not None:
            has = has.where(_V.agreement_id == query.agreement_id)
        start: sa.ColumnElement[bool] = sa.true()
        if after is not None:  # the incident of the cursor may have violations left
            at, key = after
            start = sa.and_(
                _I.time <= at,
                sa.or_(_I.time < at, _I.incident_id <= key.split("|", 1)[0]),
            )
        rows = self._all(
            sa.select(_I.incident_id)
            .where(*incident_where(query, self._inside(query)), has.exists(), start)
            .order_by(_I.time.desc(), _I.incident_id.desc())
            .limit(n)
        )
        return [str(row[0]) for row in rows]

    def activations(self, agreement_id: str | None) -> list[ActivationView]:
        select = sa.select(activations)
        if agreement_id is not None:
            select = select.where(activations.c.agreement_id == agreement_id)
        return [activation_of(r._mapping) for r in self._all(select)]

    def obligations(self, agreement_id: str | None, party: str | None) -> list[ObligationView]:
        select = _obligations_with_status()
        if agreement_id is not None:
            select = select.where(obligations.c.agreement_id == agreement_id)
        if party is not None:
            select = select.where(obligations.c.party == party)
        return [obligation_of(r._mapping) for r in self._all(select)]


def _obligations_with_status() -> sa.Select[Any]:
    """Every obligation with its current status (its latest update's, if any) and the
    contributing incidents of its activation."""
    u, o, a = obligation_updates.c, obligations.c, activations.c
    latest = (
        sa.select(sa.func.max(u.seq).label("seq"))
        .group_by(u.agreement_id, u.obligation_id)
        .subquery()
    )
    current = (
        sa.select(u.agreement_id, u.obligation_id, u.status, u.reason, u.by_user, u.at)
        .join(latest, latest.c.seq == u.seq)
        .subquery()
    )
    c = current.c
    return (
        sa.select(
            obligations, c.status.label("current"), c.reason.label("current_reason"),
            c.by_user.label("current_by"), c.at.label("current_at"),
            a.contributing.label("contributing"), a.incident_id.label("activation_incident"),
        )
        .outerjoin(
            current,
            sa.and_(c.agreement_id == o.agreement_id, c.obligation_id == o.obligation_id),
        )
        .outerjoin(
            activations,
            sa.and_(a.agreement_id == o.agreement_id, a.activation_id == o.activation_id),
        )
    )  # fmt: skip
