"""Pure geometry of the desk's map: a local equirectangular projection to SVG pixels, and
Douglas-Peucker simplification of the projected rings. No I/O, no state.

The projection is ``x = (lon - lon_min) * cos(lat_mid) * k``, ``y = (lat_max - lat) * k``:
at the latitude of Ukraine (44-52 N) a degree of longitude is about two thirds of a degree of
latitude, so scaling longitude by the cosine of the middle latitude keeps shapes right within
a few per cent, which is all a situation map needs. North is up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Bounds", "Point", "Projection", "ring_path", "simplify"]

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Bounds:
    """A longitude/latitude box (degrees, WGS 84)."""

    lon_min: float
    lat_min: float
    lon_max: float
    lat_max: float

    @classmethod
    def of(cls, points: Sequence[Point]) -> Bounds:
        """The smallest box holding ``points`` (lon, lat); at least one point."""
        if not points:
            raise ValueError("Bounds.of needs at least one point")
        lons = [p[0] for p in points]
        lats = [p[1] for p in points]
        return cls(min(lons), min(lats), max(lons), max(lats))

    def contains(self, lon: float, lat: float) -> bool:
        return self.lon_min <= lon <= self.lon_max and self.lat_min <= lat <= self.lat_max


@dataclass(frozen=True, slots=True)
class Projection:
    """Longitude/latitude to pixels of an SVG ``width`` x ``height`` with ``margin`` pixels."""

    bounds: Bounds
    width: float
    height: float
    margin: float
    scale: float  # pixels per degree of latitude
    shrink: float  # cos(middle latitude): degrees of longitude to degrees of latitude

    @classmethod
    def fit(cls, bounds: Bounds, width: float, margin: float = 8.0) -> Projection:
        """The projection that fits ``bounds`` into ``width`` pixels; the height follows."""
        if width <= 2 * margin:
            raise ValueError(f"width {width} leaves no room inside the margin {margin}")
        shrink = math.cos(math.radians((bounds.lat_min + bounds.lat_max) / 2))
        span_x = max((bounds.lon_max - bounds.lon_min) * shrink, 1e-9)
        span_y = max(bounds.lat_max - bounds.lat_min, 1e-9)
        scale = (width - 2 * margin) / span_x
        height = span_y * scale + 2 * margin
        return cls(bounds, width, height, margin, scale, shrink)

    def project(self, lon: float, lat: float) -> Point:
        x = self.margin + (lon - self.bounds.lon_min) * self.shrink * self.scale
        y = self.margin + (self.bounds.lat_max - lat) * self.scale
        return (x, y)

    def project_all(self, points: Sequence[Point]) -> list[Point]:
        return [self.project(lon, lat) for lon, lat in points]


def _distance(point: Point, start: Point, end: Point) -> float:
    """Distance from ``point`` to the segment ``start``-``end``."""
    (px, py), (ax, ay), (bx, by) = point, start, end
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0.0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def simplify(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker: the fewest of ``points`` (in order, first and last kept) such that no
    dropped point lies farther than ``tolerance`` from the simplified line. Iterative, so
    long rings do not hit the recursion limit."""
    if len(points) <= 2:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if index >= 0 and worst > tolerance:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def ring_path(points: Sequence[Point], tolerance: float) -> str:
    """An SVG path command for one closed ring of pixel ``points``, simplified; empty when
    the ring shrinks below a triangle (too small to see at this scale)."""
    ring = list(points)
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring = ring[:-1]
    if len(ring) < 3:
        return ""
    # Split the ring at its farthest point from the start so both halves keep their shape.
    far = max(range(len(ring)), key=lambda i: math.dist(ring[0], ring[i]))
    half_a = simplify([*ring[: far + 1]], tolerance)
    half_b = simplify([*ring[far:], ring[0]], tolerance)
    kept = half_a + half_b[1:-1]
    if len(kept) < 3:
        return ""
    head, *rest = kept
    return f"M{head[0]:.1f},{head[1]:.1f}" + "".join(f"L{x:.1f},{y:.1f}" for x, y in rest) + "Z"
