"""The desk's counts in SQL: totals of incidents, reports and violations, and the
dashboard's map markers and counts per day and per oblast (``GROUP BY``).

Counts the data-version cube can answer (:mod:`guarantor.storage.desk_cube`) come from it;
the others are counted here. Markers are remembered per data version.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from guarantor.services.desk_ports import IncidentQuery, ReportQuery
from guarantor.services.desk_views import Marker
from guarantor.storage.desk_cube import answerable, day_of
from guarantor.storage.desk_sql import DeskSql, incident_where, report_where, violation_where
from guarantor.storage.incident_tables import incidents, violations
from guarantor.storage.report_tables import reports

__all__ = ["DeskCounts"]

_I, _V = incidents.c, violations.c


class DeskCounts(DeskSql):
    """The counting reads of :class:`~guarantor.storage.desk_store.SqlDeskReader`."""

    def count_incidents(self, query: IncidentQuery) -> int:
        if answerable(query):
            return self._cube().count_incidents(query)
        return self._scalar(
            sa.select(sa.func.count())
            .select_from(incidents)
            .where(*incident_where(query, self._inside(query)))
        )

    def count_reports(self, query: ReportQuery) -> int:
        return self._scalar(
            sa.select(sa.func.count()).select_from(reports).where(*report_where(query))
        )

    def count_violations(self, query: IncidentQuery) -> int:
        if answerable(query):
            return self._cube().count_violations(query)
        return self._scalar(
            sa.select(sa.func.count())
            .select_from(violations.join(incidents, _I.incident_id == _V.incident_id))
            .where(*violation_where(query, self._inside(query)))
        )

    def markers(self, query: IncidentQuery, cap: int) -> list[Marker]:
        """Remembered per data version: the same map is asked for by many users."""
        cube = self._cube()
        return cube.remember(("markers", query, cap), lambda: self._markers(query, cap))

    def _markers(self, query: IncidentQuery, cap: int) -> list[Marker]:
        violated = sa.select(_V.incident_id).where(_V.incident_id == _I.incident_id)
        if query.agreement_id is not None:
            violated = violated.where(_V.agreement_id == query.agreement_id)
        select = (
            sa.select(
                _I.incident_id, _I.lat, _I.lon, _I.type, _I.severity, _I.time,
                violated.exists().label("violated"),
            )
            .where(
                *incident_where(query, self._inside(query)),
                _I.lat.is_not(None),
                _I.lon.is_not(None),
            )
            .order_by(_I.time.desc(), _I.incident_id.desc())
            .limit(cap)
        )  # fmt: skip
        return [
            Marker(str(i), float(lat), float(lon), t, s, time, bool(v))
            for i, lat, lon, t, s, time, v in self._all(select)
        ]

    def per_day(self, query: IncidentQuery) -> list[tuple[str, int, int]]:
        if answerable(query):
            found = self._cube().grouped(query, "day")
        else:
            found = self._grouped(query, day_of(self._engine, _I.time))
        return [(str(k), i, v) for k, i, v in found]

    def per_oblast(self, query: IncidentQuery) -> list[tuple[str | None, int, int]]:
        if answerable(query):
            found = self._cube().grouped(query, "oblast")
        else:
            found = self._grouped(query, _I.oblast)
        return [(k if k is None else str(k), i, v) for k, i, v in found]

    def _grouped(
        self, query: IncidentQuery, by: sa.ColumnElement[Any]
    ) -> list[tuple[Any, int, int]]:
        group = by.label("g")
        inside = self._inside(query)
        counted = self._all(
            sa.select(group, sa.func.count()).where(*incident_where(query, inside)).group_by(group)
        )
        violated = self._all(
            sa.select(group, sa.func.count())
            .select_from(violations.join(incidents, _I.incident_id == _V.incident_id))
            .where(*violation_where(query, inside))
            .group_by(group)
        )
        found = {k: [int(n), 0] for k, n in counted}
        for k, n in violated:
            found.setdefault(k, [0, 0])[1] = int(n)
        ordered = sorted(found.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
        return [(k, i, v) for k, (i, v) in ordered]
