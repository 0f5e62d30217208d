"""Deployed positions: the ``near`` block, its columns and its explanation.

``near: {party: X, within_km: N}`` compiles to ``PositionDistance(X) <= N``
(:mod:`guarantor.scenarios.ir`). The distance is the great-circle distance (haversine on the
mean Earth radius, 6371.0088 km) from the incident's place to the nearest position of ``X``
or of one of its members (recursively) that is held at the incident's event time (half-open
``[from, until)``), rounded to the metre. It is null without coordinates or when no such
position is held then. Among positions at the same distance the first in the agreement's
order is named.

Both targets call :meth:`PositionIndex.values` (the stream on one incident at a time), so their
distances and the position they name are equal. The explanation of a result whose rule has a
``near`` block carries ``near``: ``party``, ``within_km``, ``position`` (id), ``label`` and
``distance_km``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import polars as pl

from guarantor.agreement.model import Near, ResolvedVersion
from guarantor.scenarios import ir
from guarantor.scenarios.compile import timestamp_us
from guarantor.scenarios.errors import RuleCompileError
from guarantor.scenarios.polars_target import near_column, near_position_column

__all__ = [
    "EARTH_RADIUS_KM",
    "PositionIndex",
    "add_position_columns",
    "compile_near",
    "near_document",
    "near_json_expr",
    "position_index",
]

EARTH_RADIUS_KM = 6371.0088
_NO_END = 2**62


def compile_near(near: Near, version: ResolvedVersion, *, where: str) -> ir.Node:
    """``near: {party, within_km}`` as IR, refusing an unknown party, a party without
    positions and a negative radius (the static checks report the same with file positions)."""
    parties = sorted(p.id for p in version.parties)
    if near.party not in parties:
        raise RuleCompileError(
            f"{where}: found near party '{near.party}', which the version does not define; "
            f"expected one of: {', '.join(parties) or 'none defined'}; fix: correct the party "
            "in the near block"
        )
    if not version.positions_of(near.party):
        held = sorted({p.party for p in version.positions}) or ["none"]
        raise RuleCompileError(
            f"{where}: found near party '{near.party}', which has no deployed positions (nor "
            f"have its members); expected a party with positions: {', '.join(held)}; fix: add "
            "its positions to the positions section or name another party"
        )
    if near.within_km < 0:
        raise RuleCompileError(
            f"{where}: found near within_km {near.within_km:g}, a negative radius; expected 0 "
            "or a positive number of km; fix: set within_km to 0 or more"
        )
    return ir.Compare("<=", ir.PositionDistance(near.party), ir.Const(near.within_km, "float"))


def _haversine_km(lons: np.ndarray, lats: np.ndarray, lon: float, lat: float) -> np.ndarray:
    phi1, phi2 = np.radians(lats), np.radians(lat)
    dphi = phi2 - phi1
    dlambda = np.radians(lon) - np.radians(lons)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    result: np.ndarray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return result


class PositionIndex:
    """The positions of the parties a version's rules are near, as arrays per party."""

    def __init__(self, version: ResolvedVersion, parties: Iterable[str]) -> None:
        self.parties = tuple(sorted(set(parties)))
        self.labels: dict[str, str] = {p.id: p.label for p in version.positions}
        self._spans: dict[str, list[tuple[str, float, float, int, int]]] = {}
        for party in self.parties:
            spans = []
            for place in version.positions_of(party):
                for interval in place.applies:
                    end = _NO_END if interval.end is None else timestamp_us(interval.end)
                    spans.append(
                        (place.id, place.lon, place.lat, timestamp_us(interval.start), end)
                    )
            self._spans[party] = spans

    def values(
        self, lons: np.ndarray, lats: np.ndarray, times: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Per party: km to the nearest held position (NaN if none or no place) and its id."""
        out: dict[str, np.ndarray] = {}
        known = ~(np.isnan(lons) | np.isnan(lats))
        for party in self.parties:
            spans = self._spans[party]
            best = np.full(lons.shape, np.inf)
            which = np.full(lons.shape, -1, dtype=np.int64)
            for number, (_, lon, lat, start, end) in enumerate(spans):
                held = known & (times >= start) & (times < end)
                if not held.any():
                    continue
                distance = np.where(held, _haversine_km(lons, lats, lon, lat), np.inf)
                closer = distance < best
                best[closer] = distance[closer]
                which[closer] = number
            found = which >= 0
            ids = np.array([s[0] for s in spans] + [None], dtype=object)
            out[near_column(party)] = np.where(found, np.round(best, 3), np.nan)
            out[near_position_column(party)] = ids[which]
        return out

    def record(self, lon: float | None, lat: float | None, time_us: int) -> dict[str, Any]:
        """The position columns of one incident (the stream's path; same function)."""
        place = np.array([np.nan if lon is None else lon], dtype=float)
        latitude = np.array([np.nan if lat is None else lat], dtype=float)
        values = self.values(place, latitude, np.array([time_us], dtype=np.int64))
        result: dict[str, Any] = {}
        for name, array in values.items():
            value = array[0]
            if isinstance(value, float) and np.isnan(value):
                value = None
            result[name] = value.item() if isinstance(value, np.generic) else value
        return result


_CACHE: list[tuple[ResolvedVersion, tuple[str, ...], PositionIndex]] = []


def position_index(version: ResolvedVersion, parties: tuple[str, ...]) -> PositionIndex:
    """The index of ``version``'s positions for ``parties`` (kept for the last few)."""
    for known, names, index in _CACHE:
        if known is version and names == parties:
            return index
    index = PositionIndex(version, parties)
    _CACHE.append((version, parties, index))
    del _CACHE[:-8]
    return index


def add_position_columns(frame: pl.DataFrame, index: PositionIndex) -> pl.DataFrame:
    """``frame`` with the distance and position-id columns of every party of ``index``."""
    if not index.parties:
        return frame
    lons = frame["lon"].fill_null(np.nan).to_numpy()
    lats = frame["lat"].fill_null(np.nan).to_numpy()
    values = index.values(lons, lats, frame["_t"].to_numpy())
    columns = []
    for name, array in values.items():
        if array.dtype == object:
            columns.append(pl.Series(name, array.tolist(), dtype=pl.String))
        else:
            columns.append(pl.Series(name, array).fill_nan(None))
    return frame.with_columns(columns)


def near_document(
    near: Near, record: Mapping[str, Any], labels: Mapping[str, str]
) -> dict[str, Any]:
    """The ``near`` member of an explanation, for one incident record (stream)."""
    position = record.get(near_position_column(near.party))
    return {
        "party": near.party,
        "within_km": near.within_km,
        "position": position,
        "label": None if position is None else labels.get(position),
        "distance_km": record.get(near_column(near.party)),
    }


def near_json_expr(near: Near, labels: Mapping[str, str]) -> pl.Expr:
    """``,"near":{...}`` (the member with its leading comma) over a frame (batch)."""
    position = pl.col(near_position_column(near.party))
    document = pl.struct(
        pl.lit(near.party).alias("party"),
        pl.lit(near.within_km, pl.Float64).alias("within_km"),
        position.alias("position"),
        position.replace_strict(labels, default=None, return_dtype=pl.String).alias("label"),
        pl.col(near_column(near.party)).alias("distance_km"),
    )
    return pl.concat_str([pl.lit(',"near":'), document.struct.json_encode()])
