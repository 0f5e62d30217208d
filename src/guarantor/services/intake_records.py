"""Intake of records sent in a request (the JSON API), through the same :func:`ingest`.

The records are written, one JSON object per line (keys sorted, no spaces), to a temporary
JSON Lines file, which the canonical JSON Lines importer reads exactly as it reads a file
given to ``guarantor ingest``: same parsing, geocoding, validation and idempotent batch store.
Record ``i`` of the request is line ``i + 1`` (the row number of its rejections). Sending the
same record again gives the same line, hence the same report key, hence a duplicate.

Besides the batch counts, the outcome gives the report key of each record (None when it was
rejected), noted by a thin wrapper around the importer as its chunks pass (no second parse),
and the batch's rejections and warnings (``ISSUE`` rows of the report store).

**What the batch says it was.** The stored batch's ``file_name`` is ``description`` (e.g.
``POST /api/reports by ana``), not the temporary file. With ``audited``, the import's audit
entry (``reports.import``, subject the batch id, details the counts) is appended by the
batch writer in the batch's own transaction, right before it commits: the batch and its
audit entry are stored together or not at all.

**A party's sources are its own.** :func:`party_scoped` prefixes the ``source_id`` of every
record a party sends with ``PARTY/`` (``tcg/patrol-9``; ``tcg/analyst-upload`` when it names
none): a party cannot speak as a source of the cell or of another party (nor inherit its
reliability grade), and the keys of its reports cannot meet theirs, so a party never finds
a report held from it by posting a record with the same key.

**What a party may learn.** :func:`as_seen_by` gives the outcome as a principal may see it:
a record whose key was already held, by a report not released to the principal's party, is
answered exactly like a record accepted now (its first occurrence counted as accepted, later
ones of the same request as duplicates, as for a new report). The verification cell sees the
true counts, which are also what the batch stores and audits.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from guarantor.evidence.reports import Source
from guarantor.services.intake import BatchSummary, Geocoder, ingest
from guarantor.services.intake_ports import BatchInfo, BatchWriter, Chunk, Importer, ReportStore
from guarantor.services.security import Principal, released_to

__all__ = [
    "AuditedReportStore",
    "HeldReports",
    "ImportAudit",
    "RecordsOutcome",
    "as_seen_by",
    "audited",
    "ingest_records",
    "party_scoped",
    "record_line",
]


@dataclass(frozen=True, slots=True)
class RecordsOutcome:
    summary: BatchSummary
    report_keys: tuple[str | None, ...]  # per record, in request order; None: rejected
    issues: pl.DataFrame  # row_number, kind (rejected|warning), field, value, expected, fix, raw


class AuditingBatchWriter(BatchWriter, Protocol):
    def append_audit(
        self, *, at: datetime, actor: str, action: str, subject: str, details: Mapping[str, Any]
    ) -> None:
        """Append an audit entry in the batch's transaction (stored only if the batch is)."""
        ...


class AuditedReportStore(ReportStore, Protocol):
    """A report store whose batch writers append audit entries in the batch's transaction."""

    def batch(self, info: BatchInfo) -> AbstractContextManager[AuditingBatchWriter]: ...


class HeldReports(Protocol):
    def holders(self, report_keys: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """Report key -> (id of the batch that stored it, releasability), for stored keys."""
        ...


@dataclass(frozen=True, slots=True)
class ImportAudit:
    """Who imports, when, and what else the ``reports.import`` entry records (e.g. the route)."""

    actor: str
    at: datetime
    details: Mapping[str, Any] = field(default_factory=dict)


def party_scoped(
    records: Sequence[Mapping[str, Any]], party: str, default_source: str
) -> list[dict[str, Any]]:
    """The records as ``party`` sends them: each ``source_id`` (``default_source`` when it
    has none) within the party's own namespace ``PARTY/``."""
    prefix = f"{party}/"
    scoped = []
    for record in records:
        named = record.get("source_id")
        source_id = str(named).strip() if named is not None else ""
        source_id = source_id or default_source
        if not source_id.startswith(prefix):
            source_id = prefix + source_id
        scoped.append({**record, "source_id": source_id})
    return scoped


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


class _AuditingWriter:
    """The batch writer, appending the import's audit entry right before the batch commits."""

    def __init__(self, inner: AuditingBatchWriter, batch_id: str, note: ImportAudit) -> None:
        self.inner, self.batch_id, self.note = inner, batch_id, note

    def ensure_sources(self, sources: list[Source]) -> None:
        self.inner.ensure_sources(sources)

    def write(
        self, reports: pl.DataFrame, rejections: pl.DataFrame, warnings: pl.DataFrame
    ) -> tuple[int, int]:
        return self.inner.write(reports, rejections, warnings)

    def commit(self, read: int, accepted: int, rejected: int, duplicate: int) -> None:
        counts = {"read": read, "accepted": accepted, "rejected": rejected, "duplicate": duplicate}
        self.inner.append_audit(
            at=self.note.at,
            actor=self.note.actor,
            action="reports.import",
            subject=self.batch_id,
            details={**self.note.details, **counts},
        )
        self.inner.commit(read, accepted, rejected, duplicate)


class _Described:
    """The store as :func:`ingest` sees it: the batch is named by ``description``, and its
    audit entry (if any) goes into its transaction."""

    def __init__(
        self, store: AuditedReportStore, description: str | None, note: ImportAudit | None
    ):
        self.store, self.description, self.note = store, description, note

    @contextmanager
    def batch(self, info: BatchInfo) -> Iterator[BatchWriter]:
        named = info if self.description is None else replace(info, file_name=self.description)
        with self.store.batch(named) as writer:
            yield writer if self.note is None else _AuditingWriter(writer, info.batch_id, self.note)

    def known_sources(self) -> dict[str, Source]:
        return self.store.known_sources()

    def issues(self, batch_id: str) -> pl.DataFrame:
        return self.store.issues(batch_id)


def audited(store: AuditedReportStore, note: ImportAudit) -> ReportStore:
    """``store`` as :func:`ingest` sees it when the import is audited: each batch appends its
    ``reports.import`` entry (who, when, the counts and ``note.details``) in its own
    transaction, so a batch and its audit entry are stored together or not at all."""
    return _Described(store, None, note)


def ingest_records(
    records: Sequence[Mapping[str, Any]],
    importer: Importer,
    source: Source,
    store: AuditedReportStore,
    geocoder: Geocoder,
    *,
    name: str = "api-reports",
    description: str = "records sent over the API",
    audited: ImportAudit | None = None,
    now: datetime | None = None,
) -> RecordsOutcome:
    """Ingest ``records`` (canonical report fields) as one batch through :func:`ingest`; the
    batch is stored as ``description``, audited in its transaction when ``audited`` is given."""
    with tempfile.TemporaryDirectory(prefix="guarantor-intake-") as folder:
        path = Path(folder) / f"{name}.jsonl"
        path.write_text("".join(record_line(r) + "\n" for r in records), encoding="utf-8")
        recorder = _KeyRecorder(importer)
        described = _Described(store, description, audited)
        summary = ingest(path, recorder, source, described, geocoder, now=now)
    summary = replace(summary, file_name=description)
    issues = store.issues(summary.batch_id)
    rejected = set(issues.filter(pl.col("kind") == "rejected")["row_number"].to_list())
    final = tuple(
        None if row in rejected else recorder.keys.get(row) for row in range(1, len(records) + 1)
    )
    return RecordsOutcome(summary, final, issues)


def as_seen_by(outcome: RecordsOutcome, principal: Principal, held: HeldReports) -> RecordsOutcome:
    """The outcome as ``principal`` may see it (see the module docstring): for a party, the
    records whose key another batch had stored, as a report not released to it, are answered
    like new reports. The verification cell, and a batch without duplicates, see it as is."""
    summary = outcome.summary
    if principal.party is None or summary.duplicate == 0:
        return outcome
    keys = list(dict.fromkeys(k for k in outcome.report_keys if k is not None))
    hidden = sum(
        1
        for batch_id, marking in held.holders(keys).values()
        if batch_id != summary.batch_id and not released_to(principal, marking)
    )
    if not hidden:
        return outcome
    shown = replace(
        summary, accepted=summary.accepted + hidden, duplicate=summary.duplicate - hidden
    )
    return replace(outcome, summary=shown)
