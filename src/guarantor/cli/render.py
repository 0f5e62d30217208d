"""Formatting of agreement views, diffs and case reports for the terminal and JSON."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from guarantor.agreement import model as m
from guarantor.agreement.canonical import content_hash, to_jsonable
from guarantor.agreement.diff import Change
from guarantor.services.agreements import InForce
from guarantor.services.cases import CaseReport

__all__ = ["changes_json", "print_case_report", "print_changes", "print_view", "view_json"]


def _interval(interval: m.Interval) -> str:
    end = interval.end.isoformat() if interval.end else "open"
    return f"[{interval.start.isoformat()}, {end})"


def rendered_text(version: m.ResolvedVersion, rule: m.Rule) -> str:
    return version.render_clause(rule.clause, rule.params)


def view_json(view: InForce) -> dict[str, Any]:
    version = view.version
    return {
        "agreement": version.agreement_id,
        "version": to_jsonable(version.version),
        "hash": content_hash(version),
        "as_of": view.moment.isoformat() if view.moment else None,
        "clauses": [
            {**to_jsonable(c), "rendered": version.render_clause(c.id)} for c in version.clauses
        ],
        "rules": [{**to_jsonable(r), "clause_text": rendered_text(version, r)} for r in view.rules],
        "directives": to_jsonable(version.directives),
        "commitments": to_jsonable(version.commitments),
    }


def print_view(out: Console, view: InForce) -> None:
    version = view.version
    info = version.version
    out.print(f"[bold]{version.title}[/] ({version.agreement_id}@{info.id})")
    out.print(
        f"version: {info.title}; adopted {info.adopted}; effective {info.effective.isoformat()}",
        markup=False,
    )
    out.print(f"hash: {content_hash(version)}", markup=False)
    if view.moment is not None:
        out.print(f"in force at {view.moment.isoformat()}", markup=False)
    out.rule("Clauses")
    for clause in version.clauses:
        out.print(f"[bold]{clause.id}[/] ({clause.document}, {clause.status}) {clause.title}")
        out.print(f"  {version.render_clause(clause.id)}", markup=False)
    out.rule("Rules" + (" in force" if view.moment else ""))
    for rule in view.rules:
        out.print(
            f"[bold]{rule.id}[/]@{rule.revision} ({rule.kind}, {rule.status}) cites "
            f"{rule.clause}: {rule.title}"
        )
        out.print("  applies " + "; ".join(_interval(i) for i in rule.applies), markup=False)
        out.print(f"  when {rule.when}", markup=False)
        if rule.window is not None:
            w = rule.window
            out.print(
                f"  window {w.length_seconds // 3600}h by {', '.join(w.group_by) or 'all'}: "
                f"{w.measure} {w.op} {w.threshold}",
                markup=False,
            )
        if rule.geofence is not None:
            out.print(
                f"  geofence {rule.geofence.zone} within {rule.geofence.within_km:g} km",
                markup=False,
            )
    directives = Table("directive", "scenario", "obligations", title="Directives")
    for d in version.directives:
        duties = "; ".join(
            f"{','.join(o.parties)}: {o.action} within {o.within_seconds // 3600}h"
            for o in d.obligations
        )
        directives.add_row(d.id, d.scenario, duties)
    out.print(directives)
    commitments = Table(
        "commitment", "party", "indicator", "target", "due", "status", title="Commitments"
    )
    for c in version.commitments:
        sign = ">=" if c.direction == "at_least" else "<="
        commitments.add_row(
            c.id, c.party, c.indicator, f"{sign} {c.target:g} {c.unit}", str(c.due), c.status
        )
    out.print(commitments)


def changes_json(changes: list[Change]) -> list[dict[str, Any]]:
    return [to_jsonable(c) for c in changes]


def print_changes(
    out: Console, a: m.ResolvedVersion, b: m.ResolvedVersion, changes: list[Change]
) -> None:
    out.print(
        f"{a.agreement_id}@{a.version.id} -> {b.agreement_id}@{b.version.id}: "
        f"{len(changes)} change(s)",
        markup=False,
    )
    for change in changes:
        revision = f"@{change.revision}" if change.revision else ""
        out.print(f"{change.kind:8} {change.section}.{change.item_id}{revision}", markup=False)
        for f in change.fields:
            out.print(f"    {f.field}: {f.before!r}\n      -> {f.after!r}", markup=False)


def print_case_report(out: Console, report: CaseReport) -> None:
    for problem in report.problems:
        out.print(problem.render(), markup=False)
    for outcome in report.outcomes:
        out.print(
            f"{outcome.status:8} {outcome.case.case.name} ({outcome.case.file})", markup=False
        )
        for finding in outcome.missing:
            out.print(f"    missing    {finding}", markup=False)
        for finding in outcome.unexpected:
            out.print(f"    unexpected {finding}", markup=False)
    counts: dict[str, int] = {}
    for outcome in report.outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no cases"
    out.print(f"{report.agreement_id}: {summary}; {len(report.problems)} problem(s)", markup=False)
    if report.note:
        out.print(report.note, markup=False)
