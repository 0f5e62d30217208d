"""The catalogue of an agreement as Markdown: every version, party, zone, deployed position,
clause, rule (with its window, geofence and near conditions), directive and commitment, with
clause text rendered. ``docs/agreements/<id>.md`` is generated with it and a
test keeps the committed file equal to what the YAML says, so the docs cannot drift."""

from __future__ import annotations

from guarantor.agreement import model as m
from guarantor.agreement.canonical import content_hash
from guarantor.agreement.loader import LoadedAgreement

__all__ = ["agreement_markdown"]


def _interval(interval: m.Interval) -> str:
    end = interval.end.strftime("%Y-%m-%d %H:%M UTC") if interval.end else "open"
    return f"[{interval.start:%Y-%m-%d %H:%M} UTC, {end})"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _versions(loaded: LoadedAgreement) -> list[str]:
    lines = [
        "## Versions",
        "",
        "| version | adopted | effective (UTC) | hash |",
        "|---|---|---|---|",
    ]
    for version in loaded.versions:
        info = version.version
        lines.append(
            f"| `{info.id}` {info.title} | {info.adopted} | "
            f"{info.effective:%Y-%m-%d %H:%M} | `{content_hash(version)[:16]}` |"
        )
    return [*lines, ""]


def _clauses(version: m.ResolvedVersion) -> list[str]:
    lines = ["## Clauses", ""]
    for clause in version.clauses:
        lines += [
            f"### `{clause.id}` {clause.title}",
            "",
            f"*{clause.document}; {clause.status}; source `{clause.source}`*",
            "",
            "> " + version.render_clause(clause.id),
            "",
        ]
        if clause.rationale:
            lines += [f"Rationale: {clause.rationale}", ""]
    return lines


def _rules(version: m.ResolvedVersion) -> list[str]:
    lines = ["## Rules", "", "| rule | kind | clause | applies | when |", "|---|---|---|---|---|"]
    for rule in version.rules:
        applies = "; ".join(_interval(i) for i in rule.applies)
        lines.append(
            f"| `{rule.id}`@{rule.revision} {_cell(rule.title)} | {rule.kind} | "
            f"`{rule.clause}` | {applies} | `{_cell(rule.when)}` |"
        )
    return [*lines, ""]


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:g} h"


def _window(rule: m.Rule, window: m.Window) -> str:
    measure = "count of matching incidents"
    if window.measure == "sum":
        measure = f"sum of `{window.field}` over matching incidents"
    groups = ", ".join(window.group_by) or "the whole agreement"
    if isinstance(window.threshold, str):
        value = rule.params.get(window.threshold)
        threshold = f"`{window.threshold}`" + (f" ({value})" if value is not None else "")
    else:
        threshold = f"{window.threshold:g}"
    return (
        f"window: {measure} in (t - {_hours(window.length_seconds)}, t] per {groups} "
        f"{window.op} {threshold}"
    )


def _geofence(version: m.ResolvedVersion, geofence: m.Geofence) -> str:
    names = {z.id: z.name for z in version.zones}
    zone = f"zone `{geofence.zone}` {names.get(geofence.zone, '(not among the zones)')}"
    if geofence.within_km:
        return f"geofence: within {geofence.within_km:g} km of {zone}"
    return f"geofence: inside {zone}"


def _near(version: m.ResolvedVersion, near: m.Near) -> str:
    members = sorted(version.party_and_members(near.party) - {near.party})
    who = f"`{near.party}`"
    if members:
        who += " or one of its members (" + ", ".join(f"`{p}`" for p in members) + ")"
    positions = ", ".join(f"`{p.id}`" for p in version.positions_of(near.party)) or "none listed"
    return (
        f"near: within {near.within_km:g} km of a position held by {who} at the "
        f"incident's time; positions: {positions}"
    )


def _conditions(version: m.ResolvedVersion) -> list[str]:
    lines: list[str] = []
    for rule in version.rules:
        head = f"- `{rule.id}`@{rule.revision} "
        if rule.window is not None:
            lines.append(head + _window(rule, rule.window))
        if rule.geofence is not None:
            lines.append(head + _geofence(version, rule.geofence))
        if rule.near is not None:
            lines.append(head + _near(version, rule.near))
    return ["## Rule conditions", "", *lines, ""] if lines else []


def _positions(version: m.ResolvedVersion) -> list[str]:
    if not version.positions:
        return []
    lines = [
        "## Positions",
        "",
        "| position | party | point | applies | source | status | rationale |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in version.positions:
        applies = "; ".join(_interval(i) for i in p.applies)
        lines.append(
            f"| `{p.id}` {_cell(p.label)} | `{p.party}` | lon {p.lon:g}, lat {p.lat:g} | "
            f"{applies} | `{p.source}` | {p.status} | {_cell(p.rationale)} |"
        )
    return [*lines, ""]


def _directives(version: m.ResolvedVersion) -> list[str]:
    lines = ["## Directives", "", "| directive | scenario | obligations |", "|---|---|---|"]
    for d in version.directives:
        duties = "<br>".join(
            f"{', '.join(o.parties)}: {_cell(o.action)} within {o.within_seconds / 3600:g} h"
            for o in d.obligations
        )
        lines.append(f"| `{d.id}` {_cell(d.title)} | `{d.scenario}` | {duties} |")
    return [*lines, ""]


def _commitments(version: m.ResolvedVersion) -> list[str]:
    lines = [
        "## Commitments",
        "",
        "| commitment | party | indicator | target | due | status |",
        "|---|---|---|---|---|---|",
    ]
    for c in version.commitments:
        sign = "at least" if c.direction == "at_least" else "at most"
        lines.append(
            f"| `{c.id}` {_cell(c.title)} | `{c.party}` | `{c.indicator}` | {sign} "
            f"{c.target:,g} {c.unit} | {c.due} | {c.status} |"
        )
    return [*lines, ""]


def agreement_markdown(loaded: LoadedAgreement) -> str:
    latest = loaded.latest
    lines = [
        f"# {loaded.title}",
        "",
        f"Generated by `guarantor agreement docs {loaded.id}` from `agreements/{loaded.id}`; "
        "do not edit by hand. The latest version is shown; earlier revisions of amended "
        "rules are listed with the interval in which they applied.",
        "",
    ]
    lines += _versions(loaded)
    lines += ["## Parties", ""] + [f"- `{p.id}` {p.name} ({p.kind})" for p in latest.parties] + [""]
    lines += (
        ["## Zones", ""]
        + [f"- `{z.id}` {z.name} ({z.kind}, {z.status})" for z in latest.zones]
        + [""]
    )
    for part in (_positions, _clauses, _rules, _conditions, _directives, _commitments):
        lines += part(latest)
    return "\n".join(lines).rstrip() + "\n"
