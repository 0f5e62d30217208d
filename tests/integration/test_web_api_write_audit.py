"""An import's audit entry is written by the batch writer in the batch's own transaction, on
SQLite and PostgreSQL: a batch that is rolled back leaves no entry; a committed one leaves
exactly one, with the true counts, chained to the entries before it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from test_web_api_write import REPORTS, application, audit_entries  # noqa: F401

from guarantor.bootstrap.app import Application
from guarantor.evidence.reports import Source
from guarantor.services import audit
from guarantor.services.intake_ports import BatchInfo
from guarantor.services.intake_records import ImportAudit, ingest_records
from guarantor.storage.report_store import SqlReportStore

SOURCE = Source("analyst-upload", "analyst-upload", "media", "F")


def info() -> BatchInfo:
    now = datetime.now(UTC)
    return BatchInfo(str(uuid.uuid4()), "a test", "0" * 64, 0, "canonical_jsonl", SOURCE.id, now)


def test_the_import_audit_entry_is_stored_with_its_batch_or_not_at_all(
    application: Application,  # noqa: F811
) -> None:
    store = SqlReportStore(application.engine)
    before = len(audit_entries(application))
    failed = info()
    with pytest.raises(RuntimeError, match="the import fails"), store.batch(failed) as writer:
        writer.append_audit(
            at=datetime.now(UTC), actor="ana", action="reports.import",
            subject=failed.batch_id, details={"read": 0},
        )  # fmt: skip
        raise RuntimeError("the import fails after its audit entry was appended")
    assert store.batch_summary(failed.batch_id).status == "abandoned"
    assert len(audit_entries(application)) == before

    outcome = ingest_records(
        REPORTS,
        application.importer(application.settings.data_dir, "canonical_jsonl", None),
        SOURCE,
        store,
        application.geocoder(),
        description="POST /api/reports/batch by ana",
        audited=ImportAudit("ana", datetime.now(UTC), {"route": "/api/reports/batch"}),
    )
    summary = outcome.summary
    assert summary.file_name == "POST /api/reports/batch by ana"
    stored = store.batch_summary(summary.batch_id)
    assert (stored.status, stored.file_name) == ("complete", summary.file_name)
    entries = audit_entries(application)
    assert len(entries) == before + 1 and audit.verify(entries) == []
    entry = entries[-1]
    assert (entry.action, entry.subject, entry.actor) == ("reports.import", stored.batch_id, "ana")
    assert entry.details == {
        "route": "/api/reports/batch", "read": stored.read, "accepted": stored.accepted,
        "rejected": stored.rejected, "duplicate": stored.duplicate,
    }  # fmt: skip
    assert (stored.read, stored.accepted, stored.rejected) == (9, 6, 3)
