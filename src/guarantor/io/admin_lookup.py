"""Oblast and raion of any point, by point in polygon against the shipped geoBoundaries.

:func:`assign_admin` gives every point its ADM1 unit (oblast, Crimea, Kyiv, Sevastopol) and its
pre-2020 raion, as the ``shapeName`` of the shipped boundaries. It is vectorised: one
:class:`shapely.STRtree` query for all the points of a call, no Python loop over points.

How it works, and why:

- The units are cut into tiles of :data:`TILE_DEGREES` before they go into the tree. An oblast
  has about 1,000 vertices and GEOS tests a point against an unprepared tree geometry, which
  for a million points took 13 s; against the tiles (most are plain squares) it takes well
  under one second. The tiles are built once per process (about a second) and cached.
- A point inside no unit (just off the simplified coastline or border) takes the nearest unit
  if it is at most :data:`NEAREST_KM` away. Distances are in degrees, converted
  conservatively: :data:`NEAREST_KM` / 111.32 km (one degree of latitude, the most any
  degree is long). A point within that many degrees is never more than 10 km away; a point
  6-10 km east or west of the border may be left without a unit (a degree of longitude is
  only 68-80 km in Ukraine). Farther points, and null or non-finite coordinates, get null.
- Raions come from a second dataset whose borders differ from the oblasts' by up to a few
  km. So that ``admin2`` always lies in ``admin1``, each raion belongs to the oblast it
  overlaps most, and a point takes a raion of its own oblast only: the one it is in, else the
  nearest within :data:`NEAREST_KM`, else null (the raion layer does not cover all of Crimea,
  for instance). Raion names repeat across oblasts (two ``Ivanivka``): (admin1, admin2)
  names a raion, admin2 alone does not.
- The raions are read from the GeoJSON here rather than through
  :func:`guarantor.agreement.geometry.admin_units`, whose mapping by name keeps only one of
  each repeated name (486 of the 495 raions).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

__all__ = ["KM_PER_DEGREE", "NEAREST_KM", "TILE_DEGREES", "assign_admin", "derive_admin1_codes"]

NEAREST_KM: Final = 10.0
KM_PER_DEGREE: Final = 111.32  # a degree of latitude; a degree of longitude is never longer
TILE_DEGREES: Final = 0.25
_MAX_DEGREES: Final = NEAREST_KM / KM_PER_DEGREE

IntArray = npt.NDArray[np.intp]
GeomArray = npt.NDArray[np.object_]


@dataclass(frozen=True, slots=True)
class _Layer:
    """Units of one level, cut into tiles in one tree; ``owner[i]`` is the unit of tile i."""

    names: npt.NDArray[np.str_]
    tiles: GeomArray
    owner: IntArray
    tree: shapely.STRtree


def _tiles(geometry: BaseGeometry) -> GeomArray:
    """``geometry`` cut along a grid of :data:`TILE_DEGREES`; whole cells where it covers them."""
    x0, y0, x1, y1 = geometry.bounds
    xs = np.arange(np.floor(x0 / TILE_DEGREES) * TILE_DEGREES, x1, TILE_DEGREES)
    ys = np.arange(np.floor(y0 / TILE_DEGREES) * TILE_DEGREES, y1, TILE_DEGREES)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    cells = shapely.box(gx, gy, gx + TILE_DEGREES, gy + TILE_DEGREES)
    shapely.prepare(geometry)
    inside = shapely.contains_properly(geometry, cells)
    edge = ~inside & shapely.intersects(geometry, cells)
    parts = shapely.intersection(geometry, cells[edge])
    parts = parts[shapely.area(parts) > 0]  # drop cells that only touch it along an edge
    return np.concatenate([cells[inside], parts])


def _layer(names: list[str], geometries: list[BaseGeometry]) -> _Layer:
    tiles = [_tiles(geometry) for geometry in geometries]
    owner = [np.full(len(t), unit, dtype=np.intp) for unit, t in enumerate(tiles)]
    all_tiles = np.concatenate(tiles)
    return _Layer(np.array(names), all_tiles, np.concatenate(owner), shapely.STRtree(all_tiles))


def _oblast_units() -> dict[str, BaseGeometry]:
    from guarantor.agreement.geometry import admin_units  # pyproj and more: load on first use

    return dict(admin_units(1))


@cache
def _oblasts() -> _Layer:
    units = _oblast_units()
    return _layer(list(units), list(units.values()))


@cache
def _raions() -> tuple[_Layer, IntArray]:
    """The raion layer and, for each raion, the oblast (index) it overlaps most."""
    path = resources.files("guarantor").joinpath(
        "data", "boundaries", "adm2_pre2020_raions.geojson"
    )
    features = json.loads(path.read_text("utf-8"))["features"]
    names = [f["properties"]["shapeName"] for f in features]
    raions = np.array([shape(f["geometry"]) for f in features])
    oblasts = np.array(list(_oblast_units().values()))
    raion, oblast = shapely.STRtree(oblasts).query(raions, predicate="intersects")
    area = shapely.area(shapely.intersection(raions[raion], oblasts[oblast]))
    overlap = np.zeros((len(raions), len(oblasts)))
    np.add.at(overlap, (raion, oblast), area)
    return _layer(names, list(raions)), np.argmax(overlap, axis=1).astype(np.intp)


def _first_per_point(count: int, points: IntArray, units: IntArray) -> IntArray:
    """For each of ``count`` points, the first unit paired with it, else -1."""
    result = np.full(count, -1, dtype=np.intp)
    if points.size:
        hit, first = np.unique(points, return_index=True)
        result[hit] = units[first]
    return result


def _containing(layer: _Layer, points: GeomArray) -> tuple[IntArray, IntArray]:
    """Every (point, unit) pair where the point lies in the unit, in point order."""
    point_idx, tile_idx = layer.tree.query(points, predicate="intersects")
    return point_idx.astype(np.intp), layer.owner[tile_idx]


def _oblast_of(points: GeomArray) -> IntArray:
    layer = _oblasts()
    result = _first_per_point(len(points), *_containing(layer, points))
    outside = np.flatnonzero(result < 0)
    if outside.size:
        near_point, near_tile = layer.tree.query_nearest(
            points[outside], max_distance=_MAX_DEGREES, all_matches=False
        )
        result[outside[near_point]] = layer.owner[near_tile]
    return result


def _raion_of(points: GeomArray, oblast: IntArray) -> IntArray:
    """The raion of each point, among the raions of the point's oblast only."""
    layer, raion_oblast = _raions()
    point_idx, unit = _containing(layer, points)
    same = raion_oblast[unit] == oblast[point_idx]
    result = _first_per_point(len(points), point_idx[same], unit[same])
    todo = np.flatnonzero((result < 0) & (oblast >= 0))
    if not todo.size:
        return result
    near_point, near_tile = layer.tree.query(
        points[todo], predicate="dwithin", distance=_MAX_DEGREES
    )
    unit = layer.owner[near_tile]
    same = raion_oblast[unit] == oblast[todo[near_point]]
    near_point, near_tile, unit = near_point[same], near_tile[same], unit[same]
    distance = shapely.distance(points[todo[near_point]], layer.tiles[near_tile])
    order = np.lexsort((distance, near_point))
    result[todo] = _first_per_point(todo.size, near_point[order], unit[order])
    return result


def _names(layer: _Layer, units: IntArray) -> pl.Series:
    index = pl.Series(units.astype(np.int64))
    index = pl.select(pl.when(index >= 0).then(index)).to_series()
    return pl.Series(layer.names.tolist(), dtype=pl.Utf8).gather(index)


def assign_admin(lat: pl.Series, lon: pl.Series) -> pl.DataFrame:
    """``admin1`` (oblast) and ``admin2`` (pre-2020 raion) ``shapeName`` of every point.

    Null, NaN or infinite coordinates, and points more than 10 km outside every unit, get
    null. The result has one row per input row, in input order. Repeated points (common
    after geocoding) are looked up once.
    """
    if lat.len() != lon.len():
        raise ValueError(f"lat has {lat.len()} values and lon {lon.len()}: give one of each")
    y = lat.cast(pl.Float64).fill_null(np.nan).to_numpy()
    x = lon.cast(pl.Float64).fill_null(np.nan).to_numpy()
    valid = np.isfinite(x) & np.isfinite(y)
    distinct, inverse = np.unique(x[valid] + 1j * y[valid], return_inverse=True)
    points = shapely.points(distinct.real, distinct.imag)
    oblast = _oblast_of(points)
    raion = _raion_of(points, oblast)
    oblast_rows = np.full(valid.size, -1, dtype=np.intp)
    raion_rows = np.full(valid.size, -1, dtype=np.intp)
    oblast_rows[valid] = oblast[inverse]
    raion_rows[valid] = raion[inverse]
    return pl.DataFrame(
        {"admin1": _names(_oblasts(), oblast_rows), "admin2": _names(_raions()[0], raion_rows)}
    )


def derive_admin1_codes(codes: pl.Series, units: pl.Series) -> pl.DataFrame:
    """Another dataset's first-level codes -> shipped ADM1 ``shapeName``, by majority vote.

    ``units`` is the ``admin1`` that :func:`assign_admin` gives each coded point. Each code
    takes the unit most of its points fall in. One row per code: ``code``, ``unit``,
    ``votes`` (its points in that unit) and ``share`` (of its points that are in any unit).
    """
    votes = (
        pl.DataFrame({"code": codes.cast(pl.Utf8), "unit": units.cast(pl.Utf8)})
        .drop_nulls()
        .group_by("code", "unit")
        .len("votes")
        .with_columns(share=pl.col("votes") / pl.col("votes").sum().over("code"))
    )
    ranked = votes.sort("votes", "unit", descending=[True, False])
    return ranked.unique("code", keep="first").sort("code")
