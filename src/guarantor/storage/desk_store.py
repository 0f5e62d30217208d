"""The desk's reads in SQL: :class:`SqlDeskReader`, the
:class:`~guarantor.services.desk_ports.DeskReader` of SQLite and PostgreSQL.

Everything is filtered, counted and paginated in SQL: releasability as
``releasability IN (...)`` of the markings the service released (plus ``IS NULL``, which is
PUBLIC), lists by keyset on (time, id) newest first (no OFFSET), counts per day and oblast
with ``GROUP BY``. Only the few rows of a page, a detail or a group are turned into objects.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from guarantor.services.desk_ports import (
    IncidentQuery,
    Key,
    MarkedTable,
    ReportQuery,
    Visible,
)
from guarantor.services.desk_views import (
    ActivationView,
    DecisionView,
    IncidentDetail,
    IncidentSummary,
    Marker,
    MemberReport,
    ObligationView,
    ReportDetail,
    ReportSummary,
    SourceView,
    ViolationView,
)
from guarantor.storage.desk_cube import Cube, answerable, cube_cache, day_of
from guarantor.storage.desk_rows import (
    INCIDENT_SUMMARY,
    REPORT_SUMMARY,
    activation_of,
    ids_condition,
    json_or_none,
    member_of,
    obligation_of,
    report_summary,
    summary_of,
    violation_of,
)
from guarantor.storage.incident_tables import (
    activations,
    fusion_decisions,
    incident_members,
    incidents,
    obligations,
    violations,
)
from guarantor.storage.obligation_tables import obligation_updates
from guarantor.storage.report_tables import reports, sources

__all__ = ["SqlDeskReader"]

_CHUNK = 5000
_I, _R, _V = incidents.c, reports.c, violations.c


def _visible(column: sa.ColumnElement[Any], visible: Visible | None) -> sa.ColumnElement[bool]:
    if visible is None:
        return sa.true()
    conditions: list[sa.ColumnElement[bool]] = []
    if visible.markings:
        conditions.append(column.in_(list(visible.markings)))
    if visible.null:
        conditions.append(column.is_(None))
    return sa.or_(*conditions) if conditions else sa.false()


def _after(time: sa.ColumnElement[Any], key: sa.ColumnElement[Any], after: Key | None) -> Any:
    if after is None:
        return sa.true()
    at, item_id = after
    return sa.and_(time <= at, sa.or_(time < at, key < item_id))


def _newest_first(
    columns: Sequence[sa.ColumnElement[Any]],
    where: Sequence[Any],
    time: sa.ColumnElement[Any],
    key: sa.ColumnElement[Any],
    after: Key | None,
    limit: int,
) -> sa.Select[Any]:
    """One keyset page: rows matching ``where`` after ``after``, newest ``time`` first (ties
    broken by ``key``, descending)."""
    return (
        sa.select(*columns)
        .where(*where, _after(time, key, after))
        .order_by(time.desc(), key.desc())
        .limit(limit)
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: sa.ColumnElement[Any], text: str) -> sa.ColumnElement[bool]:
    return column.ilike(_like(text), escape="\\")


def _incident_where(
    query: IncidentQuery, inside: sa.ColumnElement[bool] | None = None
) -> list[sa.ColumnElement[bool]]:
    """The conditions of ``query`` on incidents; ``inside`` is its zone, resolved by the
    reader to the incidents in it (:meth:`SqlDeskReader._inside`)."""
    where = [_visible(_I.releasability, query.visible)]
    if inside is not None:
        where.append(inside)
    if query.since is not None:
        where.append(_I.time >= query.since)
    if query.until is not None:
        where.append(_I.time < query.until)
    if query.oblasts is not None:
        where.append(_I.oblast.in_(list(query.oblasts)))
    if query.bbox is not None:
        lon_min, lat_min, lon_max, lat_max = query.bbox
        where += [_I.lon.between(lon_min, lon_max), _I.lat.between(lat_min, lat_max)]
    if query.type is not None:
        where.append(_I.type == query.type)
    if query.status is not None:
        where.append(_I.status == query.status)
    if query.statuses is not None:
        where.append(_I.status.in_(list(query.statuses)))
    if query.q is not None:
        in_text = (
            sa.select(incident_members.c.incident_id)
            .join(reports, _R.report_key == incident_members.c.report_key)
            .where(_contains(_R.text, query.q))
        )
        where.append(
            sa.or_(
                _contains(_I.place_name, query.q),
                _contains(_I.type, query.q),
                _contains(_I.actor, query.q),
                _I.incident_id.in_(in_text),
            )
        )
    return where


def _report_where(query: ReportQuery) -> list[sa.ColumnElement[bool]]:
    where = [_visible(_R.releasability, query.visible)]
    if query.since is not None:
        where.append(_R.observed_at >= query.since)
    if query.until is not None:
        where.append(_R.observed_at < query.until)
    if query.oblast is not None:
        where.append(_R.admin1 == query.oblast)
    if query.type is not None:
        where.append(_R.type == query.type)
    if query.source_id is not None:
        where.append(_R.source_id == query.source_id)
    if query.q is not None:
        where.append(
            sa.or_(
                _contains(_R.place_name, query.q),
                _contains(_R.type, query.q),
                _contains(_R.text, query.q),
            )
        )
    return where


def _violation_where(
    query: IncidentQuery, inside: sa.ColumnElement[bool] | None = None
) -> list[sa.ColumnElement[bool]]:
    where = _incident_where(query, inside)
    if query.agreement_id is not None:
        where.append(_V.agreement_id == query.agreement_id)
    return where


class SqlDeskReader:
    """The desk's read queries over the incident, report and result tables. Counts, first
    pages and markers come from the data version the reader first sees (one check per
    reader): make one reader per request."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._seen: Cube | None = None

    def _cube(self) -> Cube:
        """The counts of the data version this reader first saw: a reader answers one
        request (or one consistent view); make a new one per request."""
        if self._seen is None:
            self._seen = cube_cache(self._engine).cube()
        return self._seen

    def _all(self, query: sa.Executable) -> Sequence[Any]:
        with self._engine.connect() as connection:
            return connection.execute(query).all()

    def _scalar(self, query: sa.Executable) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def _inside(self, query: IncidentQuery) -> sa.ColumnElement[bool] | None:
        """The condition "the incident lies in ``query.inside``" (None without a zone): the
        ids of the incidents matching the other filters whose point is in the zone's shape,
        found once per data version (the bounding box in SQL, the shape with shapely)."""
        if query.inside is None:
            return None
        ids = self._cube().remember(("inside", query), lambda: self._ids_inside(query))
        return ids_condition(self._engine.dialect.name, _I.incident_id, ids)

    def _ids_inside(self, query: IncidentQuery) -> tuple[str, ...]:
        assert query.inside is not None
        shape = query.inside.geometry
        lon_min, lat_min, lon_max, lat_max = shape.bounds
        rows = self._all(
            sa.select(_I.incident_id, _I.lon, _I.lat).where(
                *_incident_where(replace(query, inside=None)),
                _I.lon.between(lon_min, lon_max),
                _I.lat.between(lat_min, lat_max),
            )
        )
        if not rows:
            return ()
        lon = np.fromiter((r[1] for r in rows), dtype=np.float64, count=len(rows))
        lat = np.fromiter((r[2] for r in rows), dtype=np.float64, count=len(rows))
        inside = shapely.intersects_xy(shape, lon, lat)  # the boundary counts as inside
        return tuple(str(row[0]) for row, hit in zip(rows, inside.tolist(), strict=True) if hit)

    def data_version(self) -> tuple[Any, ...]:
        """The data version this reader answers on (see :mod:`guarantor.storage.desk_cube`):
        incidents and results change only with it."""
        return self._cube().version

    def markings(self, table: MarkedTable) -> tuple[str | None, ...]:
        if table == "reports":
            return cube_cache(self._engine).report_markings()
        return self._cube().incident_markings()

    # --- incidents ------------------------------------------------------------------------

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
        where = _incident_where(query, self._inside(query))
        select = _newest_first(INCIDENT_SUMMARY, where, _I.time, _I.incident_id, after, limit)
        return [summary_of(r) for r in self._all(select)]

    def count_incidents(self, query: IncidentQuery) -> int:
        if answerable(query):
            return self._cube().count_incidents(query)
        return self._scalar(
            sa.select(sa.func.count())
            .select_from(incidents)
            .where(*_incident_where(query, self._inside(query)))
        )

    def incident(self, incident_id: str, visible: Visible | None) -> IncidentDetail | None:
        found = self._all(
            sa.select(
                *INCIDENT_SUMMARY,
                _I.time_until, _I.time_precision, _I.place_precision, _I.sector,
                _I.calibre_mm, _I.target, _I.count, _I.disagreements,
            ).where(_I.incident_id == incident_id, _visible(_I.releasability, visible))
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
            sa.select(*_VIOLATION_COLUMNS, _I.time)
            .join(incidents, _I.incident_id == _V.incident_id)
            .where(_V.incident_id == incident_id)
            .order_by(_V.agreement_id, _V.rule_id, _V.revision)
        )
        return [violation_of(r) for r in rows]

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

    # --- reports and sources --------------------------------------------------------------

    def report_page(self, query: ReportQuery, after: Key | None, limit: int) -> list[ReportSummary]:
        where = _report_where(query)
        select = _newest_first(REPORT_SUMMARY, where, _R.observed_at, _R.report_key, after, limit)
        return [report_summary(r) for r in self._all(select)]

    def count_reports(self, query: ReportQuery) -> int:
        return self._scalar(
            sa.select(sa.func.count()).select_from(reports).where(*_report_where(query))
        )

    def report(self, report_key: str, visible: Visible | None) -> ReportDetail | None:
        rows = self._all(
            sa.select(reports, incident_members.c.incident_id)
            .outerjoin(incident_members, incident_members.c.report_key == _R.report_key)
            .where(_R.report_key == report_key, _visible(_R.releasability, visible))
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

    def sources(self, visible: Visible | None) -> list[SourceView]:
        s = sources.c
        counted = (
            sa.select(_R.source_id, sa.func.count().label("n"))
            .where(_visible(_R.releasability, visible))
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

    # --- results --------------------------------------------------------------------------

    def violation_page(
        self, query: IncidentQuery, after: Key | None, limit: int
    ) -> list[ViolationView]:
        """Two steps, so that the time index drives: the next incidents (newest first) that
        have a matching violation, then their violations, ordered and cut here."""
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
            .where(*_incident_where(query, self._inside(query)), has.exists(), start)
            .order_by(_I.time.desc(), _I.incident_id.desc())
            .limit(limit + 1)  # each has a violation at least; the cursor's may have none left
        )
        ids = [str(row[0]) for row in rows]
        if not ids:
            return []
        select = (
            sa.select(*_VIOLATION_COLUMNS, _I.time)
            .join(incidents, _I.incident_id == _V.incident_id)
            .where(_V.incident_id.in_(ids))
        )
        if query.agreement_id is not None:
            select = select.where(_V.agreement_id == query.agreement_id)
        found = [violation_of(r) for r in self._all(select)]
        ordered = sorted(found, key=_violation_key, reverse=True)
        if after is not None:
            ordered = [v for v in ordered if _violation_key(v) < after]
        return ordered[:limit]

    def count_violations(self, query: IncidentQuery) -> int:
        if answerable(query):
            return self._cube().count_violations(query)
        return self._scalar(
            sa.select(sa.func.count())
            .select_from(violations.join(incidents, _I.incident_id == _V.incident_id))
            .where(*_violation_where(query, self._inside(query)))
        )

    def activations(self, agreement_id: str | None) -> list[ActivationView]:
        select = sa.select(activations)
        if agreement_id is not None:
            select = select.where(activations.c.agreement_id == agreement_id)
        return [activation_of(r._mapping) for r in self._all(select)]

    def obligations(self, agreement_id: str | None, party: str | None) -> list[ObligationView]:
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
        select = (
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
        if agreement_id is not None:
            select = select.where(o.agreement_id == agreement_id)
        if party is not None:
            select = select.where(o.party == party)
        return [obligation_of(r._mapping) for r in self._all(select)]

    # --- dashboard ------------------------------------------------------------------------

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
                *_incident_where(query, self._inside(query)),
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
            sa.select(group, sa.func.count()).where(*_incident_where(query, inside)).group_by(group)
        )
        violated = self._all(
            sa.select(group, sa.func.count())
            .select_from(violations.join(incidents, _I.incident_id == _V.incident_id))
            .where(*_violation_where(query, inside))
            .group_by(group)
        )
        found = {k: [int(n), 0] for k, n in counted}
        for k, n in violated:
            found.setdefault(k, [0, 0])[1] = int(n)
        ordered = sorted(found.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
        return [(k, i, v) for k, (i, v) in ordered]


def _violation_key(v: ViolationView) -> Key:
    return (v.incident_time, f"{v.incident_id}|{v.rule_id}|{v.revision}|{v.agreement_id}")


_VIOLATION_COLUMNS = (
    _V.agreement_id, _V.incident_id, _V.rule_id, _V.revision, _V.clause, _V.version_id,
    _V.time, _V.explanation,
)  # fmt: skip
