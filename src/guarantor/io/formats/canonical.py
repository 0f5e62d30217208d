"""Our own layout in CSV, JSON Lines and GeoJSON: field names are the report fields.

Required: ``observed_at`` (RFC 3339 with its offset or ``Z``, or a date ``YYYY-MM-DD``
meaning that day in UTC) and ``type`` (one of our incident type ids). Optional: every other
field of :data:`~guarantor.evidence.reports.REPORT_SCHEMA` except the computed ones
(``report_key``, ``raw``, ``row_number``, ``admin1``, ``admin2``); ``source_id`` defaults to
the source given to the importer. Other columns are ignored, but kept in ``raw``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import polars as pl

from guarantor.evidence.reports import Source
from guarantor.io.formats.assemble import INPUT_FIELDS, Layout, assemble
from guarantor.io.formats.base import Chunk, Rejection
from guarantor.io.formats.chunking import ROW
from guarantor.io.formats.jsonreaders import (
    GEOMETRY_PROBLEM,
    read_geojson_batches,
    read_jsonl_batches,
)
from guarantor.io.formats.keys import RAW, raw_json
from guarantor.io.formats.parsing import Check, TimeFormats
from guarantor.io.formats.readers import CsvBatch, read_csv_batches, require_columns

__all__ = [
    "CANONICAL_LAYOUT",
    "CANONICAL_REQUIRED",
    "CanonicalCsvImporter",
    "CanonicalGeojsonImporter",
    "CanonicalJsonlImporter",
    "canonical_chunk",
]

CANONICAL_REQUIRED = ("observed_at", "type")
RFC3339 = TimeFormats(
    dates=("%Y-%m-%d",),
    aware=("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z"),
    described=(
        "an RFC 3339 time with its UTC offset, e.g. 2015-02-15T00:00:00+02:00 or "
        "2015-02-14T22:00:00Z, or a date meaning that whole day in UTC, e.g. 2015-02-15"
    ),
)
CANONICAL_LAYOUT = Layout(
    name="canonical",
    times=RFC3339,
    vocabulary="guarantor",
    term_is_original=False,
    time_fix="write the time with its UTC offset (Z for UTC), or a date as YYYY-MM-DD",
)
_GEOMETRY_CHECK = Check(
    field="geometry",
    bad=pl.col(GEOMETRY_PROBLEM).is_not_null(),
    value=pl.col(GEOMETRY_PROBLEM),
    expected="a Point geometry [lon, lat], or none (the place is then geocoded from place_name)",
    fix="give the report's point; for an area, use its representative point and a coarser "
    "place_precision",
)


def canonical_chunk(batch: CsvBatch, source: Source) -> Chunk:
    """A chunk of reports from a batch of canonical records (text columns, ROW, maybe RAW)."""
    frame = batch.frame
    originals = [c for c in frame.columns if c not in (ROW, RAW, GEOMETRY_PROBLEM)]
    if RAW not in frame.columns:
        frame = frame.with_columns(raw_json(originals))
    fields = [c for c in originals if c in INPUT_FIELDS]
    extra: list[Check] = []
    keep = [ROW, RAW, *fields]
    if GEOMETRY_PROBLEM in frame.columns:
        keep.append(GEOMETRY_PROBLEM)
        extra.append(_GEOMETRY_CHECK)
    reports, rejected = assemble(frame.select(keep), CANONICAL_LAYOUT, source, extra)
    return Chunk(reports, merge_rejections(batch.rejections, rejected), batch.records)


def merge_rejections(*groups: Iterable[Rejection]) -> list[Rejection]:
    """All rejections, in input order."""
    return sorted((r for g in groups for r in g), key=lambda r: r.row_number)


def _checked(batches: Iterator[CsvBatch], display: str) -> Iterator[CsvBatch]:
    """The batches, after checking that the first records name the required fields at all."""
    checked = False
    for batch in batches:
        if not checked and batch.frame.height:
            require_columns(batch.frame.columns, CANONICAL_REQUIRED, display)
            checked = True
        yield batch


class CanonicalCsvImporter:
    name = "canonical_csv"

    def chunks(self, path: Path, *, source: Source, chunk_rows: int = 100_000) -> Iterator[Chunk]:
        batches = read_csv_batches(path, chunk_rows=chunk_rows, required=CANONICAL_REQUIRED)
        for batch in batches:
            yield canonical_chunk(batch, source)


class CanonicalJsonlImporter:
    name = "canonical_jsonl"

    def chunks(self, path: Path, *, source: Source, chunk_rows: int = 100_000) -> Iterator[Chunk]:
        batches = read_jsonl_batches(path, chunk_rows=chunk_rows)
        for batch in _checked(batches, str(path)):
            yield canonical_chunk(batch, source)


class CanonicalGeojsonImporter:
    name = "canonical_geojson"

    def chunks(self, path: Path, *, source: Source, chunk_rows: int = 100_000) -> Iterator[Chunk]:
        batches = read_geojson_batches(path, chunk_rows=chunk_rows)
        for batch in _checked(batches, str(path)):
            yield canonical_chunk(batch, source)
