"""``POST /api/reports`` (one report) and ``POST /api/reports/batch`` (many): intake over HTTP.

The body is the canonical report layout (the field names of the canonical CSV/JSONL/GeoJSON
import, docs/intake.md): ``observed_at`` and ``type`` are required, every other report field
is optional, other fields are kept in the report's raw record. Records go through the same
intake as ``guarantor ingest`` (:mod:`guarantor.services.intake_records`): parsing, geocoding,
validation, and the idempotent batch store, so the same report sent twice is a duplicate, not
a second row. Records without ``source_id`` get the source ``analyst-upload`` (as the CLI).
The sources of a party user's records are the party's own (``tcg/patrol-9``,
``tcg/analyst-upload``; :func:`guarantor.services.intake_records.party_scoped`).

The answer gives the batch counts (``read == accepted + rejected + duplicate``), the report key
of each record (null when rejected), and each rejection and warning with its ``location`` in
the request body (``body.reports[3].lat``; ``body.lat`` for a single report). A batch holds at
most :data:`MAX_BATCH` reports. Permission ``reports.write``; the import is audited
(``reports.import``, with the true counts) in the batch's own transaction, and the batch is
stored as ``POST /api/reports by USER``.

A party user is never told that a report not released to its party is already held: such a
record is answered exactly like a report accepted now (``accepted``, with its key), see
:func:`guarantor.services.intake_records.as_seen_by`. The verification cell sees the true
counts (``duplicate``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from guarantor.evidence.reports import Source
from guarantor.services.intake_records import (
    ImportAudit,
    RecordsOutcome,
    as_seen_by,
    ingest_records,
    party_scoped,
)
from guarantor.services.security import Permission, Principal
from guarantor.storage.report_holders import SqlReportHolders
from guarantor.storage.report_store import SqlReportStore
from guarantor.web.auth import requires
from guarantor.web.deps import application_of, now

__all__ = ["MAX_BATCH", "BatchOut", "ReportIn", "router"]

router = APIRouter(prefix="/api/reports", tags=["reports"])

MAX_BATCH = 10_000
DEFAULT_SOURCE = Source("analyst-upload", "analyst-upload", "media", "F")
Scalar = str | int | float | None
_EXAMPLE: dict[str, Any] = {
    "observed_at": "2015-02-16T06:30:00+02:00",
    "type": "shelling",
    "place_name": "Debaltseve",
    "lat": 48.34,
    "lon": 38.4,
    "source_id": "patrol-7",
    "releasability": "PUBLIC",
}


class ReportIn(BaseModel):
    """One report in the canonical layout (docs/intake.md); other fields go to its raw record."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [_EXAMPLE]})

    observed_at: str = Field(description="RFC 3339 time with its offset, or a date YYYY-MM-DD")
    type: str = Field(description="an incident type id of the taxonomy, e.g. shelling")
    observed_until: Scalar = None
    time_precision: Scalar = None
    source_id: Scalar = Field(
        default=None,
        description="default: analyst-upload; a party user's sources are its own: PARTY/id",
    )
    source_record_id: Scalar = None
    event_ref: Scalar = None
    reliability: Scalar = None
    credibility: Scalar = None
    lat: Scalar = None
    lon: Scalar = None
    place_precision: Scalar = None
    place_name: Scalar = None
    geonames_id: Scalar = None
    type_original: Scalar = None
    weapon: Scalar = None
    weapon_original: Scalar = None
    calibre_mm: Scalar = None
    severity: Scalar = None
    deaths: Scalar = None
    injured: Scalar = None
    claimed_actor: Scalar = None
    target: Scalar = None
    text: Scalar = None
    urls: Scalar = None
    outlet: Scalar = None
    releasability: Scalar = Field(default=None, description="PUBLIC, REL TO a,b or INTERNAL a")


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reports: list[ReportIn] = Field(min_length=1, max_length=MAX_BATCH)


class IssueOut(BaseModel):
    location: str = Field(description="where in the request body, e.g. body.reports[3].lat")
    kind: str = Field(description="rejected (the record was not stored) or warning")
    found: str
    expected: str
    fix: str


class BatchOut(BaseModel):
    batch_id: str
    read: int
    accepted: int
    rejected: int
    duplicate: int
    report_keys: list[str | None] = Field(description="per report, in order; null: rejected")
    rejections: list[IssueOut]
    warnings: list[IssueOut]


Writer = Annotated[Principal, Depends(requires(Permission.REPORTS_WRITE))]


def _location(prefix: str, batch: bool, row_number: int, field: str) -> str:
    where = f"{prefix}[{row_number - 1}]" if batch else prefix
    return where if field.startswith("(") else f"{where}.{field}"


def _issues(outcome: RecordsOutcome, kind: str, batch: bool) -> list[IssueOut]:
    prefix = "body.reports" if batch else "body"
    rows = outcome.issues.filter(pl.col("kind") == kind)
    return [
        IssueOut(
            location=_location(prefix, batch, int(r["row_number"]), str(r["field"])),
            kind=kind,
            found=str(r["value"] if r["value"] is not None else ""),
            expected=str(r["expected"]),
            fix=str(r["fix"]),
        )
        for r in rows.iter_rows(named=True)
    ]


def _take(
    request: Request, principal: Principal, records: list[dict[str, Any]], batch: bool
) -> BatchOut:
    application = application_of(request)
    store = SqlReportStore(application.engine)  # its batch writer audits in the batch
    default = DEFAULT_SOURCE
    if principal.party is not None:
        records = party_scoped(records, principal.party, DEFAULT_SOURCE.id)
        own = f"{principal.party}/{DEFAULT_SOURCE.id}"
        default = replace(DEFAULT_SOURCE, id=own, name=own, organisation=principal.party)
    source = store.known_sources().get(default.id, default)
    importer = application.importer(application.settings.data_dir, "canonical_jsonl", None)
    actor = principal.username or f"user {principal.user_id}"
    stored = ingest_records(
        records,
        importer,
        source,
        store,
        application.geocoder(),
        description=f"POST {request.url.path} by {actor}",
        audited=ImportAudit(actor, now(), {"route": request.url.path}),
        now=now(),
    )
    outcome = as_seen_by(stored, principal, SqlReportHolders(application.engine))
    summary = outcome.summary
    return BatchOut(
        batch_id=summary.batch_id,
        read=summary.read,
        accepted=summary.accepted,
        rejected=summary.rejected,
        duplicate=summary.duplicate,
        report_keys=list(outcome.report_keys),
        rejections=_issues(outcome, "rejected", batch),
        warnings=_issues(outcome, "warning", batch),
    )


def _plain(report: BaseModel) -> dict[str, Any]:
    return report.model_dump(exclude_none=True)


@router.post("", summary="Take in one report")
def post_report(request: Request, principal: Writer, body: ReportIn) -> BatchOut:
    """One report in the canonical layout, through the intake of ``guarantor ingest``."""
    return _take(request, principal, [_plain(body)], batch=False)


@router.post("/batch", summary="Take in a batch of reports")
def post_batch(request: Request, principal: Writer, body: BatchIn) -> BatchOut:
    """``{"reports": [...]}`` in the canonical layout, as one import batch."""
    return _take(request, principal, [_plain(r) for r in body.reports], batch=True)
