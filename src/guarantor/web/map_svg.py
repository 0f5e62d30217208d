"""The dashboard's map and timeline as server-side SVG: no tiles, no script, no network.

The oblasts come from the shipped geoBoundaries file (``data/boundaries/adm1.geojson``),
projected and simplified once per process (:func:`base_map`), so a page carries about
30 KB of outline instead of the 760 KB file. Incidents are circles with a ``<title>`` (the
accessible name); violations are drawn larger and in the violation colour, on top.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from guarantor.services.desk_views import DayCount, Marker
from guarantor.web.map_geometry import Bounds, Point, Projection, ring_path

__all__ = ["BaseMap", "Oblast", "base_map", "map_svg", "on_map", "timeline_svg"]

MAP_WIDTH = 900.0
TOLERANCE_PX = 0.8  # simplification: invisible at this width
_PAD_DEG = 0.15


@dataclass(frozen=True, slots=True)
class Oblast:
    name: str
    iso: str
    path: str  # SVG path data in the map's pixels


@dataclass(frozen=True, slots=True)
class BaseMap:
    projection: Projection
    oblasts: tuple[Oblast, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(o.name for o in self.oblasts))


def _rings(geometry: dict[str, Any]) -> Iterator[list[Point]]:
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    for polygon in polygons:
        for ring in polygon:
            yield [(float(lon), float(lat)) for lon, lat, *_ in ring]


def build_base_map(collection: dict[str, Any], width: float = MAP_WIDTH) -> BaseMap:
    """Project and simplify a GeoJSON FeatureCollection of (Multi)Polygons."""
    features = [(f["properties"], list(_rings(f["geometry"]))) for f in collection["features"]]
    every = [p for _, rings in features for ring in rings for p in ring]
    box = Bounds.of(every)
    pad = _PAD_DEG
    padded = Bounds(box.lon_min - pad, box.lat_min - pad, box.lon_max + pad, box.lat_max + pad)
    projection = Projection.fit(padded, width)
    oblasts = []
    for properties, rings in features:
        path = "".join(ring_path(projection.project_all(r), TOLERANCE_PX) for r in rings)
        oblasts.append(
            Oblast(str(properties.get("shapeName", "")), str(properties.get("shapeISO", "")), path)
        )
    return BaseMap(projection, tuple(oblasts))


@cache
def base_map() -> BaseMap:
    """The shipped oblasts, projected and simplified once per process."""
    text = (
        resources.files("guarantor")
        .joinpath("data", "boundaries", "adm1.geojson")
        .read_text("utf-8")
    )
    return build_base_map(json.loads(text))


def _marker_title(marker: Marker) -> str:
    kind = marker.type or "incident of unknown type"
    what = "violation: " if marker.violated else ""
    return f"{what}{kind}, {marker.time:%Y-%m-%d %H:%M} UTC, {marker.incident_id}"


def _marker(marker: Marker, projection: Projection) -> str:
    """A circle named by its ``<title>``; ``static/desk.js`` opens the incident on a click
    (the table under the map links the same incidents for the keyboard)."""
    x, y = projection.project(marker.lon, marker.lat)
    css = "marker violation" if marker.violated else "marker"
    radius = 5 if marker.violated else 3.5
    return (
        f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="{radius}" '
        f'data-incident="{escape(marker.incident_id)}"><title>{escape(_marker_title(marker))}'
        "</title></circle>"
    )


def _legend(height: float) -> str:
    y = height - 46
    return (
        f'<g class="legend" transform="translate(12,{y:.0f})" aria-hidden="true">'
        '<rect class="legend-box" width="170" height="40" rx="4"/>'
        '<circle class="legend-marker" cx="14" cy="13" r="3.5"/>'
        '<text x="26" y="17">incident</text>'
        '<circle class="legend-marker violation" cx="14" cy="29" r="5"/>'
        '<text x="26" y="33">incident with a violation</text></g>'
    )


def on_map(markers: Sequence[Marker], base: BaseMap | None = None) -> list[Marker]:
    """The markers inside the map's frame (reports may place an incident abroad)."""
    bounds = (base or base_map()).projection.bounds
    return [m for m in markers if bounds.contains(m.lon, m.lat)]


def map_svg(markers: Sequence[Marker], base: BaseMap | None = None, *, caption: str = "") -> str:
    """The map as an ``<svg>`` element: oblasts, then incidents, violations on top."""
    base = base or base_map()
    projection = base.projection
    shapes = "".join(
        f'<path class="oblast" d="{o.path}"><title>{escape(o.name)}</title></path>'
        for o in base.oblasts
    )
    inside = on_map(markers, base)
    ordered = sorted(inside, key=lambda m: m.violated)  # violations drawn last, on top
    dots = "".join(_marker(m, projection) for m in ordered)
    violations = sum(1 for m in inside if m.violated)
    outside = len(markers) - len(inside)
    beyond = f" {outside} more lie outside the map's frame." if outside else ""
    label = (
        f"Map of Ukraine's oblasts with {len(inside)} incidents, {violations} of them with a "
        f"violation.{beyond} {caption}"
    ).strip()
    return (
        f'<svg class="map" viewBox="0 0 {projection.width:.0f} {projection.height:.0f}" '
        f'role="img" aria-labelledby="map-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="map-title">{escape(label)}</title>'
        f'<g class="oblasts">{shapes}</g><g class="markers">{dots}</g>'
        f"{_legend(projection.height)}</svg>"
    )


def _day_number(day: str) -> int:
    return date.fromisoformat(day).toordinal()


def timeline_svg(days: Sequence[DayCount], width: float = MAP_WIDTH, height: float = 140) -> str:
    """Incidents (and, over them, violations) per day as bars on a calendar axis: a day with
    nothing has no bar, and the gap shows."""
    if not days:
        return ""
    left, right, top, bottom = 40.0, 10.0, 10.0, 24.0
    peak = max(1, *(d.incidents for d in days))
    first, last = _day_number(days[0].day), _day_number(days[-1].day)
    step = (width - left - right) / max(last - first, 1)
    base_y = height - bottom

    def bars(values: list[tuple[int, int]]) -> str:
        return "".join(
            f"M{left + (n - first) * step:.1f},{base_y:.1f}"
            f"V{base_y - v / peak * (base_y - top):.1f}"
            for n, v in values
            if v > 0
        )

    numbered = [(_day_number(d.day), d) for d in days]
    incidents = bars([(n, d.incidents) for n, d in numbered])
    violations = bars([(n, d.violations) for n, d in numbered])
    label = (
        f"Incidents and violations per day from {days[0].day} to {days[-1].day}; at most "
        f"{peak} incidents on one day. The same counts are in the table below."
    )
    return (
        f'<svg class="timeline" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="timeline-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="timeline-title">{escape(label)}</title>'
        f'<line class="axis" x1="{left}" y1="{base_y}" x2="{width - right}" y2="{base_y}"/>'
        f'<text x="{left - 6}" y="{top + 8}" text-anchor="end">{peak}</text>'
        f'<text x="{left - 6}" y="{base_y}" text-anchor="end">0</text>'
        f'<text x="{left}" y="{height - 6}">{escape(days[0].day)}</text>'
        f'<text x="{width - right}" y="{height - 6}" text-anchor="end">'
        f"{escape(days[-1].day)}</text>"
        f'<path class="series-incidents" d="{incidents}"/>'
        f'<path class="series-violations" d="{violations}"/>'
        "</svg>"
    )
