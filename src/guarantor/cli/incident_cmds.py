"""``guarantor fuse``, ``evaluate``, ``evaluate diff``, ``explain`` and ``replay minsk``."""

from __future__ import annotations

import json
from typing import Annotated

import polars as pl
import typer
from rich.console import Console

from guarantor.bootstrap.app import Application, build_application
from guarantor.errors import GuarantorError
from guarantor.services import agreements as agreement_svc
from guarantor.services import incidents as svc

__all__ = ["evaluate_app", "explain_command", "fuse_command", "replay_app"]

out = Console(highlight=False, soft_wrap=True)
evaluate_app = typer.Typer(
    help="Evaluate an agreement over the stored incidents; `evaluate diff` compares versions.",
    invoke_without_command=True,
)
replay_app = typer.Typer(help="Replay an agreement over the stored history.", no_args_is_help=True)

AgreementOption = Annotated[
    str | None, typer.Option("--agreement", help="agreement folder or shipped id, e.g. minsk-2015")
]


def _application() -> Application:
    application = build_application()
    application.migrate()
    return application


def _plain(frame: pl.DataFrame) -> None:
    """A frame as a plain table: a header line, then one line per row, columns aligned."""
    rows = [[str(c) for c in frame.columns]]
    rows += [["" if v is None else str(v) for v in row] for row in frame.iter_rows()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(frame.columns))]
    for row in rows:
        out.print(
            "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip(), markup=False
        )


def fuse_command() -> None:
    """Fuse every stored report into incidents (under the analysts' decisions)."""
    application = _application()
    run = svc.fuse_all(application.report_source(), application.incident_store())
    out.print(
        f"fused {run.reports:,} reports -> {run.incidents:,} incidents in {run.seconds:.1f} s",
        markup=False,
    )


@evaluate_app.callback()
def evaluate_command(
    ctx: typer.Context,
    agreement: AgreementOption = None,
    version: Annotated[
        str | None, typer.Option("--version", help="judge all history under this version")
    ] = None,
) -> None:
    """Evaluate an agreement over the stored incidents, store the results, print counts per
    rule (without --version: each incident judged by the version in force at its time)."""
    if ctx.invoked_subcommand is not None:
        return
    if agreement is None:
        raise GuarantorError("give the agreement to evaluate, e.g. --agreement minsk-2015")
    application = _application()
    loaded, _ = agreement_svc.load_ref(agreement, application.agreements_dir)
    run, results = svc.evaluate(application.incident_store(), loaded, version)
    judged = f"version {version}" if version else "the version in force at each incident"
    out.print(
        f"{loaded.id} under {judged}: {results.violations.height:,} violation(s), "
        f"{results.activations.height:,} activation(s), {results.obligations.height:,} "
        f"obligation(s); run {run.run_id}",
        markup=False,
    )
    _plain(pl.DataFrame({"rule": list(run.counts), "findings": list(run.counts.values())}))


@evaluate_app.command("diff")
def evaluate_diff_command(
    version_a: Annotated[str, typer.Argument(help="version id A")],
    version_b: Annotated[str, typer.Argument(help="version id B")],
    agreement: AgreementOption = None,
) -> None:
    """The violations and obligations that versions A and B would decide differently."""
    if agreement is None:
        raise GuarantorError("give the agreement, e.g. evaluate diff --agreement minsk-2015 A B")
    application = _application()
    loaded, _ = agreement_svc.load_ref(agreement, application.agreements_dir)
    found = svc.evaluate_diff(application.incident_store(), loaded, version_a, version_b)
    out.print(
        f"{loaded.id} {found.a} -> {found.b}: {found.violations.height:,} violation(s) and "
        f"{found.obligations.height:,} obligation(s) differ",
        markup=False,
    )
    for title, frame in (("violations", found.violations), ("obligations", found.obligations)):
        if frame.height:
            out.print(f"\n{title}:", markup=False)
            _plain(frame.with_columns(pl.col(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%SZ")))


def explain_command(
    finding_id: Annotated[
        str,
        typer.Argument(
            help="INCIDENT_ID:RULE_ID of a violation, or an activation or obligation id"
        ),
    ],
) -> None:
    """Print the JSON explanation of a violation, activation or obligation."""
    application = _application()
    document = json.loads(svc.explain(application.incident_store(), finding_id))
    out.print(json.dumps(document, indent=2, ensure_ascii=False), markup=False)


@replay_app.command("minsk")
def replay_minsk_command() -> None:
    """Fuse the stored reports (if not yet), evaluate minsk-2015 over history, print
    violations per month and per oblast."""
    application = _application()
    loaded, _ = agreement_svc.load_ref("minsk-2015", application.agreements_dir)
    replay = svc.replay_minsk(application.report_source(), application.incident_store(), loaded)
    if replay.fusion is not None:
        run = replay.fusion
        out.print(
            f"fused {run.reports:,} reports -> {run.incidents:,} incidents in {run.seconds:.1f} s",
            markup=False,
        )
    out.print(f"{loaded.id}: {replay.violations:,} violation(s) over history\n", markup=False)
    _plain(replay.per_month)
    out.print("", markup=False)
    _plain(replay.per_oblast)
