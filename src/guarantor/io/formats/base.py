"""The contract every importer keeps: an input file in, canonical report chunks out.

An importer reads its file in chunks (bounded memory for any file size) and yields for
each chunk the reports it could build, as a frame with :data:`REPORT_SCHEMA`, and a
:class:`Rejection` for every input record it could not turn into a report. It never drops a
record silently: ``records`` counts what it read, and every record read is either in
``reports`` or in ``rejections`` (one input row may yield several reports, e.g. a UCDP event
with three source articles: then ``records`` counts the reports it yields).

Importers fill what their layout carries; fields they cannot know stay null. Geocoding
(coordinates from place names, oblast and raion by point in polygon) and the common
validation run after them, in the intake service.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl

from guarantor.evidence.reports import Source

__all__ = ["Chunk", "Importer", "Rejection", "rejections_frame"]


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input record that did not become a report: where, what, expected, and the fix."""

    row_number: int
    field: str
    value: str
    expected: str
    fix: str
    raw: str


@dataclass(frozen=True, slots=True)
class Chunk:
    reports: pl.DataFrame
    rejections: list[Rejection] = field(default_factory=list)
    records: int = 0


class Importer(Protocol):
    """``source`` is the default source for records that do not name their own."""

    name: str

    def chunks(self, path: Path, *, source: Source, chunk_rows: int = 100_000) -> Iterator[Chunk]: ...


REJECTION_SCHEMA = {
    "row_number": pl.Int64,
    "field": pl.Utf8,
    "value": pl.Utf8,
    "expected": pl.Utf8,
    "fix": pl.Utf8,
    "raw": pl.Utf8,
}


def rejections_frame(rejections: list[Rejection]) -> pl.DataFrame:
    return pl.DataFrame(
        [(r.row_number, r.field, r.value, r.expected, r.fix, r.raw) for r in rejections],
        schema=REJECTION_SCHEMA,
        orient="row",
    )
