"""Counts of incidents and violations per (day, oblast, type, status, marking), kept per
data version: the dashboard's counts and the lists' totals without scanning a million rows.

Incidents and results change only by a fusion run or an evaluation run, each of which adds
a row to ``fusion_runs`` or ``evaluation_runs``; the data version is the count and latest
time of both. The cube is built with two ``GROUP BY`` queries when the version changes (one
thread builds it, the others wait) and answers any filter made of whole UTC days, oblast,
type, status and releasability; other filters (text, places, times within a day) go to SQL.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, TypeVar

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from guarantor.services.desk_ports import IncidentQuery
from guarantor.storage.engine import READ_TIMEOUT_OPTION
from guarantor.storage.incident_tables import evaluation_runs, fusion_runs, incidents, violations
from guarantor.storage.report_tables import import_batches, reports

__all__ = ["Cube", "CubeCache", "answerable", "cube_cache", "day_of"]

_I, _V = incidents.c, violations.c
_KEYS = ("day", "oblast", "type", "status", "releasability")
MEMO_SIZE = 256
T = TypeVar("T")


def day_of(engine: Engine, column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The UTC day of a stored time, as text YYYY-MM-DD."""
    if engine.dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD")
    return sa.func.substr(column, 1, 10)


def _whole_day(value: datetime | None) -> bool:
    """None, or midnight UTC (a day boundary the cube's days line up with)."""
    if value is None:
        return True
    offset = value.utcoffset()
    return offset is not None and not offset and value.time() == time(0)


def answerable(query: IncidentQuery) -> bool:
    """Whether the cube holds the answer (no text or place filter; whole UTC days)."""
    return (
        query.q is None
        and query.bbox is None
        and query.inside is None
        and _whole_day(query.since)
        and _whole_day(query.until)
    )


@dataclass(frozen=True, slots=True)
class Cube:
    """The counts of one data version, and answers already given on it (bounded)."""

    incidents: pl.DataFrame  # _KEYS + n
    violations: pl.DataFrame  # agreement_id + _KEYS + n
    version: tuple[Any, ...] = ()  # the data version the counts were read on
    answers: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer to ``key`` on this data version, computed once (the latest
        ``MEMO_SIZE`` answers are kept)."""
        with self.lock:
            if key in self.answers:
                self.answers.move_to_end(key)
                found: T = self.answers[key]
                return found
        value = compute()
        with self.lock:
            self.answers[key] = value
            while len(self.answers) > MEMO_SIZE:
                self.answers.popitem(last=False)
        return value

    def _filter(self, frame: pl.DataFrame, query: IncidentQuery) -> pl.DataFrame:
        conditions = []
        if query.visible is not None:
            marked = pl.col("releasability").is_in(list(query.visible.markings))
            unmarked = pl.col("releasability").is_null()
            conditions.append(marked | unmarked if query.visible.null else marked)
        if query.since is not None:
            conditions.append(pl.col("day") >= query.since.date().isoformat())
        if query.until is not None:
            conditions.append(pl.col("day") < query.until.date().isoformat())
        if query.oblasts is not None:
            conditions.append(pl.col("oblast").is_in(list(query.oblasts)))
        if query.type is not None:
            conditions.append(pl.col("type") == query.type)
        if query.status is not None:
            conditions.append(pl.col("status") == query.status)
        if query.statuses is not None:
            conditions.append(pl.col("status").is_in(list(query.statuses)))
        return frame.filter(*conditions) if conditions else frame

    def incident_markings(self) -> tuple[str | None, ...]:
        return self.remember(
            "markings",
            lambda: tuple(self.incidents["releasability"].unique().sort(nulls_last=True)),
        )

    def count_incidents(self, query: IncidentQuery) -> int:
        return self.remember(
            ("incidents", query), lambda: int(self._filter(self.incidents, query)["n"].sum())
        )

    def count_violations(self, query: IncidentQuery) -> int:
        return self.remember(("violations", query), lambda: int(self._violations(query)["n"].sum()))

    def _violations(self, query: IncidentQuery) -> pl.DataFrame:
        frame = self.violations
        if query.agreement_id is not None:
            frame = frame.filter(pl.col("agreement_id") == query.agreement_id)
        return self._filter(frame, query)

    def grouped(self, query: IncidentQuery, by: str) -> list[tuple[Any, int, int]]:
        return self.remember(("grouped", query, by), lambda: self._grouped(query, by))

    def _grouped(self, query: IncidentQuery, by: str) -> list[tuple[Any, int, int]]:
        counted = self._filter(self.incidents, query).group_by(by).agg(i=pl.col("n").sum())
        violated = self._violations(query).group_by(by).agg(v=pl.col("n").sum())
        both = counted.join(violated, on=by, how="full", coalesce=True, nulls_equal=True)
        rows = both.select(by, pl.col("i").fill_null(0), pl.col("v").fill_null(0)).sort(
            by, nulls_last=True
        )
        return [(k, int(i), int(v)) for k, i, v in rows.iter_rows()]


_CACHES: weakref.WeakKeyDictionary[Engine, CubeCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cube_cache(engine: Engine) -> CubeCache:
    """The one cache of ``engine`` (readers are made per request; the cube outlives them)."""
    with _CACHES_LOCK:
        found = _CACHES.get(engine)
        if found is None:
            found = _CACHES[engine] = CubeCache(engine)
        return found


class CubeCache:
    """The cube of one database, rebuilt when the data version changes; and the distinct
    markings of the reports, read again when an import batch ends."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._version: tuple[Any, ...] | None = None
        self._cube: Cube | None = None
        self._reports_version: tuple[Any, ...] | None = None
        self._report_markings: tuple[str | None, ...] = ()

    def report_markings(self) -> tuple[str | None, ...]:
        b = import_batches.c
        version_query = sa.select(
            sa.func.count(), sa.func.max(b.finished_at), sa.func.max(b.started_at)
        )
        with self._engine.connect() as connection:
            version = tuple(connection.execute(version_query).one())
            if version == self._reports_version:
                return self._report_markings
            distinct = sa.select(reports.c.releasability).distinct()
            found = tuple(
                connection.execution_options(**{READ_TIMEOUT_OPTION: 0}).execute(distinct).scalars()
            )
        with self._lock:
            self._reports_version, self._report_markings = version, found
        return found

    def _current_version(self) -> tuple[Any, ...]:
        query = sa.select(
            sa.select(sa.func.count()).select_from(fusion_runs).scalar_subquery(),
            sa.select(sa.func.max(fusion_runs.c.at)).scalar_subquery(),
            sa.select(sa.func.count()).select_from(evaluation_runs).scalar_subquery(),
            sa.select(sa.func.max(evaluation_runs.c.at)).scalar_subquery(),
        )
        with self._engine.connect() as connection:
            return tuple(connection.execute(query).one())

    def cube(self) -> Cube:
        version = self._current_version()
        with self._lock:
            if self._cube is None or self._version != version:
                self._cube = self._build(version)
                self._version = version
            return self._cube

    def _build(self, version: tuple[Any, ...]) -> Cube:
        day = day_of(self._engine, _I.time).label("day")
        columns = (day, _I.oblast, _I.type, _I.status, _I.releasability)
        incident_query = sa.select(*columns, sa.func.count().label("n")).group_by(*columns)
        violation_query = (
            sa.select(_V.agreement_id, *columns, sa.func.count().label("n"))
            .select_from(violations.join(incidents, _I.incident_id == _V.incident_id))
            .group_by(_V.agreement_id, *columns)
        )
        # One scan per data version, shared by every request after it: not a user's read,
        # so not cut by the read time limit (on a million incidents it may take seconds).
        with self._engine.connect().execution_options(**{READ_TIMEOUT_OPTION: 0}) as connection:
            counted = connection.execute(incident_query).all()
            violated = connection.execute(violation_query).all()
        schema: dict[str, Any] = dict.fromkeys(_KEYS, pl.Utf8) | {"n": pl.Int64}
        return Cube(
            incidents=pl.DataFrame(counted, schema=schema, orient="row"),
            violations=pl.DataFrame(
                violated, schema={"agreement_id": pl.Utf8, **schema}, orient="row"
            ),
            version=version,
        )
