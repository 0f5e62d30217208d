"""``guarantor ingest FILE``: take in a file of reports, with a progress bar and a summary."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from guarantor.bootstrap.app import build_application
from guarantor.errors import GuarantorError
from guarantor.evidence.reports import SOURCE_KINDS, Source
from guarantor.services.intake import BatchSummary, ingest
from guarantor.services.intake_ports import ReportStore
from guarantor.services.intake_records import ImportAudit, audited

__all__ = ["ingest_command"]

out = Console(highlight=False, soft_wrap=True)


def _source(known: dict[str, Source], source_id: str, kind: str, reliability: str) -> Source:
    if source_id in known:
        return known[source_id]
    if kind not in SOURCE_KINDS:
        raise GuarantorError(
            f"--source-kind '{kind}' is not a source kind; expected one of "
            f"{', '.join(SOURCE_KINDS)}, e.g. --source-kind patrol"
        )
    if reliability not in list("ABCDEF"):
        raise GuarantorError(
            f"--reliability '{reliability}' is not an Admiralty grade; expected A..F "
            "(F: cannot be judged), e.g. --reliability B"
        )
    return Source(source_id, source_id, kind, reliability)  # type: ignore[arg-type]


def ingest_command(
    file: Annotated[Path, typer.Argument(help="CSV, JSON Lines or GeoJSON file of reports")],
    format_name: Annotated[
        str | None, typer.Option("--format", help="layout; default: detected")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="column-mapping YAML for any other CSV")
    ] = None,
    source: Annotated[
        str, typer.Option("--source", help="default source id of the records")
    ] = "analyst-upload",
    source_kind: Annotated[str, typer.Option(help="kind of a new --source")] = "media",
    reliability: Annotated[str, typer.Option(help="Admiralty A..F of a new --source")] = "F",
    errors: Annotated[
        Path | None, typer.Option("--errors", help="CSV to write rejections and warnings to")
    ] = None,
    chunk_rows: Annotated[
        int, typer.Option(min=1, help="records per chunk (memory bound)")
    ] = 100_000,
) -> None:
    """Import reports: grade, geocode, validate and store them; idempotent on re-run."""
    if not file.is_file():
        raise GuarantorError(
            f"no file at '{file}': expected a path to a CSV, JSONL or GeoJSON file"
        )
    if format_name and mapping:
        raise GuarantorError(
            "give --format or --mapping, not both (a mapping file defines its own layout)"
        )
    application = build_application()
    application.migrate()
    store = application.report_store()
    default = _source(store.known_sources(), source, source_kind, reliability)
    importer = application.importer(file, format_name, mapping)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,.0f} records"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(f"ingest {file.name} ({importer.name})", total=None, rate="")

        def advance(records: int) -> None:
            bar.advance(task, records)
            speed = bar.tasks[task].speed
            bar.update(task, rate=f"{speed:,.0f} records/s" if speed else "")

        note = ImportAudit(
            f"cli:{getpass.getuser()}",
            datetime.now(UTC),
            {"command": "guarantor ingest", "file": str(file), "format": importer.name},
        )
        summary = ingest(
            file,
            importer,
            default,
            audited(store, note),
            application.geocoder(),
            chunk_rows=chunk_rows,
            progress=advance,
        )
    _report(
        summary,
        store,
        errors or application.settings.data_dir / "intake" / f"{summary.batch_id}.csv",
    )


def _report(summary: BatchSummary, store: ReportStore, errors: Path) -> None:
    rate = summary.read / summary.seconds if summary.seconds else 0.0
    out.print(
        f"batch {summary.batch_id}: read {summary.read:,} = accepted {summary.accepted:,} + "
        f"rejected {summary.rejected:,} + duplicate {summary.duplicate:,}; "
        f"{summary.warnings:,} warning(s); {summary.seconds:.1f} s ({rate:,.0f} records/s)",
        markup=False,
    )
    issues = store.issues(summary.batch_id)
    if issues.height:
        errors.parent.mkdir(parents=True, exist_ok=True)
        issues.write_csv(errors)
        for row in issues.head(10).iter_rows(named=True):
            out.print(
                f"row {row['row_number']} [{row['field']}] {row['kind']}: found "
                f"{row['value']!r}; expected {row['expected']}; fix: {row['fix']}",
                markup=False,
            )
        out.print(f"every rejection and warning with its raw record: {errors}", markup=False)
