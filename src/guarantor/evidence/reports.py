"""Sources and reports (PRODUCT.md section 3), as the canonical report frame.

Inside Guarantor a batch of reports is a Polars frame with exactly :data:`REPORT_SCHEMA`.
Every importer produces it; validation, geocoding, storage and fusion consume it. Times are
UTC; coordinates are WGS 84 float64; precision codes use the UCDP scales (see
:mod:`guarantor.evidence.precision`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

import polars as pl

__all__ = [
    "REPORT_COLUMNS",
    "REPORT_SCHEMA",
    "REQUIRED_COLUMNS",
    "SOURCE_KINDS",
    "Source",
    "SourceKind",
    "empty_reports",
]

SourceKind = Literal["patrol", "sensor", "partner_intelligence", "media", "official_statement"]
SOURCE_KINDS: Final = ("patrol", "sensor", "partner_intelligence", "media", "official_statement")


@dataclass(frozen=True, slots=True)
class Source:
    """Where reports come from: a kind and an Admiralty reliability grade A..F."""

    id: str
    name: str
    kind: SourceKind
    reliability: str
    organisation: str = ""


_UTC = pl.Datetime("us", "UTC")

REPORT_SCHEMA: Final[Mapping[str, pl.DataType | type[pl.DataType]]] = MappingProxyType(
    {
        "report_key": pl.Utf8,  # stable key: same input record -> same key, on every re-import
        "source_id": pl.Utf8,
        "source_record_id": pl.Utf8,  # the record's id in its source (UCDP id:article, ...)
        "event_ref": pl.Utf8,  # the source's own event grouping (UCDP id, VIINA event id)
        "reliability": pl.Utf8,  # Admiralty A..F of the source
        "credibility": pl.Int8,  # Admiralty 1..6 of this information
        "observed_at": _UTC,
        "observed_until": _UTC,  # end of the span the date could be in (same day if exact)
        "time_precision": pl.Int8,  # 1 exact day .. 5 year (UCDP date_prec)
        "lat": pl.Float64,
        "lon": pl.Float64,
        "place_precision": pl.Int8,  # 1 exact .. 7 water/airspace (UCDP where_prec)
        "place_name": pl.Utf8,
        "admin1": pl.Utf8,  # oblast, from the shipped boundaries (point in polygon)
        "admin2": pl.Utf8,  # pre-2020 raion, idem
        "geonames_id": pl.Int64,
        "type": pl.Utf8,  # incident type id of the taxonomy
        "type_original": pl.Utf8,  # the source's own words
        "weapon": pl.Utf8,
        "weapon_original": pl.Utf8,
        "calibre_mm": pl.Float64,
        "severity": pl.Int8,
        "deaths": pl.Int32,
        "injured": pl.Int32,
        "claimed_actor": pl.Utf8,
        "target": pl.Utf8,
        "text": pl.Utf8,
        "urls": pl.Utf8,  # ';'-separated
        "outlet": pl.Utf8,  # publisher of a media report
        "releasability": pl.Utf8,  # PUBLIC | REL TO a,b | INTERNAL a
        "raw": pl.Utf8,  # the input record verbatim (JSON object of the original fields)
        "row_number": pl.Int64,  # 1-based data row in the input file
    }
)

REPORT_COLUMNS: Final = tuple(REPORT_SCHEMA)
REQUIRED_COLUMNS: Final = (
    "report_key",
    "source_id",
    "observed_at",
    "time_precision",
    "type",
    "raw",
)


def empty_reports() -> pl.DataFrame:
    return pl.DataFrame(schema=dict(REPORT_SCHEMA))
