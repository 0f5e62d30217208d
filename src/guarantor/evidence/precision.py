"""Precision codes of time and place, on the UCDP scales, and the maps from other scales.

Time (UCDP ``date_prec``): 1 exact day; 2 a span of 2-6 days; 3 a week; 4 a month; 5 a year.
Place (UCDP ``where_prec``): 1 exact place; 2 within about 25 km of a known point; 3 a
second-order admin unit; 4 a first-order admin unit; 5 larger, or between two places;
6 the country; 7 international waters or airspace.
A province-level place stays a province-level place: nothing here sharpens precision.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

__all__ = [
    "ACLED_GEO_TO_PLACE",
    "ACLED_TIME_TO_TIME",
    "PLACE_PRECISION",
    "TIME_PRECISION",
    "place_radius_km",
]

TIME_PRECISION: Final = MappingProxyType(
    {1: "exact day", 2: "span of 2-6 days", 3: "week", 4: "month", 5: "year"}
)
PLACE_PRECISION: Final = MappingProxyType(
    {
        1: "exact place",
        2: "within about 25 km of a known point",
        3: "second-order admin unit",
        4: "first-order admin unit",
        5: "larger than first-order, or between places",
        6: "country",
        7: "international waters or airspace",
    }
)

# ACLED time_precision: 1 exact date; 2 a week or similar; 3 a month (mid-month used).
ACLED_TIME_TO_TIME: Final = MappingProxyType({1: 1, 2: 3, 3: 4})
# ACLED geo_precision: 1 the town named; 2 part of a region or near a town; 3 a larger region.
ACLED_GEO_TO_PLACE: Final = MappingProxyType({1: 1, 2: 2, 3: 4})

_RADIUS_KM: Final = MappingProxyType(
    {1: 5.0, 2: 25.0, 3: 50.0, 4: 150.0, 5: 300.0, 6: 1000.0, 7: 1000.0}
)


def place_radius_km(code: int) -> float:
    """How far, at most, the true place may be from the given point, for a precision code."""
    return _RADIUS_KM.get(code, 1000.0)
