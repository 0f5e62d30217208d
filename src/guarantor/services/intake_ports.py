"""Ports of the intake use case: what it needs from geocoding and from report storage."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import polars as pl

from guarantor.evidence.reports import Source

__all__ = [
    "REJECTION_SCHEMA",
    "AdminAssigner",
    "BatchInfo",
    "BatchWriter",
    "Chunk",
    "Importer",
    "PlaceResolver",
    "Rejection",
    "ReportStore",
    "rejections_frame",
]


class PlaceResolver(Protocol):
    """Names to coordinates: columns lat, lon, geonames_id, resolution, candidates."""

    def resolve(self, names: pl.Series, admin1_hints: pl.Series | None) -> pl.DataFrame: ...


class AdminAssigner(Protocol):
    """Points to their units: columns admin1, admin2 (null outside the boundaries)."""

    def __call__(self, lat: pl.Series, lon: pl.Series) -> pl.DataFrame: ...


@dataclass(frozen=True, slots=True)
class BatchInfo:
    """One import: the file, its content hash, the layout and the default source."""

    batch_id: str
    file_name: str
    file_sha256: str
    file_bytes: int
    format: str
    source_id: str
    started_at: datetime


class BatchWriter(Protocol):
    """Writes one batch inside one transaction: nothing is visible until ``commit``."""

    def ensure_sources(self, sources: list[Source]) -> None: ...

    def write(
        self, reports: pl.DataFrame, rejections: pl.DataFrame, warnings: pl.DataFrame
    ) -> tuple[int, int]:
        """Store reports (skipping keys already stored) and the rejection and warning rows;
        returns (newly accepted, duplicates)."""
        ...

    def commit(self, read: int, accepted: int, rejected: int, duplicate: int) -> None: ...


class ReportStore(Protocol):
    def batch(self, info: BatchInfo) -> AbstractContextManager[BatchWriter]:
        """A context manager (``with store.batch(info) as writer``) that rolls back on error;
        an interrupted batch leaves no report behind and is marked abandoned on the next run."""
        ...

    def known_sources(self) -> dict[str, Source]: ...

    def issues(self, batch_id: str) -> pl.DataFrame:
        """Rejections and warnings of a batch: row_number, kind, field, value, expected, fix,
        raw."""
        ...


# The importer contract (implemented in guarantor.io.formats): see that package's base module.


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

    def chunks(
        self, path: Path, *, source: Source, chunk_rows: int = 100_000
    ) -> Iterator[Chunk]: ...


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
