"""``guarantor agreement ...``: check, show, diff, hash, test, load, units."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from guarantor.bootstrap.app import build_application
from guarantor.cli import render
from guarantor.errors import AgreementError
from guarantor.services import agreements as svc

__all__ = ["app"]

app = typer.Typer(
    help="Agreements as code: check, show, diff, hash, test, load.", no_args_is_help=True
)
out = Console(highlight=False, soft_wrap=True)

RefArg = Annotated[str, typer.Argument(help="agreement folder or shipped id, optionally @VERSION")]


def _dir() -> Path:
    return build_application().agreements_dir


@app.command()
def check(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="agreement folders (default: all shipped)")
    ] = None,
    strict: Annotated[bool, typer.Option(help="treat warnings as errors")] = False,
) -> None:
    """Validate agreements; list every problem as file:line:column with the fix."""
    folders = paths or svc.shipped_folders(_dir())
    failed = False
    for folder in folders:
        loaded = svc.check_folder(folder)
        errors = [p for p in loaded.problems if p.is_error or strict]
        for problem in loaded.problems:
            out.print(problem.render(), markup=False)
        versions = ", ".join(v.version.id for v in loaded.versions) or "none"
        status = "FAILED" if errors else "ok"
        warnings = len(loaded.problems) - len(loaded.errors)
        out.print(
            f"{loaded.id} ({folder}): {status}: {len(loaded.errors)} error(s), {warnings} "
            f"warning(s); versions {versions}",
            markup=False,
        )
        failed = failed or bool(errors)
    if failed:
        raise typer.Exit(1)


@app.command()
def show(
    ref: RefArg,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="YYYY-MM-DD: what is in force that day")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Clauses with rendered text, rules, directives and commitments of a version."""
    ref_parsed = svc.resolve_ref(ref, _dir())
    loaded, _ = svc.load_ref(ref, _dir())
    view = svc.in_force(loaded, ref_parsed.version_id, _parse_day(as_of))
    if as_json:
        out.print_json(json.dumps(render.view_json(view)))
    else:
        render.print_view(out, view)


@app.command()
def diff(a: RefArg, b: RefArg, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """What changed from version A to version B, clause by clause and rule by rule."""
    version_a, version_b, changes = svc.diff_refs(a, b, _dir())
    if as_json:
        out.print_json(json.dumps(render.changes_json(changes)))
        return
    render.print_changes(out, version_a, version_b, changes)


@app.command("hash")
def hash_(ref: RefArg) -> None:
    """The canonical content hash (SHA-256) of each version, or of the one given."""
    from guarantor.agreement.canonical import content_hash

    parsed = svc.resolve_ref(ref, _dir())
    loaded, _ = svc.load_ref(ref, _dir())
    versions = [loaded.version(parsed.version_id)] if parsed.version_id else loaded.versions
    for version in versions:
        out.print(f"{content_hash(version)}  {loaded.id}@{version.version.id}", markup=False)


@app.command()
def test(ref: RefArg) -> None:
    """Run the agreement's rule test cases (cases/*.yaml) in batch and stream."""
    from guarantor.scenarios import evaluate_case_both
    from guarantor.services.cases import run_cases

    parsed = svc.resolve_ref(ref, _dir())
    loaded, _ = svc.load_ref(ref, _dir())
    report = run_cases(loaded, parsed.folder / "cases", evaluate_case_both)
    render.print_case_report(out, report)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def load(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="agreement folders (default: all shipped)")
    ] = None,
) -> None:
    """Check and store agreements in the database (idempotent); prints each version's hash."""
    application = build_application()
    application.migrate()
    table = Table("agreement", "version", "hash", "stored")
    for folder in paths or svc.shipped_folders(application.agreements_dir):
        loaded = svc.load_agreement_folder(folder)
        for result in svc.store_agreement(application.unit_of_work, loaded):
            table.add_row(
                result.agreement_id,
                result.version_id,
                result.content_hash[:16],
                "new" if result.newly_stored else "unchanged",
            )
    out.print(table)


@app.command()
def docs(
    ref: RefArg,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="write here instead of stdout")
    ] = None,
) -> None:
    """The agreement's catalogue as Markdown (docs/agreements/<id>.md is generated with it)."""
    from guarantor.reports.agreement_markdown import agreement_markdown

    loaded, _ = svc.load_ref(ref, _dir())
    text = agreement_markdown(loaded)
    if out_file is None:
        out.print(text, markup=False, end="")
    else:
        out_file.write_text(text, "utf-8")


@app.command()
def units(level: Annotated[int, typer.Option(help="1 oblasts, 2 pre-2020 raions")] = 1) -> None:
    """Names of the shipped boundary units, for admin_units zones."""
    from guarantor.agreement.geometry import admin_unit_names

    if level not in (1, 2):
        raise AgreementError(
            f"--level {level} is not a boundary level; use 1 (oblasts) or 2 (raions)"
        )
    for name in admin_unit_names(level):
        out.print(name, markup=False)


def _parse_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise AgreementError(
            f"--as-of '{text}' is not a date; expected YYYY-MM-DD, e.g. --as-of 2020-08-01"
        ) from exc
