"""Intake of records sent in a request (the JSON API), through the same :func:`ingest`.

The records are written, one JSON object per line (keys sorted, no spaces), to a temporary
JSON Lines file, which the canonical JSON Lines importer reads exactly as it reads a file
given to ``guarantor ingest``: same parsing, geocoding, validation and idempotent batch store.
Record ``i`` of the request is line ``i + 1`` (the row number of its rejections). Sending the
same record again gives the same line, hence the same report key, hence a duplicate.

Besides the batch counts, the outcome gives the report key of each record (None when it was
rejected), noted by a thin wrapper around the importer as its chunks pass (no second parse),
and the batch's rejections and warnings (``ISSUE`` rows of the report store).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from guarantor.evidence.reports import Source
from guarantor.services.intake import BatchSummary, Geocoder, ingest
from guarantor.services.intake_ports import Chunk, Importer, ReportStore

__all__ = ["RecordsOutcome", "ingest_records", "record_line"]


@dataclass(frozen=True, slots=True)
class RecordsOutcome:
    summary: BatchSummary
    report_keys: tuple[str | None, ...]  # per record, in request order; None: rejected
    issues: pl.DataFrame  # row_number, kind (rejected|warning), field, value, expected, fix, raw


def record_line(record: Mapping[str, Any]) -> str:
    """The JSON line of one record: keys sorted, no spaces, nulls left out."""
    present = {k: v for k, v in record.items() if v is not None}
    return json.dumps(present, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class _KeyRecorder:
    """An importer that passes on the chunks of another, noting each report's key by row."""

    def __init__(self, importer: Importer) -> None:
        self.inner = importer
        self.name = importer.name
        self.keys: dict[int, str] = {}

    def chunks(self, path: Path, *, source: Source, chunk_rows: int = 100_000) -> Iterator[Chunk]:
        for chunk in self.inner.chunks(path, source=source, chunk_rows=chunk_rows):
            rows = chunk.reports.select("row_number", "report_key").iter_rows()
            self.keys.update((int(row), str(key)) for row, key in rows)
            yield chunk


def ingest_records(
    records: Sequence[Mapping[str, Any]],
    importer: Importer,
    source: Source,
    store: ReportStore,
    geocoder: Geocoder,
    *,
    name: str = "api-reports",
    now: datetime | None = None,
) -> RecordsOutcome:
    """Ingest ``records`` (canonical report fields) as one batch through :func:`ingest`."""
    with tempfile.TemporaryDirectory(prefix="guarantor-intake-") as folder:
        path = Path(folder) / f"{name}.jsonl"
        path.write_text("".join(record_line(r) + "\n" for r in records), encoding="utf-8")
        recorder = _KeyRecorder(importer)
        summary = ingest(path, recorder, source, store, geocoder, now=now)
    issues = store.issues(summary.batch_id)
    rejected = set(issues.filter(pl.col("kind") == "rejected")["row_number"].to_list())
    final = tuple(
        None if row in rejected else recorder.keys.get(row) for row in range(1, len(records) + 1)
    )
    return RecordsOutcome(summary, final, issues)
