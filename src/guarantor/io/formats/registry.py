"""The importers by name, and telling a file's layout from its name and header."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import MappingProxyType
from typing import Final

from guarantor.io.formats.acled import AcledImporter
from guarantor.io.formats.base import Importer
from guarantor.io.formats.canonical import (
    CanonicalCsvImporter,
    CanonicalGeojsonImporter,
    CanonicalJsonlImporter,
)
from guarantor.io.formats.errors import intake_error
from guarantor.io.formats.mapped import MappingCsvImporter
from guarantor.io.formats.readers import read_header
from guarantor.io.formats.ucdp import UcdpGedImporter
from guarantor.io.formats.viina import ViinaImporter

__all__ = ["FORMATS", "IMPORTERS", "detect_format", "importer_for", "make_importer"]

IMPORTERS: Final[MappingProxyType[str, Importer]] = MappingProxyType(
    {
        "canonical_csv": CanonicalCsvImporter(),
        "canonical_jsonl": CanonicalJsonlImporter(),
        "canonical_geojson": CanonicalGeojsonImporter(),
        "ucdp_ged": UcdpGedImporter(),
        "acled": AcledImporter(),
        "viina": ViinaImporter(),
    }
)
FORMATS: Final = (*IMPORTERS, "mapped_csv")

_VIINA = {"event_id_1pd", "n_reports", "event_ids_matching", "sources_matching"}
_JSON_LINES = (".jsonl", ".ndjson", ".geojsonl", ".geojsonseq")
_CSV = (".csv", ".txt")


def importer_for(name: str, *, mapping: Path | None = None) -> Importer:
    """The importer called ``name``; ``mapped_csv`` needs its ``mapping`` file."""
    if name == "mapped_csv":
        if mapping is None:
            raise intake_error(
                "mapped_csv",
                found="no mapping file",
                expected="a column-mapping YAML file for the mapped_csv layout",
                fix="write one (see docs/intake.md, 'Mapping') and pass its path",
                code="mapping_missing",
            )
        return MappingCsvImporter(mapping)
    if name not in IMPORTERS:
        raise intake_error(
            name,
            found=f"an unknown input layout '{name}'",
            expected="one of " + ", ".join(FORMATS),
            fix="name one of these layouts",
            code="unknown_format",
        )
    return IMPORTERS[name]


def make_importer(
    path: Path, format_name: str | None = None, mapping: Path | None = None
) -> Importer:
    """The importer for ``path``: the named layout, ``mapped_csv`` when only a mapping file is
    given, else the layout :func:`detect_format` tells."""
    if format_name is None:
        format_name = "mapped_csv" if mapping is not None else detect_format(path)
    return importer_for(format_name, mapping=mapping)


def detect_format(path: Path) -> str:
    """The layout of ``path``, from its extension and (for CSV) its header columns."""
    suffix = path.suffix.lower()
    if suffix == ".geojson":
        return "canonical_geojson"
    if suffix == ".json":
        return "canonical_geojson" if _is_document(path) else "canonical_jsonl"
    if suffix in _JSON_LINES:
        return "canonical_jsonl"
    if suffix not in _CSV and suffix:
        raise _undetected(path, f"a file ending in '{path.suffix}'")
    names = set(read_header(path))
    if {"where_prec", "date_prec"} <= names:
        return "ucdp_ged"
    if "event_id_cnty" in names:
        return "acled"
    if names >= _VIINA:
        return "viina"
    if {"observed_at", "type"} <= names:
        return "canonical_csv"
    shown = ", ".join(sorted(names)[:12]) + (" ..." if len(names) > 12 else "")
    raise _undetected(path, f"a CSV header in no known layout ({shown})")


def _is_document(path: Path) -> bool:
    """A GeoJSON document rather than JSON Lines: it says FeatureCollection early, or its
    first line is not a whole JSON value."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16).decode("utf-8-sig", errors="replace").lstrip()
    if re.search(r'"type"\s*:\s*"FeatureCollection"', head):
        return True
    try:
        json.loads(head.split("\n", 1)[0])
    except json.JSONDecodeError:
        return True
    return False


def _undetected(path: Path, found: str) -> Exception:
    return intake_error(
        str(path),
        found=found,
        expected="CSV with our column names (observed_at, type, ...), the UCDP GED, ACLED or "
        "VIINA columns, JSON Lines (.jsonl) or GeoJSON (.geojson)",
        fix="name the layout explicitly, or write a column mapping for mapped_csv "
        "(docs/intake.md, 'Mapping')",
        code="unknown_layout",
    )
