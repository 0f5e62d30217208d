"""Oblast and raion of any point, by point in polygon against the shipped geoBoundaries.

:func:`assign_admin` gives every point its ADM1 unit (oblast, Crimea, Kyiv, Sevastopol) and its
pre-2020 raion, as the ``shapeName`` of the shipped boundaries. It is vectorised: one
:class:`shapely.STRtree` query for all the points of a call, no Python loop over points.

How it works, and why:

- The units are cut into tiles of :data:`TILE_DEGREES` before they go into the tree. An oblast
  has about 1,000 vertices and GEOS tests a point against an unprepared tree geometry, which
  for a million points took 13 s; against the tiles (most are plain squares) it takes well
  under one second. The tiles are built once per process (about a second) and cached.
- Most points need no geometry at all: a point whose cell of a finer grid
  (:data:`CELL_DEGREES`, about 3.5 by 2.3 km) lies wholly inside one unit takes that unit by
  array lookup. Only points in cells cut by a border go to the tree (and only they become
  GEOS points, which cost more than the lookup). The grids are built with the tiles.
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

__all__ = [
    "CELL_DEGREES",
    "KM_PER_DEGREE",
    "NEAREST_KM",
    "TILE_DEGREES",
    "assign_admin",
    "derive_admin1_codes",
]

NEAREST_KM: Final = 10.0
KM_PER_DEGREE: Final = 111.32  # a degree of latitude; a degree of longitude is never longer
TILE_DEGREES: Final = 0.25
CELL_DEGREES: Final = 1 / 32  # a power of two: cell numbers and edges are exact in binary
_MAX_DEGREES: Final = NEAREST_KM / KM_PER_DEGREE

IntArray = npt.NDArray[np.intp]
GeomArray = npt.NDArray[np.object_]


@dataclass(frozen=True, slots=True)
class _Layer:
    """Units of one level, cut into tiles in one tree; ``owner[i]`` is the unit of tile i.

    ``cells`` maps the grid cells that lie wholly inside one unit (``contains_properly``) to
    that unit: a point in such a cell needs no geometry test at all.
    """

    names: npt.NDArray[np.str_]
    tiles: GeomArray
    owner: IntArray
    tree: shapely.STRtree
    cells: _Cells


@dataclass(frozen=True, slots=True)
class _Cells:
    """A dense grid of :data:`CELL_DEGREES` cells from (``x0``, ``y0``): unit index or -1."""

    x0: int
    y0: int
    unit: IntArray

    def lookup(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> IntArray:
        """The unit whose whole cell holds each point, else -1 (the point needs a test)."""
        ix = np.floor(x / CELL_DEGREES).astype(np.int64) - self.x0
        iy = np.floor(y / CELL_DEGREES).astype(np.int64) - self.y0
        rows, columns = self.unit.shape
        inside = (ix >= 0) & (ix < columns) & (iy >= 0) & (iy < rows)
        result = np.full(x.size, -1, dtype=np.intp)
        result[inside] = self.unit[iy[inside], ix[inside]]
        return result


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


def _whole_cells(geometry: BaseGeometry) -> npt.NDArray[np.int64]:
    """Grid numbers (x, y) of the :data:`CELL_DEGREES` cells that lie wholly inside
    ``geometry`` (its interior holds the closed cell)."""
    x0, y0, x1, y1 = geometry.bounds
    ix, iy = (
        a.ravel()
        for a in np.meshgrid(
            np.arange(np.floor(x0 / CELL_DEGREES), np.ceil(x1 / CELL_DEGREES)),
            np.arange(np.floor(y0 / CELL_DEGREES), np.ceil(y1 / CELL_DEGREES)),
        )
    )
    gx, gy = ix * CELL_DEGREES, iy * CELL_DEGREES
    shapely.prepare(geometry)
    inside = shapely.contains_properly(
        geometry, shapely.box(gx, gy, gx + CELL_DEGREES, gy + CELL_DEGREES)
    )
    return np.stack([ix[inside], iy[inside]], axis=1).astype(np.int64)


def _cells(whole: list[npt.NDArray[np.int64]]) -> _Cells:
    """The grid of whole cells; a cell claimed by two units (overlapping data) is tested."""
    numbered = [(unit, cell) for unit, cells in enumerate(whole) for cell in cells]
    if not numbered:
        return _Cells(0, 0, np.full((0, 0), -1, dtype=np.intp))
    xy = np.array([cell for _, cell in numbered], dtype=np.int64)
    units = np.array([unit for unit, _ in numbered], dtype=np.intp)
    x0, y0 = int(xy[:, 0].min()), int(xy[:, 1].min())
    shape_ = (int(xy[:, 1].max()) - y0 + 1, int(xy[:, 0].max()) - x0 + 1)
    grid = np.full(shape_, -1, dtype=np.intp)
    claims = np.zeros(shape_, dtype=np.intp)
    np.add.at(claims, (xy[:, 1] - y0, xy[:, 0] - x0), 1)
    grid[xy[:, 1] - y0, xy[:, 0] - x0] = units
    grid[claims > 1] = -1
    return _Cells(x0, y0, grid)


def _layer(names: list[str], geometries: list[BaseGeometry]) -> _Layer:
    tiles = [_tiles(geometry) for geometry in geometries]
    owner = [np.full(len(t), unit, dtype=np.intp) for unit, t in enumerate(tiles)]
    all_tiles = np.concatenate(tiles)
    return _Layer(
        np.array(names),
        all_tiles,
        np.concatenate(owner),
        shapely.STRtree(all_tiles),
        _cells([_whole_cells(geometry) for geometry in geometries]),
    )


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


def _units_of(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> tuple[IntArray, IntArray]:
    """(oblast, raion) index of each point: by its grid cell where the cell lies wholly in one
    unit (and, for a raion, in one of the point's oblast), else by the geometry tests."""
    oblasts = _oblasts()
    oblast = oblasts.cells.lookup(x, y)
    slow = np.flatnonzero(oblast < 0)
    if slow.size:
        oblast[slow] = _oblast_of(shapely.points(x[slow], y[slow]))
    raions, raion_oblast = _raions()
    raion = raions.cells.lookup(x, y)
    known = raion >= 0
    known[known] = raion_oblast[raion[known]] == oblast[known]
    slow = np.flatnonzero(~known)
    if slow.size:
        raion[slow] = _raion_of(shapely.points(x[slow], y[slow]), oblast[slow])
    return oblast, raion


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
    oblast, raion = _units_of(distinct.real, distinct.imag)
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
