"""Exports, streamed: incidents as CSV and GeoJSON, violations as CSV.

Only what is released to the signed-in user's party is written; the filters are those of
``GET /api/incidents``. Rows are read from the database in chunks and written as they come,
so an export of every incident never holds them all in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import fields
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from guarantor.services import desk
from guarantor.services.desk_views import IncidentSummary, ViolationView
from guarantor.web.api_data import Filter, Reader, Signed

__all__ = ["router"]

router = APIRouter(prefix="/api/exports", tags=["exports"])

_INCIDENT_COLUMNS = tuple(f.name for f in fields(IncidentSummary))
_VIOLATION_COLUMNS = tuple(f.name for f in fields(ViolationView))
_ROWS_PER_WRITE = 1000


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else value


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _csv(columns: tuple[str, ...], items: Iterable[Any]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for n, item in enumerate(items, start=1):
        writer.writerow([_cell(getattr(item, c)) for c in columns])
        if n % _ROWS_PER_WRITE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _feature(incident: IncidentSummary) -> dict[str, Any]:
    geometry = None
    if incident.lat is not None and incident.lon is not None:
        geometry = {"type": "Point", "coordinates": [incident.lon, incident.lat]}
    properties = {
        c: _plain(getattr(incident, c)) for c in _INCIDENT_COLUMNS if c not in ("lat", "lon")
    }
    return {"type": "Feature", "id": incident.incident_id, "geometry": geometry,
            "properties": properties}  # fmt: skip


def _geojson(items: Iterable[IncidentSummary]) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    parts: list[str] = []
    first = True
    for incident in items:
        parts.append(("" if first else ",") + json.dumps(_feature(incident), ensure_ascii=False))
        first = False
        if len(parts) >= _ROWS_PER_WRITE:
            yield "".join(parts)
            parts.clear()
    yield "".join(parts) + "]}"


def _download(body: Iterator[str], media_type: str, name: str) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/incidents.csv",
    summary="Incidents released to you, as CSV",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def incidents_csv(principal: Signed, reader: Reader, flt: Filter) -> StreamingResponse:
    items = desk.export_incidents(reader, principal, flt)
    return _download(_csv(_INCIDENT_COLUMNS, items), "text/csv; charset=utf-8", "incidents.csv")


@router.get(
    "/incidents.geojson",
    summary="Incidents released to you, as a GeoJSON FeatureCollection",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/geo+json": {}}}},
)
def incidents_geojson(principal: Signed, reader: Reader, flt: Filter) -> StreamingResponse:
    items = desk.export_incidents(reader, principal, flt)
    return _download(_geojson(items), "application/geo+json", "incidents.geojson")


@router.get(
    "/violations.csv",
    summary="Violations of incidents released to you, as CSV (filter with ?agreement=)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def violations_csv(principal: Signed, reader: Reader, flt: Filter) -> StreamingResponse:
    items = desk.export_violations(reader, principal, flt)
    return _download(_csv(_VIOLATION_COLUMNS, items), "text/csv; charset=utf-8", "violations.csv")
