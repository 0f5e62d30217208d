"""Importers: one module per input layout."""

from guarantor.io.formats.errors import IntakeError
from guarantor.io.formats.mapped import MappingCsvImporter
from guarantor.io.formats.registry import (
    FORMATS,
    IMPORTERS,
    detect_format,
    importer_for,
    make_importer,
)

__all__: list[str] = [
    "FORMATS",
    "IMPORTERS",
    "IntakeError",
    "MappingCsvImporter",
    "detect_format",
    "importer_for",
    "make_importer",
]
