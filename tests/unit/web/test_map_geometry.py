"""The desk map's projection, simplification and SVG: on hand-made shapes and on the shipped
oblast boundaries."""

from __future__ import annotations

import itertools
import math
import re
from datetime import UTC, datetime

import pytest

from guarantor.services.desk_views import DayCount, Marker
from guarantor.web.map_geometry import Bounds, Projection, ring_path, simplify
from guarantor.web.map_svg import base_map, build_base_map, map_svg, on_map, timeline_svg

UKRAINE = Bounds(22.0, 44.0, 40.0, 52.5)


def test_the_projection_maps_the_box_corners_to_the_frame_inside_the_margin() -> None:
    p = Projection.fit(UKRAINE, 900, margin=10)
    assert p.project(UKRAINE.lon_min, UKRAINE.lat_max) == pytest.approx((10, 10))
    right, bottom = p.project(UKRAINE.lon_max, UKRAINE.lat_min)
    assert right == pytest.approx(890)
    assert bottom == pytest.approx(p.height - 10)


def test_a_degree_of_longitude_is_shorter_than_a_degree_of_latitude_by_the_cosine() -> None:
    p = Projection.fit(UKRAINE, 900)
    x0, y0 = p.project(30.0, 48.0)
    x1, _ = p.project(31.0, 48.0)
    _, y1 = p.project(30.0, 47.0)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(math.cos(math.radians(48.25)))


def test_north_is_up_and_east_is_right() -> None:
    p = Projection.fit(UKRAINE, 900)
    kyiv, kharkiv, odesa = p.project(30.52, 50.45), p.project(36.23, 49.99), p.project(30.73, 46.48)
    assert kharkiv[0] > kyiv[0]
    assert odesa[1] > kyiv[1]


def test_simplify_drops_collinear_points_and_keeps_the_ends() -> None:
    line = [(float(i), 2.0 * i) for i in range(50)]
    assert simplify(line, 0.01) == [line[0], line[-1]]


def test_simplify_keeps_a_corner_beyond_the_tolerance_and_drops_a_bump_within_it() -> None:
    corner = [(0.0, 0.0), (5.0, 0.1), (10.0, 0.0), (10.0, 10.0)]
    assert simplify(corner, 0.5) == [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)]
    assert simplify(corner, 0.05) == corner


def test_every_dropped_point_lies_within_the_tolerance_of_the_simplified_line() -> None:
    wiggle = [(i / 10, math.sin(i / 7) * 3 + (0.2 if i % 2 else 0.0)) for i in range(400)]
    kept = simplify(wiggle, 0.5)
    assert 2 < len(kept) < len(wiggle) / 4
    for x, y in wiggle:
        nearest = min(_segment_distance((x, y), a, b) for a, b in itertools.pairwise(kept))
        assert nearest <= 0.5 + 1e-9


def _segment_distance(
    p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]
) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def test_a_ring_becomes_one_closed_path_and_a_speck_disappears() -> None:
    square = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]
    assert ring_path(square, 0.5) == "M0.0,0.0L10.0,0.0L10.0,10.0L0.0,10.0Z"
    speck = [(0.0, 0.0), (0.1, 0.0), (0.1, 0.1), (0.0, 0.0)]
    assert ring_path(speck, 0.5) == ""


def test_the_shipped_oblasts_are_all_drawn_and_much_smaller_than_the_file() -> None:
    base = base_map()
    assert len(base.oblasts) == 27
    assert "Donetsk Oblast" in base.names and "Kyiv" in base.names
    assert all(o.path.startswith("M") and o.path.endswith("Z") for o in base.oblasts)
    total = sum(len(o.path) for o in base.oblasts)
    assert 5_000 < total < 120_000  # the file is 760 KB of coordinates
    # Kyiv city lies inside the box of the Kyiv Oblast outline.
    kyiv = base.projection.project(30.52, 50.45)
    numbers = [float(v) for v in re.findall(r"-?\d+\.\d", _path(base, "Kyiv Oblast"))]
    xs, ys = numbers[0::2], numbers[1::2]
    assert min(xs) < kyiv[0] < max(xs) and min(ys) < kyiv[1] < max(ys)


def _path(base: object, name: str) -> str:
    return next(o.path for o in base.oblasts if o.name == name)  # type: ignore[attr-defined]


def _marker(incident_id: str, lon: float, lat: float, violated: bool) -> Marker:
    return Marker(incident_id, lat, lon, "shelling", 3, datetime(2026, 3, 10, tzinfo=UTC), violated)


def test_the_map_draws_markers_with_titles_violations_last_and_skips_points_abroad() -> None:
    collection = {
        "features": [
            {
                "properties": {"shapeName": "Square", "shapeISO": "XX-1"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[30, 48], [32, 48], [32, 50], [30, 50], [30, 48]]],
                },
            }
        ]
    }
    base = build_base_map(collection, width=400)
    markers = [
        _marker("inc-a", 31.0, 49.0, True),
        _marker("inc-b", 31.5, 49.5, False),
        _marker("inc-far", 10.0, 40.0, False),
    ]
    assert [m.incident_id for m in on_map(markers, base)] == ["inc-a", "inc-b"]
    svg = map_svg(markers, base)
    drawn = re.findall(r'data-incident="([^"]+)"', svg)
    assert drawn == ["inc-b", "inc-a"]  # the violation on top
    assert 'class="marker violation"' in svg
    assert "<title>violation: shelling, 2026-03-10 00:00 UTC, inc-a</title>" in svg
    assert "1 more lie outside the map&#x27;s frame" in svg
    assert svg.count('<path class="oblast"') == 1


def test_the_timeline_puts_days_on_a_calendar_axis() -> None:
    days = [DayCount("2026-03-01", 4, 1), DayCount("2026-03-11", 2, 0)]
    svg = timeline_svg(days, width=110, height=100)
    # left 40 + 10 days * 6 px/day (60 px over 10 days); bars up from the baseline 76.
    assert 'd="M40.0,76.0V10.0M100.0,76.0V43.0"' in svg
    assert 'class="series-violations" d="M40.0,76.0V59.5"' in svg
    assert timeline_svg([]) == ""
