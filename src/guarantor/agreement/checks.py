"""Static checks of a whole agreement: references, statuses, text, zones, directives.

``check_agreement`` runs every check on every version and returns the agreement with all
problems (structural ones from reading, then these), each reported once.
"""

from __future__ import annotations

import dataclasses
import string
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from guarantor.agreement import convert
from guarantor.agreement import model as m
from guarantor.agreement.docerrors import suggest
from guarantor.agreement.geometry import resolve_zones
from guarantor.agreement.loader import LoadedAgreement
from guarantor.agreement.origins import Origins
from guarantor.agreement.rulechecks import check_applies, check_rule
from guarantor.errors import Problem

__all__ = ["check_agreement"]

_SECTIONS = convert.SECTIONS


def check_agreement(loaded: LoadedAgreement) -> LoadedAgreement:
    problems = list(loaded.problems)
    seen = {(str(p.location), p.found) for p in problems}
    for version in loaded.versions:
        origins = loaded.origins[version.version.id]
        for problem in _check_version(version, origins, loaded):
            key = (str(problem.location), problem.found)
            if key not in seen:
                seen.add(key)
                problems.append(problem)
    problems.sort(key=lambda p: (not p.is_error, p.location.file, p.location.line or 0))
    return dataclasses.replace(loaded, problems=tuple(problems))


def _check_version(
    version: m.ResolvedVersion, origins: Origins, loaded: LoadedAgreement
) -> Iterator[Problem]:
    yield from _duplicates(version, origins)
    yield from _references(version, origins)
    yield from _statuses(version, origins)
    yield from _clause_params(version, origins)
    yield from _commitments(version, origins)
    yield from _directives(version, origins)
    yield from _positions(version, origins)
    for rule in version.rules:
        yield from check_rule(rule, version, origins)
    yield from check_applies(version, origins)
    _, zone_problems = resolve_zones(version, loaded.folder)
    for zp in zone_problems:
        where = origins.locate("zones", zp.zone, "", tuple(zp.field.split(".")))
        yield Problem(where, zp.found, zp.expected, zp.fix, zp.code)


def _duplicates(version: m.ResolvedVersion, origins: Origins) -> Iterator[Problem]:
    for section in _SECTIONS:
        items = getattr(version, section)
        keys = Counter((i.id, getattr(i, "revision", "")) for i in items)
        for (item_id, revision), count in keys.items():
            if count > 1:
                yield Problem(
                    origins.locate(section, item_id, revision, ("id",)),
                    f"{count} items of {section} with id '{item_id}'",
                    f"ids unique within {section}",
                    "rename one of them",
                    "duplicate_id",
                )


def _ref(
    origins: Origins,
    section: str,
    item: Any,
    field: tuple[str | int, ...],
    value: str,
    known: Iterable[str],
    kind: str,
) -> Iterator[Problem]:
    choices = sorted(known)
    if value in choices:
        return
    hint = suggest(value, choices)
    item_id = str(item.id)
    yield Problem(
        origins.locate(section, item_id, str(getattr(item, "revision", "")), field),
        f"{kind} '{value}', which this agreement does not define",
        f"the id of one of its {kind}s: "
        + ", ".join(choices[:12])
        + ("..." if len(choices) > 12 else ""),
        (hint + " " if hint else "") + f"define the {kind} or correct the id",
        "unknown_reference",
    )


def _references(version: m.ResolvedVersion, origins: Origins) -> Iterator[Problem]:
    sources = {s.id for s in version.sources}
    parties = {p.id for p in version.parties}
    clauses = {c.id for c in version.clauses}
    zones = {z.id for z in version.zones}
    yield from _ref(
        origins, "version", version.version, ("source",), version.version.source, sources, "source"
    )
    for zone in version.zones:
        yield from _ref(origins, "zones", zone, ("source",), zone.source, sources, "source")
        if zone.kind == "buffer":
            yield from _ref(origins, "zones", zone, ("buffer", "of"), zone.of or "", zones, "zone")
    for party in version.parties:
        for position, member in enumerate(party.members):
            yield from _ref(
                origins, "parties", party, ("members", position), member, parties, "party"
            )
    for clause in version.clauses:
        yield from _ref(origins, "clauses", clause, ("source",), clause.source, sources, "source")
    for rule in version.rules:
        yield from _ref(origins, "rules", rule, ("clause",), rule.clause, clauses, "clause")
        if rule.responsible:
            yield from _ref(
                origins, "rules", rule, ("responsible",), rule.responsible, parties, "party"
            )
    for directive in version.directives:
        yield from _ref(
            origins, "directives", directive, ("clause",), directive.clause, clauses, "clause"
        )
        for position, template in enumerate(directive.obligations):
            for party_id in template.parties:
                yield from _ref(
                    origins,
                    "directives",
                    directive,
                    ("obligations", position),
                    party_id,
                    parties,
                    "party",
                )
    for commitment in version.commitments:
        yield from _ref(
            origins, "commitments", commitment, ("party",), commitment.party, parties, "party"
        )
        yield from _ref(
            origins, "commitments", commitment, ("clause",), commitment.clause, clauses, "clause"
        )


def _statuses(version: m.ResolvedVersion, origins: Origins) -> Iterator[Problem]:
    for section in ("zones", "positions", "clauses", "rules", "directives", "commitments"):
        for item in getattr(version, section):
            if item.status == "illustrative" and not getattr(
                item, "rationale", getattr(item, "note", "")
            ):
                yield Problem(
                    origins.locate(section, item.id, getattr(item, "revision", ""), ("status",)),
                    f"illustrative {section[:-1]} '{item.id}' without a rationale",
                    "a one-line rationale: why it was invented and what it stands in for",
                    "add 'rationale:' (zones: 'note:')",
                    "missing_rationale",
                )


def _clause_params(version: m.ResolvedVersion, origins: Origins) -> Iterator[Problem]:
    for clause in version.clauses:
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(clause.text) if f}
        except ValueError as exc:
            yield Problem(
                origins.locate("clauses", clause.id, clause.revision, ("text",)),
                f"text that is not a valid template ({exc})",
                "placeholders like {distance_km}; write a literal brace as {{ or }}",
                "balance the braces",
                "invalid_template",
            )
            continue
        for name in sorted(names - set(clause.params)):
            hint = suggest(name, list(clause.params))
            yield Problem(
                origins.locate("clauses", clause.id, clause.revision, ("text",)),
                f"placeholder '{{{name}}}' with no value",
                f"a value under params, e.g. params: {{{name}: 50}}",
                (hint + " " if hint else "") + f"add '{name}' to the clause's params",
                "unknown_param",
            )


def _positions(version: m.ResolvedVersion, origins: Origins) -> Iterator[Problem]:
    """A position cites a known source and party, its point is a WGS 84 lon/lat pair and
    its intervals are not empty."""
    sources = {s.id for s in version.sources}
    parties = {p.id for p in version.parties}
    for place in version.positions:
        yield from _ref(origins, "positions", place, ("source",), place.source, sources, "source")
        yield from _ref(origins, "positions", place, ("party",), place.party, parties, "party")
        for name, value, bound in (("lon", place.lon, 180.0), ("lat", place.lat, 90.0)):
            if not -bound <= value <= bound:
                yield Problem(
                    origins.locate("positions", place.id, place.revision, ("point", name)),
                    f"{name} {value:g}",
                    f"a WGS 84 {name} between -{bound:g} and {bound:g} (degrees)",
                    "write the point as {lon: 24.03, lat: 49.84} (longitude first)",
                    "invalid_value",
                )
        for interval in place.applies:
            if interval.end is not None and interval.end <= interval.start:
                yield Problem(
                    origins.locate("positions", place.id, place.revision, ("applies",)),
                    f"an interval from {interval.start.isoformat()} "
                    f"until {interval.end.isoformat()}",
                    "until later than from (intervals are half-open: [from, until))",
                    "swap or correct the times",
                    "empty_interval",
                )


def _commitments(version: m.ResolvedVersion, origins: Origins) -> Iterator[Problem]:
    for c in version.commitments:
        if not c.indicator:
            yield Problem(
                origins.locate("commitments", c.id, c.revision, ("id",)),
                f"commitment '{c.id}' without an indicator",
                "indicator: the measured quantity, e.g. active_personnel",
                "add 'indicator:'",
                "missing_indicator",
            )
        if c.due == date.max:
            yield Problem(
                origins.locate("commitments", c.id, c.revision, ("id",)),
                f"commitment '{c.id}' without a due date",
                "due: a date, e.g. 2027-12-31",
                "add 'due:' (mark it illustrative with a rationale if the text gives none)",
                "missing_due",
            )


def _directives(version: m.ResolvedVersion, origins: Origins) -> Iterator[Problem]:
    rules: dict[str, list[m.Rule]] = {}
    for rule in version.rules:
        rules.setdefault(rule.id, []).append(rule)
    triggered = set()
    for directive in version.directives:
        revisions = rules.get(directive.scenario, [])
        triggered.add(directive.scenario)
        where = origins.locate("directives", directive.id, directive.revision, ("scenario",))
        if not revisions:
            yield from _ref(
                origins,
                "directives",
                directive,
                ("scenario",),
                directive.scenario,
                [r for r, rs in rules.items() if rs[0].kind == "scenario"],
                "scenario rule",
            )
        elif all(r.kind != "scenario" for r in revisions):
            yield Problem(
                where,
                f"'{directive.scenario}', a violation rule",
                "a rule of kind scenario (violations do not trigger directives)",
                "point the directive at a scenario rule",
                "unreachable_directive",
            )
        elif all(not r.applies or r.when.strip() == "false" for r in revisions):
            yield Problem(
                where,
                f"scenario '{directive.scenario}' that can never activate",
                "a scenario that applies at some time and whose condition can be true",
                "give the scenario an applies interval or remove the directive",
                "unreachable_directive",
            )
    for rule_id, revisions in rules.items():
        if revisions[0].kind == "scenario" and rule_id not in triggered:
            yield Problem(
                origins.locate("rules", rule_id, revisions[0].revision, ("id",)),
                f"scenario '{rule_id}' that no directive uses",
                "a directive turning its activations into obligations",
                "add a directive, or accept that it only raises activations",
                "no_directive",
                severity="warning",
            )
