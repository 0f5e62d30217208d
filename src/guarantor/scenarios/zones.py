"""Zone columns: inside and distance per referenced zone, computed once per frame.

``in_zone`` tests the WGS 84 geometry itself (so a buffer zone means exactly the buffer the
agreement defines). ``distance_km`` is measured in kilometres on the ground in an azimuthal
equidistant projection centred on the zone, the same projection
:func:`guarantor.agreement.geometry.buffer_km` builds buffers in, so ``within_km(z, 25)``
and a 25-km buffer of ``z`` agree; a place inside the zone is at distance 0. A place
without coordinates has null for both. Both targets call the same vectorised functions
(the stream on one point at a time, cached), so their values are bitwise equal.

Cost: a point outside a zone's bounding box is outside it without a polygon test. When every
predicate reads ``distance_km(z)`` only to compare it with ``<=`` or ``<`` against constants
(``within_km`` and geofence blocks compile to that), the distance is computed exactly only
for places whose cheap lower bound (flat-earth distance to the bounding box) is within 1.2
times the largest radius; the others get +inf, beyond every radius tested (the distance
columns are internal to evaluation and never shown).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from guarantor.agreement.geometry import resolve_zones
from guarantor.agreement.model import ResolvedVersion
from guarantor.scenarios import ir
from guarantor.scenarios.errors import RuleCompileError
from guarantor.scenarios.polars_target import zone_column, zone_inside_column

__all__ = [
    "ZoneIndex",
    "ZoneUse",
    "add_zone_columns",
    "zone_index",
    "zone_limits",
    "zone_uses",
]

ZoneUse = tuple[str, str]  # (zone id, "inside" | "distance")


def zone_uses(predicates: Iterable[ir.Node]) -> tuple[ZoneUse, ...]:
    """Which zone columns the predicates read, in a stable order."""
    found: set[ZoneUse] = set()
    for predicate in predicates:
        for node in ir.walk(predicate):
            if isinstance(node, ir.ZoneInside):
                found.add((node.zone, "inside"))
            elif isinstance(node, ir.ZoneDistance):
                found.add((node.zone, "distance"))
    return tuple(sorted(found))


def zone_limits(predicates: Iterable[ir.Node]) -> dict[str, float]:
    """Zones whose distance is only ever compared ``<=``/``<`` a constant, with the largest
    such constant: beyond it the exact distance cannot change any predicate."""
    limits: dict[str, float] = {}
    bounded: set[int] = set()
    everywhere: set[str] = set()
    for predicate in predicates:
        for node in ir.walk(predicate):
            if isinstance(node, ir.ZoneDistance):
                everywhere.add(node.zone)
            elif (
                isinstance(node, ir.Compare)
                and node.op in ("<=", "<")
                and isinstance(node.left, ir.ZoneDistance)
                and isinstance(node.right, ir.Const)
                and isinstance(node.right.value, int | float)
                and not isinstance(node.right.value, bool)
            ):
                zone = node.left.zone
                limits[zone] = max(limits.get(zone, 0.0), float(node.right.value))
                bounded.add(id(node.left))
    for predicate in predicates:
        for node in ir.walk(predicate):
            if isinstance(node, ir.ZoneDistance) and id(node) not in bounded:
                limits.pop(node.zone, None)
    return {zone: km for zone, km in limits.items() if zone in everywhere}


@dataclass(frozen=True, slots=True)
class _Zone:
    geometry: BaseGeometry
    projected: BaseGeometry
    forward: Transformer
    bounds: tuple[float, float, float, float]  # lon/lat bounding box


class ZoneIndex:
    """The geometries of one version's zones, prepared for point tests."""

    def __init__(self, geometries: Mapping[str, BaseGeometry]) -> None:
        self._zones: dict[str, _Zone] = {}
        for zone_id, geometry in geometries.items():
            centre = geometry.centroid
            local = CRS.from_proj4(
                f"+proj=aeqd +lat_0={centre.y} +lon_0={centre.x} +datum=WGS84 +units=m"
            )
            forward = Transformer.from_crs("EPSG:4326", local, always_xy=True)
            projected = shapely.transform(geometry, lambda xy, f=forward: _apply(f, xy))
            shapely.prepare(geometry)
            shapely.prepare(projected)
            bounds = tuple(float(b) for b in geometry.bounds)
            self._zones[zone_id] = _Zone(geometry, projected, forward, bounds)  # type: ignore[arg-type]

    def __contains__(self, zone_id: object) -> bool:
        return zone_id in self._zones

    def inside(self, zone_id: str, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """True inside the zone; False outside or without coordinates (see ``known``)."""
        zone = self._zones[zone_id]
        west, south, east, north = zone.bounds
        boxed = np.flatnonzero((lons >= west) & (lons <= east) & (lats >= south) & (lats <= north))
        result = np.zeros(lons.shape, dtype=bool)
        if len(boxed):
            result[boxed] = shapely.contains_xy(zone.geometry, lons[boxed], lats[boxed])
        return result

    def distance_km(
        self, zone_id: str, lons: np.ndarray, lats: np.ndarray, limit: float | None = None
    ) -> np.ndarray:
        """Kilometres to the zone (0 inside); NaN without coordinates; with ``limit``, +inf
        for places that are certainly farther than ``limit``."""
        zone = self._zones[zone_id]
        known = ~(np.isnan(lons) | np.isnan(lats))
        result = np.full(lons.shape, np.nan)
        inside = self.inside(zone_id, lons, lats) & known
        result[inside] = 0.0
        outside = known & ~inside
        if limit is not None:
            reach = _within_reach(zone.bounds, limit, lons, lats)
            result[outside & ~reach] = np.inf
            outside &= reach
        if outside.any():
            x, y = zone.forward.transform(lons[outside], lats[outside])
            points = shapely.points(np.asarray(x), np.asarray(y))
            result[outside] = shapely.distance(zone.projected, points) / 1000.0
        return result

    def values(
        self,
        uses: tuple[ZoneUse, ...],
        lons: np.ndarray,
        lats: np.ndarray,
        limits: Mapping[str, float] | None = None,
    ) -> dict[str, np.ndarray]:
        """The zone columns for known coordinates: bool arrays (inside), float (distance)."""
        out: dict[str, np.ndarray] = {}
        for zone_id, kind in uses:
            if kind == "inside":
                out[zone_inside_column(zone_id)] = self.inside(zone_id, lons, lats)
            else:
                limit = (limits or {}).get(zone_id)
                out[zone_column(zone_id)] = self.distance_km(zone_id, lons, lats, limit)
        return out

    def point(
        self,
        uses: tuple[ZoneUse, ...],
        lon: float | None,
        lat: float | None,
        limits: Mapping[str, float] | None = None,
    ) -> dict[str, Any]:
        """The zone columns of one place (the stream's path; same functions as the batch)."""
        if lon is None or lat is None:
            return dict.fromkeys(_names(uses))
        lons, lats = np.array([lon], dtype=float), np.array([lat], dtype=float)
        values = self.values(uses, lons, lats, limits)
        return {name: array[0].item() for name, array in values.items()}


_BAND_FROM = 256  # places; fewer are measured directly
_KM_PER_DEGREE = 110.0  # fewer than on the ground (at least 110.57 km per degree of latitude)


def _within_reach(
    bounds: tuple[float, float, float, float], limit: float, lons: np.ndarray, lats: np.ndarray
) -> np.ndarray:
    """False only for places certainly farther than ``limit`` km from the bounding box: a
    flat-earth lower bound of the distance to the box (degrees of longitude at the highest
    latitude involved, 110 km per degree) against 1.2 times the limit plus 1 km, a wide
    margin over the projection's distortion. Zones wider than 30 degrees or reaching 80
    degrees of latitude are always measured exactly."""
    west, south, east, north = bounds
    if east - west > 30.0 or north - south > 30.0 or max(abs(south), abs(north)) > 80.0:
        return np.ones(lons.shape, dtype=bool)
    # on many places, the latitude band first (cheap): beyond it, y alone exceeds the bound
    band = 1.001 * (1.2 * limit + 1.0) / _KM_PER_DEGREE + 1e-9
    reach = np.zeros(lons.shape, dtype=bool)
    rows: slice | np.ndarray = slice(None)
    if len(lons) > _BAND_FROM:
        rows = np.flatnonzero((lats >= south - band) & (lats <= north + band))
    lons, lats = lons[rows], lats[rows]
    dlat = np.maximum(np.maximum(south - lats, lats - north), 0.0)
    dlon = np.maximum(np.maximum(west - lons, lons - east), 0.0)
    highest = np.minimum(np.maximum(np.abs(lats), max(abs(south), abs(north))), 89.0)
    x = dlon * _KM_PER_DEGREE * np.cos(np.radians(highest))
    y = dlat * _KM_PER_DEGREE
    reach[rows] = x * x + y * y <= (1.2 * limit + 1.0) ** 2
    return reach


def _names(uses: tuple[ZoneUse, ...]) -> list[str]:
    return [zone_inside_column(z) if kind == "inside" else zone_column(z) for z, kind in uses]


def _apply(transformer: Transformer, xy: Any) -> Any:
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    xy = xy.copy()
    xy[:, 0], xy[:, 1] = x, y
    return xy


_CACHE: list[tuple[ResolvedVersion, ZoneIndex]] = []


def zone_index(version: ResolvedVersion, zone_ids: Iterable[str]) -> ZoneIndex:
    """The index of ``version``'s zones (geometry is inlined in a loaded version)."""
    for known, index in _CACHE:
        if known is version:
            return index
    geometries, problems = resolve_zones(version, Path("."))
    missing = sorted(set(zone_ids) - set(geometries))
    if missing:
        details = "; ".join(f"{p.zone}: {p.found} ({p.fix})" for p in problems) or "unresolved"
        raise RuleCompileError(
            f"version '{version.version.id}': zone(s) {', '.join(missing)} read by its rules "
            f"have no geometry ({details}); expected a valid geometry for every zone a rule "
            "reads; fix: run 'guarantor agreement check' and correct the zones"
        )
    index = ZoneIndex(geometries)
    _CACHE.append((version, index))
    del _CACHE[:-8]
    return index


def add_zone_columns(
    frame: pl.DataFrame,
    index: ZoneIndex,
    uses: tuple[ZoneUse, ...],
    limits: Mapping[str, float] | None = None,
) -> pl.DataFrame:
    """``frame`` with one column per zone use (null without coordinates)."""
    if not uses:
        return frame
    lons = frame["lon"].fill_null(np.nan).to_numpy()
    lats = frame["lat"].fill_null(np.nan).to_numpy()
    values = index.values(uses, lons, lats, limits)
    known = pl.col("lon").is_not_null() & pl.col("lat").is_not_null()
    return frame.with_columns(
        pl.when(known).then(pl.Series(name, array)).otherwise(None).alias(name)
        for name, array in values.items()
    )
