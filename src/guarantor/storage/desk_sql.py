"""What every desk read shares: the conditions of a desk query in SQL (releasability, keyset
pages, text search, the incident, report and violation filters) and :class:`DeskSql`, the
base of the readers with the connection, the data version and the zone.

Releasability is ``releasability IN (...)`` of the markings the service released (plus
``IS NULL``, which is PUBLIC); lists are keyset pages on (time, id) newest first (no OFFSET).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
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
from guarantor.storage.desk_cube import Cube, cube_cache
from guarantor.storage.desk_rows import ids_condition
from guarantor.storage.incident_tables import incident_members, incidents, violations
from guarantor.storage.report_tables import reports

__all__ = [
    "VIOLATION_COLUMNS",
    "DeskSql",
    "incident_where",
    "newest_first",
    "report_where",
    "violation_where",
    "visible_to",
]

_I, _R, _V = incidents.c, reports.c, violations.c


def visible_to(column: sa.ColumnElement[Any], visible: Visible | None) -> sa.ColumnElement[bool]:
    """The condition "``column`` (a releasability) is one of ``visible``" (None: all)."""
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


def newest_first(
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


def incident_where(
    query: IncidentQuery, inside: sa.ColumnElement[bool] | None = None
) -> list[sa.ColumnElement[bool]]:
    """The conditions of ``query`` on incidents; ``inside`` is its zone, resolved by the
    reader to the incidents in it (:meth:`DeskSql._inside`)."""
    where = [visible_to(_I.releasability, query.visible)]
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


def report_where(query: ReportQuery) -> list[sa.ColumnElement[bool]]:
    """The conditions of ``query`` on reports."""
    where = [visible_to(_R.releasability, query.visible)]
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


def violation_where(
    query: IncidentQuery, inside: sa.ColumnElement[bool] | None = None
) -> list[sa.ColumnElement[bool]]:
    """The conditions of ``query`` on violations joined to their incidents."""
    where = incident_where(query, inside)
    if query.agreement_id is not None:
        where.append(_V.agreement_id == query.agreement_id)
    return where


VIOLATION_COLUMNS = (
    _V.agreement_id, _V.incident_id, _V.rule_id, _V.revision, _V.clause, _V.version_id,
    _V.time, _V.explanation,
)  # fmt: skip


class DeskSql:
    """The base of the desk's readers: the engine, the data version the reader first sees
    (one check per reader: make one reader per request) and the zone of a query."""

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
                *incident_where(replace(query, inside=None)),
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
