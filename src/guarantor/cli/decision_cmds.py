"""``guarantor incident merge|split|not-same|confirm|reject|decisions``: analyst decisions.

Each decision names report keys (resolved from the incident ids given, through the stored
membership), is stored with who and when and audited in one transaction, and is followed by
a fusion run, so the stored incidents reflect it; the resulting incident id(s) are printed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console

from guarantor.bootstrap.app import Application, build_application
from guarantor.evidence.fusion.decisions import decision_reports, decision_to_dict
from guarantor.services import incidents as svc

__all__ = ["app"]

out = Console(highlight=False, soft_wrap=True)
app = typer.Typer(
    help="Analyst decisions on incidents: merge, split, not-same, confirm, reject.",
    no_args_is_help=True,
)

ByOption = Annotated[str, typer.Option("--by", help="who decides, e.g. analyst.kovalenko")]
ReasonOption = Annotated[str, typer.Option("--reason", help="why, kept with the decision")]


def _application() -> Application:
    application = build_application()
    application.migrate()
    return application


def _print(decided: svc.Decided) -> None:
    run = decided.run
    out.print(
        f"decision {decided.seq} ({decision_to_dict(decided.decision)['kind']}) by "
        f"{decided.decision.who} at {decided.decision.when.isoformat()}; fused "
        f"{run.reports:,} reports -> {run.incidents:,} incidents",
        markup=False,
    )
    for incident_id in decided.incident_ids:
        out.print(incident_id, markup=False)


def _decide(use_case: Callable[..., svc.Decided], *targets: object, by: str, reason: str) -> None:
    """Record a decision through ``use_case`` on the stored reports and incidents, print it."""
    application = _application()
    _print(
        use_case(
            application.report_source(),
            application.incident_store(),
            *targets,
            by=by,
            reason=reason,
        )
    )


@app.command("merge")
def merge_command(
    incident_ids: Annotated[list[str], typer.Argument(help="two or more incident ids")],
    by: ByOption,
    reason: ReasonOption = "",
) -> None:
    """Record that these incidents are one event, re-fuse, print the incident id."""
    _decide(svc.merge, incident_ids, by=by, reason=reason)


@app.command("split")
def split_command(
    incident_id: Annotated[str, typer.Argument(help="the incident to split")],
    group: Annotated[
        list[str], typer.Option("--group", help="member report keys of one event, comma-separated")
    ],
    by: ByOption,
    reason: ReasonOption = "",
) -> None:
    """Record that these groups of an incident's reports are different events, re-fuse."""
    _decide(svc.split, incident_id, [g.split(",") for g in group], by=by, reason=reason)


@app.command("not-same")
def not_same_command(
    first: Annotated[str, typer.Argument(help="incident id (or report key) A")],
    second: Annotated[str, typer.Argument(help="incident id (or report key) B")],
    by: ByOption,
    reason: ReasonOption = "",
) -> None:
    """Record that A and B are not the same event (their smallest report keys), re-fuse."""
    _decide(svc.not_same, first, second, by=by, reason=reason)


@app.command("confirm")
def confirm_command(
    incident_id: Annotated[str, typer.Argument(help="the incident to confirm")],
    by: ByOption,
    reason: ReasonOption = "",
) -> None:
    """Record that the incident is confirmed, re-fuse, print the incident id."""
    _decide(svc.confirm, incident_id, by=by, reason=reason)


@app.command("reject")
def reject_command(
    incident_id: Annotated[str, typer.Argument(help="the incident to reject")],
    by: ByOption,
    reason: ReasonOption = "",
) -> None:
    """Record that the incident is rejected (not evaluated), re-fuse, print the incident id."""
    _decide(svc.reject, incident_id, by=by, reason=reason)


@app.command("decisions")
def decisions_command() -> None:
    """List the stored decisions in order: when, who, kind, reports, reason."""
    application = _application()
    for number, decision in enumerate(application.incident_store().decisions(), start=1):
        kind = decision_to_dict(decision)["kind"]
        reports = ",".join(decision_reports(decision))
        line = f"{number}  {decision.when.isoformat()}  {decision.who}  {kind}  {reports}"
        out.print(f"{line}  {decision.reason}".rstrip(), markup=False)
