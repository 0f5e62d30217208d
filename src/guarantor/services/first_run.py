"""First run: on an empty database, load what ships with Guarantor so a newcomer's first desk
has something in it.

The steps are exactly what the command line does one command at a time (``agreement load``,
``ingest`` of the shipped UCDP GED and VIINA files, ``fuse``, ``replay minsk`` and
``evaluate`` of every other shipped agreement), through the same use cases. Every step is
idempotent, so running them again on a loaded database changes nothing but the run ids.

A database is *empty* when it holds no agreement and no report; only then does ``serve``
load (:func:`is_empty`). Progress goes to a :class:`Progress` the caller gives (the CLI draws
a bar; the web shows a status).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Protocol

from guarantor.agreement.loader import LoadedAgreement
from guarantor.evidence.reports import Source
from guarantor.services import agreements as agreement_svc
from guarantor.services import incidents as incident_svc
from guarantor.services.agreements import StoreResult
from guarantor.services.incident_ports import EvaluationRun, FusionRun, IncidentStore, ReportSource
from guarantor.services.intake import BatchSummary, Geocoder, ingest
from guarantor.services.intake_ports import Importer
from guarantor.services.intake_records import AuditedReportStore, ImportAudit, audited
from guarantor.services.ports import UnitOfWork

__all__ = [
    "MINSK",
    "FirstRun",
    "FirstRunWiring",
    "Progress",
    "ShippedFile",
    "Step",
    "is_empty",
    "load_shipped",
    "plan",
    "shipped_records",
]

FIRST_RUN_ACTOR = "guarantor serve (first run)"
"""Who the audit log names for the imports of the first run."""

MINSK = "minsk-2015"
_SOURCES = {"ucdp_ged": "ucdp-ged", "VIINA": "viina"}


class FirstRunWiring(Protocol):
    """What the first run needs from the wired application (``bootstrap.Application`` has
    exactly these)."""

    def unit_of_work(self) -> UnitOfWork: ...

    def report_store(self) -> AuditedReportStore: ...

    def report_source(self) -> ReportSource: ...

    def incident_store(self) -> IncidentStore: ...

    def geocoder(self) -> Geocoder: ...

    def importer(self, path: Path, format_name: str | None, mapping: Path | None) -> Importer: ...


@dataclass(frozen=True, slots=True)
class ShippedFile:
    """A shipped file of real records and the source id it is taken in under (as in
    ``guarantor ingest FILE --source ID``)."""

    path: Path
    source_id: str


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the first run: ``number`` of ``of``, what it does."""

    number: int
    of: int
    title: str


class Progress(Protocol):
    def started(self, step: Step) -> None: ...

    def advanced(self, records: int) -> None: ...

    def finished(self, step: Step, summary: str) -> None: ...


class _Silent:
    def started(self, step: Step) -> None:
        pass

    def advanced(self, records: int) -> None:
        pass

    def finished(self, step: Step, summary: str) -> None:
        pass


@dataclass(frozen=True, slots=True)
class FirstRun:
    """What the first run stored."""

    agreements: tuple[StoreResult, ...]
    batches: tuple[BatchSummary, ...]
    fusion: FusionRun
    evaluations: tuple[EvaluationRun, ...]
    violations: dict[str, int]
    seconds: float


def shipped_records(records_dir: Path | None = None) -> tuple[ShippedFile, ...]:
    """The shipped real records in load order: UCDP GED 2014-2022, then VIINA by year."""
    folder = records_dir or Path(str(resources.files("guarantor").joinpath("data", "records")))
    found = []
    for path in sorted(folder.glob("*.csv")):
        source = next((s for prefix, s in _SOURCES.items() if path.name.startswith(prefix)), None)
        if source is not None:
            found.append(ShippedFile(path, source))
    return tuple(sorted(found, key=lambda f: (f.source_id != "ucdp-ged", f.path.name)))


def is_empty(uow: Callable[[], UnitOfWork], reports: ReportSource) -> bool:
    """True when the database holds no agreement and no report."""
    with uow() as work:
        stored = work.agreements.list_versions()
    return not stored and reports.count_reports() == 0


def plan(agreement_folders: list[Path], files: tuple[ShippedFile, ...]) -> list[Step]:
    """The steps of :func:`load_shipped`, numbered, for a progress display."""
    titles = ["store the shipped agreements"]
    titles += [f"ingest {f.path.name} ({f.source_id})" for f in files]
    titles.append("fuse the reports into incidents")
    titles += [
        f"replay {p.name} over history" if p.name == MINSK else f"evaluate {p.name}"
        for p in agreement_folders
    ]
    return [Step(i, len(titles), title) for i, title in enumerate(titles, start=1)]


def _source(known: dict[str, Source], source_id: str) -> Source:
    """The stored source, or a new one as ``guarantor ingest --source ID`` makes it."""
    return known.get(source_id) or Source(source_id, source_id, "media", "F")


def load_shipped(
    wiring: FirstRunWiring,
    agreements_dir: Path,
    *,
    files: tuple[ShippedFile, ...] | None = None,
    progress: Progress | None = None,
) -> FirstRun:
    """Store the shipped agreements, take in the shipped records, fuse them, and judge them
    by every shipped agreement (Minsk as ``replay minsk`` does). Idempotent."""
    began = time.perf_counter()
    tell = progress or _Silent()
    folders = agreement_svc.shipped_folders(agreements_dir)
    records = shipped_records() if files is None else files
    steps = iter(plan(folders, records))

    step = next(steps)
    tell.started(step)
    loaded = [agreement_svc.load_agreement_folder(folder) for folder in folders]
    stored = tuple(
        result
        for agreement in loaded
        for result in agreement_svc.store_agreement(wiring.unit_of_work, agreement)
    )
    new = sum(r.newly_stored for r in stored)
    tell.finished(step, f"{len(stored)} version(s) of {len(loaded)} agreement(s), {new} new")

    geocoder = wiring.geocoder()
    batches = tuple(_ingest(wiring, geocoder, shipped, next(steps), tell) for shipped in records)

    step = next(steps)
    tell.started(step)
    fusion = incident_svc.fuse_all(wiring.report_source(), wiring.incident_store())
    tell.finished(step, f"{fusion.reports:,} reports -> {fusion.incidents:,} incidents")

    evaluations, violations = [], {}
    for agreement in loaded:
        step = next(steps)
        tell.started(step)
        run, count = _judge(wiring, agreement)
        evaluations.append(run)
        violations[agreement.id] = count
        tell.finished(step, f"{count:,} violation(s), {sum(run.counts.values()):,} finding(s)")
    return FirstRun(
        stored, batches, fusion, tuple(evaluations), violations, time.perf_counter() - began
    )


def _ingest(
    wiring: FirstRunWiring, geocoder: Geocoder, shipped: ShippedFile, step: Step, tell: Progress
) -> BatchSummary:
    tell.started(step)
    store = wiring.report_store()
    note = ImportAudit(FIRST_RUN_ACTOR, datetime.now(UTC), {"file": shipped.path.name})
    summary = ingest(
        shipped.path,
        wiring.importer(shipped.path, None, None),
        _source(store.known_sources(), shipped.source_id),
        audited(store, note),
        geocoder,
        progress=tell.advanced,
    )
    tell.finished(
        step,
        f"read {summary.read:,} = accepted {summary.accepted:,} + rejected "
        f"{summary.rejected:,} + duplicate {summary.duplicate:,}",
    )
    return summary


def _judge(wiring: FirstRunWiring, agreement: LoadedAgreement) -> tuple[EvaluationRun, int]:
    reports, incidents = wiring.report_source(), wiring.incident_store()
    if agreement.id == MINSK:
        replay = incident_svc.replay_minsk(reports, incidents, agreement)
        return replay.run, replay.violations
    run, results = incident_svc.evaluate(incidents, agreement)
    return run, results.violations.height
