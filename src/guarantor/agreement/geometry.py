"""Zone geometry: read GeoJSON, derive buffers and admin-unit unions, and check validity.

All geometry is WGS 84 longitude/latitude. Buffers are computed in kilometres in an
azimuthal equidistant projection centred on the zone, then brought back to WGS 84.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import shapely
from pyproj import CRS, Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from guarantor.agreement import model as m
from guarantor.agreement.docerrors import suggest

__all__ = ["ZoneProblem", "admin_unit_names", "admin_units", "buffer_km", "resolve_zones"]


@dataclass(frozen=True, slots=True)
class ZoneProblem:
    zone: str
    field: str
    found: str
    expected: str
    fix: str
    code: str


@cache
def admin_units(level: int) -> Mapping[str, BaseGeometry]:
    """The shipped geoBoundaries units of Ukraine by ``shapeName`` (level 1 or 2).

    Nine raion names repeat across oblasts (Ivanivka, Horodok, ...); those raions are named
    ``"<shapeName> (<oblast>)"`` so that none is silently dropped.
    """
    name = {1: "adm1.geojson", 2: "adm2_pre2020_raions.geojson"}[level]
    text = resources.files("guarantor").joinpath("data", "boundaries", name).read_text("utf-8")
    shapes = [
        (f["properties"]["shapeName"], shape(f["geometry"])) for f in json.loads(text)["features"]
    ]
    counts = Counter(unit for unit, _ in shapes)
    units: dict[str, BaseGeometry] = {}
    for unit, geometry in shapes:
        key = f"{unit} ({_oblast_of(geometry)})" if counts[unit] > 1 else unit
        units[key] = geometry
    return units


def _oblast_of(geometry: BaseGeometry) -> str:
    point = geometry.representative_point()
    oblasts = admin_units(1)
    return next((n for n, g in oblasts.items() if g.contains(point)), "unknown oblast")


def admin_unit_names(level: int) -> list[str]:
    return sorted(admin_units(level))


def buffer_km(geometry: BaseGeometry, km: float) -> BaseGeometry:
    """``geometry`` grown by ``km`` kilometres on every side."""
    centre = geometry.centroid
    local = CRS.from_proj4(f"+proj=aeqd +lat_0={centre.y} +lon_0={centre.x} +datum=WGS84 +units=m")
    forward = Transformer.from_crs("EPSG:4326", local, always_xy=True)
    back = Transformer.from_crs(local, "EPSG:4326", always_xy=True)
    projected = shapely.transform(geometry, lambda xy: _apply(forward, xy))
    grown = projected.buffer(km * 1000.0, quad_segs=16)
    return shapely.transform(grown, lambda xy: _apply(back, xy))


def _apply(transformer: Transformer, xy: Any) -> Any:
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    xy = xy.copy()
    xy[:, 0], xy[:, 1] = x, y
    return xy


def _from_geojson(data: Mapping[str, Any]) -> BaseGeometry:
    kind = data.get("type")
    if kind == "FeatureCollection":
        return shapely.union_all([shape(f["geometry"]) for f in data.get("features", [])])
    if kind == "Feature":
        return shape(data["geometry"])
    return shape(data)


class _Resolver:
    def __init__(self, version: m.ResolvedVersion, folder: Path) -> None:
        self.zones = {z.id: z for z in version.zones}
        self.folder = folder
        self.done: dict[str, BaseGeometry] = {}
        self.problems: list[ZoneProblem] = []
        self.visiting: set[str] = set()

    def resolve(self, zone_id: str) -> BaseGeometry | None:
        if zone_id in self.done:
            return self.done[zone_id]
        zone = self.zones.get(zone_id)
        if zone is None or zone_id in self.visiting:
            return None
        self.visiting.add(zone_id)
        geometry = self._build(zone)
        self.visiting.discard(zone_id)
        if geometry is not None and self._valid(zone, geometry):
            self.done[zone_id] = geometry
            return geometry
        return None

    def _problem(
        self, zone: m.Zone, field: str, found: str, expected: str, fix: str, code: str
    ) -> None:
        self.problems.append(ZoneProblem(zone.id, field, found, expected, fix, code))

    def _build(self, zone: m.Zone) -> BaseGeometry | None:
        if zone.kind == "buffer":
            return self._buffer(zone)
        if zone.kind == "admin_units":
            return self._admin(zone)
        return self._geojson(zone)

    def _buffer(self, zone: m.Zone) -> BaseGeometry | None:
        if zone.buffer_km is None or zone.buffer_km <= 0:
            self._problem(
                zone,
                "buffer.km",
                repr(zone.buffer_km),
                "a positive number of km, e.g. 25",
                "set buffer.km",
                "invalid_buffer",
            )
            return None
        if zone.of in self.visiting:
            self._problem(
                zone,
                "buffer.of",
                f"'{zone.of}', which leads back to '{zone.id}'",
                "a zone that is not derived from this one",
                "break the cycle",
                "cycle",
            )
            return None
        base = self.resolve(zone.of or "")
        return None if base is None else buffer_km(base, zone.buffer_km)

    def _admin(self, zone: m.Zone) -> BaseGeometry | None:
        if zone.admin_level not in (1, 2):
            self._problem(
                zone,
                "admin_units.level",
                repr(zone.admin_level),
                "1 (oblasts) or 2 (pre-2020 raions)",
                "set level to 1 or 2",
                "invalid_level",
            )
            return None
        units = admin_units(zone.admin_level)
        parts = []
        for name in zone.units:
            if name in units:
                parts.append(units[name])
                continue
            hint = suggest(name, list(units))
            self._problem(
                zone,
                "admin_units.units",
                f"'{name}'",
                f"a shapeName of the shipped level-{zone.admin_level} boundaries",
                (hint + " " if hint else "") + "run 'guarantor agreement units' for names",
                "unknown_unit",
            )
        return shapely.union_all(parts) if parts else None

    def _geojson(self, zone: m.Zone) -> BaseGeometry | None:
        data: Mapping[str, Any] | None = zone.geometry
        if data is None and zone.geometry_file:
            path = self.folder / zone.geometry_file
            if not path.is_file():
                self._problem(
                    zone,
                    "geometry_file",
                    f"'{zone.geometry_file}', which does not exist",
                    "a GeoJSON file path relative to the agreement folder",
                    f"create {path} or correct the path",
                    "missing_file",
                )
                return None
            data = json.loads(path.read_text("utf-8"))
        if data is None:
            self._problem(
                zone,
                "geometry",
                "no geometry",
                "one of geometry, geometry_file, buffer or admin_units",
                "add one of them",
                "missing_geometry",
            )
            return None
        try:
            return _from_geojson(data)
        except (KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
            self._problem(
                zone,
                "geometry",
                f"GeoJSON that does not form a geometry ({exc})",
                'GeoJSON, e.g. {"type": "LineString", "coordinates": [[37.5, 47.1], ...]}',
                "fix the GeoJSON structure",
                "invalid_geometry",
            )
            return None

    def _valid(self, zone: m.Zone, geometry: BaseGeometry) -> bool:
        minx, miny, maxx, maxy = geometry.bounds
        if geometry.is_empty or not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            self._problem(
                zone,
                "geometry",
                f"bounds {geometry.bounds}",
                "longitude in [-180, 180] and latitude in [-90, 90], in that order",
                "check for swapped latitude and longitude",
                "invalid_geometry",
            )
            return False
        if not geometry.is_valid:
            self._problem(
                zone,
                "geometry",
                f"an invalid geometry ({explain_validity(geometry)})",
                "a valid geometry (rings closed, no self-intersection)",
                "repair it, e.g. with shapely.make_valid, and save it",
                "invalid_geometry",
            )
            return False
        return True


def resolve_zones(
    version: m.ResolvedVersion, folder: Path
) -> tuple[dict[str, BaseGeometry], list[ZoneProblem]]:
    """Every zone's geometry, and the problems of the zones that have none."""
    resolver = _Resolver(version, folder)
    for zone in version.zones:
        resolver.resolve(zone.id)
    return resolver.done, resolver.problems
