"""The incident fields a rule expression may read, with their types.

This is the contract between the agreement (rules) and the evidence side (incidents): the
engine presents each incident to a rule as a record with these fields. Types are the names
the expression checker uses: ``int``, ``float``, ``string``, ``bool``, ``timestamp``.
A field may be null (unknown) on any incident; ``has(field)`` tests for that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["FUNCTIONS", "INCIDENT_FIELDS", "FieldSpec", "FunctionSpec"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: str
    description: str
    example: str


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    name: str
    params: tuple[str, ...]
    returns: str
    description: str
    example: str


_FIELDS = (
    FieldSpec("id", "string", "incident id", 'id == "inc-42"'),
    FieldSpec(
        "type", "string", "incident type id from the agreement taxonomy", 'type == "shelling"'
    ),
    FieldSpec(
        "weapon", "string", "weapon class id from the agreement taxonomy", 'weapon == "mlrs"'
    ),
    FieldSpec("calibre_mm", "float", "calibre of the weapon in millimetres", "calibre_mm >= 100"),
    FieldSpec("severity", "int", "severity level from the agreement taxonomy", "severity >= 3"),
    FieldSpec(
        "time", "timestamp", "observed time (UTC)", 'time >= timestamp("2015-02-15T00:00:00+02:00")'
    ),
    FieldSpec(
        "time_precision", "int", "1 exact day .. 5 year (UCDP date_prec)", "time_precision <= 2"
    ),
    FieldSpec(
        "place_precision",
        "int",
        "1 exact place .. 7 water or airspace (UCDP where_prec)",
        "place_precision <= 2",
    ),
    FieldSpec("lat", "float", "latitude, WGS 84", "lat > 47.0"),
    FieldSpec("lon", "float", "longitude, WGS 84", "lon > 37.0"),
    FieldSpec(
        "oblast",
        "string",
        "first-level unit (geoBoundaries shapeName)",
        'oblast == "Donetsk Oblast"',
    ),
    FieldSpec(
        "raion", "string", "pre-2020 raion (geoBoundaries shapeName)", 'raion == "Volnovaskyi"'
    ),
    FieldSpec("sector", "string", "monitoring sector assigned at intake", 'sector == "north"'),
    FieldSpec("actor", "string", "party id the incident is attributed to", 'actor == "ru"'),
    FieldSpec(
        "target",
        "string",
        "what was hit: civilian, military, infrastructure, monitors",
        'target == "civilian"',
    ),
    FieldSpec("deaths", "int", "people killed (best estimate)", "deaths > 0"),
    FieldSpec("injured", "int", "people injured", "injured >= 1"),
    FieldSpec("sources", "int", "number of independent sources", "sources >= 2"),
    FieldSpec("credibility", "int", "Admiralty information credibility 1..6", "credibility <= 2"),
    FieldSpec(
        "reliability",
        "string",
        "best Admiralty source reliability A..F",
        'reliability in ["A", "B"]',
    ),
    FieldSpec(
        "status",
        "string",
        "analyst status: unverified, corroborated, confirmed, disputed, rejected",
        'status != "rejected"',
    ),
    FieldSpec(
        "count", "int", "a quantity observed (troops, weapons); 1 when not given", "count >= 1"
    ),
)

INCIDENT_FIELDS: Mapping[str, FieldSpec] = MappingProxyType({f.name: f for f in _FIELDS})

_FUNCTIONS = (
    FunctionSpec(
        "has",
        ("field",),
        "bool",
        "the field is known (not null) on the incident",
        "has(calibre_mm)",
    ),
    FunctionSpec(
        "in_zone",
        ("string",),
        "bool",
        "the incident's place lies inside the zone",
        'in_zone("security-zone-artillery")',
    ),
    FunctionSpec(
        "distance_km",
        ("string",),
        "float",
        "distance in km from the incident's place to the zone (0 inside)",
        'distance_km("line-of-contact") < 50',
    ),
    FunctionSpec(
        "within_km",
        ("string", "number"),
        "bool",
        "the incident is within the given km of the zone",
        'within_km("line-of-contact", 15)',
    ),
    FunctionSpec("size", ("list",), "int", "number of items in a list", "size([1, 2]) == 2"),
    FunctionSpec(
        "timestamp",
        ("string",),
        "timestamp",
        "an RFC 3339 time literal with offset",
        'timestamp("2015-02-15T00:00:00+02:00")',
    ),
    FunctionSpec(
        "duration",
        ("string",),
        "duration",
        "a duration literal: s, m, h, d or w",
        'duration("24h")',
    ),
)

FUNCTIONS: Mapping[str, FunctionSpec] = MappingProxyType({f.name: f for f in _FUNCTIONS})
