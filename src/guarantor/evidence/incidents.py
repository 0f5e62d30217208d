"""Incidents: what the analysts believe happened (PRODUCT.md section 3), as a frame.

Fusion turns a frame of reports (:data:`guarantor.evidence.reports.REPORT_SCHEMA`) into a
frame of incidents with :data:`INCIDENT_SCHEMA` and a membership frame
(:data:`MEMBERSHIP_SCHEMA`: which report belongs to which incident, and why). Column names
follow the rule fields of the agreement (``guarantor.agreement.fields``) where they mean the
same thing, so that the engine reads incidents without renaming (``incident_id`` is the
rule field ``id``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import polars as pl

__all__ = ["ANALYST_STATUSES", "INCIDENT_SCHEMA", "MEMBERSHIP_SCHEMA"]

ANALYST_STATUSES: Final = ("unverified", "corroborated", "confirmed", "disputed", "rejected")

_UTC = pl.Datetime("us", "UTC")

INCIDENT_SCHEMA: Final[Mapping[str, pl.DataType | type[pl.DataType]]] = MappingProxyType(
    {
        "incident_id": pl.Utf8,  # stable: derived from the member report keys (see fusion)
        "time": _UTC,  # fused observed time: the most precise report's
        "time_until": _UTC,
        "time_precision": pl.Int8,
        "lat": pl.Float64,
        "lon": pl.Float64,
        "place_precision": pl.Int8,
        "place_name": pl.Utf8,
        "oblast": pl.Utf8,
        "raion": pl.Utf8,
        "sector": pl.Utf8,
        "type": pl.Utf8,
        "weapon": pl.Utf8,
        "calibre_mm": pl.Float64,
        "severity": pl.Int8,
        "deaths": pl.Int32,
        "injured": pl.Int32,
        "actor": pl.Utf8,  # claimed actor (attribution is a separate judgement)
        "target": pl.Utf8,
        "count": pl.Int32,
        "reports": pl.Int32,  # member reports
        "sources": pl.Int32,  # independent sources (echoes collapsed)
        "credibility": pl.Int8,  # Admiralty 1..6 rolled up
        "reliability": pl.Utf8,  # best Admiralty A..F among independent sources
        "status": pl.Utf8,  # analyst status, one of ANALYST_STATUSES
        "disagreements": pl.Utf8,  # JSON: attributes on which member reports differ
        "releasability": pl.Utf8,  # the most restrictive marking of the members
    }
)

MEMBERSHIP_SCHEMA: Final[Mapping[str, pl.DataType | type[pl.DataType]]] = MappingProxyType(
    {
        "incident_id": pl.Utf8,
        "report_key": pl.Utf8,
        "joined_by": pl.Utf8,  # report_key of the member it was linked to (null: the seed)
        "evidence": pl.Utf8,  # JSON: distance_km, hours, text similarity, shared URL, rule
    }
)
