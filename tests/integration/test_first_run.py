"""``guarantor serve``'s first run on SQLite and PostgreSQL: an empty database gets the shipped
agreements, the shipped UCDP GED and VIINA records, incidents and the results of both
agreements; a second start loads nothing; ``--load always`` adds nothing new.

It reads the real files shipped in ``src/guarantor/data/records`` (about 7,900 records): the
whole first run, as a newcomer gets it, not a sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from guarantor.bootstrap.app import Application, build_application
from guarantor.cli.serve_cmd import Load, load_first_run
from guarantor.services import first_run
from guarantor.services.audit import verify
from guarantor.storage.security_store import SqlSecurityUnitOfWork

REPO = Path(__file__).resolve().parents[2]


def application_on(database_url: str, tmp_path: Path) -> Application:
    application = build_application(
        database_url=database_url, data_dir=tmp_path / "var", agreements_dir=REPO / "agreements"
    )
    application.migrate()
    return application


def stored_counts(application: Application) -> tuple[int, int, int, int]:
    with application.unit_of_work() as work:
        versions = len(work.agreements.list_versions())
    store = application.incident_store()
    return (
        versions,
        application.report_source().count_reports(),
        store.incidents_frame().height,
        store.violations_frame(first_run.MINSK).height,
    )


def test_the_shipped_files_are_the_ucdp_file_then_each_viina_year() -> None:
    files = first_run.shipped_records()
    assert [(f.path.name, f.source_id) for f in files] == [
        ("ucdp_ged_ukraine_2014-2022.csv", "ucdp-ged"),
        ("VIINA_2022_REBUILD.csv", "viina"),
        ("VIINA_2023_REBUILD.csv", "viina"),
        ("VIINA_2024_REBUILD.csv", "viina"),
        ("VIINA_2025_REBUILD.csv", "viina"),
    ]
    assert all(f.path.is_file() for f in files)


def import_entries(application: Application) -> list[tuple[str, str, dict[str, object]]]:
    """(actor, batch id, details) of every ``reports.import`` audit entry; the chain verified."""
    with SqlSecurityUnitOfWork(application.engine, read_only=True) as uow:
        entries = list(uow.audit.entries())
    assert verify(entries) == []
    return [(e.actor, e.subject, dict(e.details)) for e in entries if e.action == "reports.import"]


def test_the_first_start_loads_everything_and_the_second_loads_nothing(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    application = application_on(database_url, tmp_path)
    assert first_run.is_empty(application.unit_of_work, application.report_source())
    assert stored_counts(application) == (0, 0, 0, 0)

    loaded = load_first_run(application, Load.AUTO)

    assert loaded is not None
    versions, reports, incidents, violations = stored_counts(application)
    assert {r.agreement_id for r in loaded.agreements} == {"minsk-2015", "framework-2025"}
    assert versions == len(loaded.agreements) >= 3 and all(
        r.newly_stored for r in loaded.agreements
    )
    assert [Path(b.file_name).name for b in loaded.batches] == [
        f.path.name for f in first_run.shipped_records()
    ]
    assert all(b.balanced and b.rejected == 0 for b in loaded.batches)
    assert reports == sum(b.accepted for b in loaded.batches) > 7000
    assert loaded.fusion.reports == reports
    assert incidents == loaded.fusion.incidents and 0 < incidents < reports
    assert violations == loaded.violations[first_run.MINSK] > 0
    assert {run.agreement_id for run in loaded.evaluations} == {"minsk-2015", "framework-2025"}
    assert not first_run.is_empty(application.unit_of_work, application.report_source())
    assert "Loaded " in capsys.readouterr().out
    assert import_entries(application) == [
        (
            first_run.FIRST_RUN_ACTOR,
            b.batch_id,
            {
                "file": Path(b.file_name).name,
                "read": b.read,
                "accepted": b.accepted,
                "rejected": b.rejected,
                "duplicate": b.duplicate,
            },
        )
        for b in loaded.batches
    ]

    assert load_first_run(application, Load.AUTO) is None
    assert load_first_run(application, Load.NEVER) is None
    assert stored_counts(application) == (versions, reports, incidents, violations)
    assert "First run" not in capsys.readouterr().out

    again = load_first_run(application, Load.ALWAYS)  # e.g. to finish an interrupted first run

    assert again is not None
    assert not any(r.newly_stored for r in again.agreements)
    assert all(b.accepted == 0 and b.duplicate == b.read for b in again.batches)
    assert stored_counts(application) == (versions, reports, incidents, violations)
    assert again.violations == loaded.violations
