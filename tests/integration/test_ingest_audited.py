"""``guarantor ingest`` audits every import, in the batch's own transaction: who ran it, the
file, its layout and the counts, on SQLite and PostgreSQL; the chain verifies."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from guarantor.bootstrap.app import build_application
from guarantor.cli.main import main
from guarantor.services.audit import verify
from guarantor.storage.security_store import SqlSecurityUnitOfWork

TABLETOP = Path(__file__).resolve().parents[2] / "exercises" / "framework-2025-tabletop.csv"


def test_each_cli_import_is_audited_with_its_batch_counts(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUARANTOR_DATABASE_URL", database_url)
    monkeypatch.setenv("GUARANTOR_DATA_DIR", str(tmp_path / "var"))
    assert main(["db", "upgrade"]) == 0
    assert main(["ingest", str(TABLETOP)]) == 0
    assert main(["ingest", str(TABLETOP)]) == 0  # the same file again: all duplicates

    application = build_application(database_url=database_url, data_dir=tmp_path / "var")
    batches = {b.batch_id: b for b in application.report_store().batches()}
    with SqlSecurityUnitOfWork(application.engine, read_only=True) as uow:
        entries = list(uow.audit.entries())
    imports = [e for e in entries if e.action == "reports.import"]

    assert verify(entries) == []
    assert len(batches) == 2
    assert sorted(e.subject for e in imports) == sorted(batches)
    for entry in imports:
        batch = batches[entry.subject]
        assert entry.actor == f"cli:{getpass.getuser()}"
        assert dict(entry.details) == {
            "command": "guarantor ingest",
            "file": str(TABLETOP),
            "format": batch.format,
            "read": batch.read,
            "accepted": batch.accepted,
            "rejected": batch.rejected,
            "duplicate": batch.duplicate,
        }
    first, second = sorted(imports, key=lambda e: e.seq)
    assert first.details["accepted"] == first.details["read"] > 0
    assert second.details["duplicate"] == second.details["read"] == first.details["read"]
    assert main(["audit", "verify"]) == 0
