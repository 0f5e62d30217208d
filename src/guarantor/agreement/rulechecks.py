"""Static checks of rules: expressions, windows, geofences, ``near`` blocks and ``applies``
intervals."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator

from guarantor.agreement import model as m
from guarantor.agreement.docerrors import suggest
from guarantor.agreement.expr import check, parse
from guarantor.agreement.fields import INCIDENT_FIELDS
from guarantor.agreement.origins import Origins
from guarantor.agreement.vocabulary_check import unknown_vocabulary
from guarantor.errors import ExpressionError, Location, Problem

__all__ = ["check_applies", "check_rule"]

_NUMERIC = {"int", "float"}


def _where(origins: Origins, rule: m.Rule, *path: str | int) -> Location:
    return origins.locate("rules", rule.id, rule.revision, path)


def _in_expression(location: Location, position: int, source: str) -> Location:
    """The position of character ``position`` of a one-line ``when`` written after its key.

    For a plain or quoted scalar on one line the column is exact; for block scalars the
    line of the value is given and the message names the position in the expression.
    """
    if "\n" in source or location.column is None:
        return location
    return Location(location.file, location.line, location.column + position, location.field)


def _rule_problem(
    location: Location, found: str, expected: str, fix: str, code: str, severity: str = "error"
) -> Problem:
    return Problem(location, found, expected, fix, code, severity)


def check_rule(rule: m.Rule, version: m.ResolvedVersion, origins: Origins) -> Iterator[Problem]:
    yield from _check_expression(rule, version, origins)
    if rule.kind == "violation" and rule.window is not None:
        yield _rule_problem(
            _where(origins, rule, "window"),
            "a window on a violation rule",
            "windows only on rules of kind scenario",
            "set kind: scenario, or remove the window",
            "window_on_violation",
        )
    if rule.window is not None:
        yield from _check_window(rule, origins)
    zones = {z.id for z in version.zones}
    if rule.geofence is not None and rule.geofence.zone not in zones:
        hint = suggest(rule.geofence.zone, sorted(zones))
        yield _rule_problem(
            _where(origins, rule, "geofence", "zone"),
            f"zone '{rule.geofence.zone}'",
            "the id of a zone of this agreement",
            (hint + " " if hint else "") + "define the zone",
            "unknown_reference",
        )
    if rule.geofence is not None and rule.geofence.within_km < 0:
        yield _rule_problem(
            _where(origins, rule, "geofence", "within_km"),
            str(rule.geofence.within_km),
            "0 (inside) or a positive distance in km",
            "use a distance of 0 or more",
            "invalid_value",
        )
    if rule.near is not None:
        yield from _check_near(rule, version, origins)


def _check_near(rule: m.Rule, version: m.ResolvedVersion, origins: Origins) -> Iterator[Problem]:
    """``near: {party, within_km}``: a known party that has positions, a radius of 0 or more."""
    near = rule.near
    assert near is not None
    parties = sorted(p.id for p in version.parties)
    if near.party not in parties:
        hint = suggest(near.party, parties)
        yield _rule_problem(
            _where(origins, rule, "near", "party"),
            f"party '{near.party}', which this agreement does not define",
            "the id of a party with deployed positions (section positions)",
            (hint + " " if hint else "") + "correct the party id or define the party",
            "unknown_reference",
        )
    elif not version.positions_of(near.party):
        with_positions = sorted({p.party for p in version.positions})
        yield _rule_problem(
            _where(origins, rule, "near", "party"),
            f"party '{near.party}', which has no deployed positions (nor have its members)",
            "a party listed under positions: "
            + (", ".join(with_positions) if with_positions else "none is"),
            "add its positions (id, party, label, point, applies) or name another party",
            "no_positions",
        )
    if near.within_km < 0:
        yield _rule_problem(
            _where(origins, rule, "near", "within_km"),
            f"a negative radius {near.within_km:g} km",
            "0 or a positive distance in km from the position",
            "set within_km to 0 or more, e.g. within_km: 25",
            "invalid_value",
        )


def _check_expression(
    rule: m.Rule, version: m.ResolvedVersion, origins: Origins
) -> Iterator[Problem]:
    location = _where(origins, rule, "when")
    try:
        tree = parse(rule.when)
    except ExpressionError as exc:
        yield _rule_problem(
            _in_expression(location, exc.position, rule.when),
            f"{exc.message} (position {exc.position} of the expression)",
            exc.expected,
            exc.fix,
            "expression_syntax",
        )
        return
    for literal, name, known in unknown_vocabulary(tree, version.taxonomy):
        hint = suggest(literal.value, known)
        yield _rule_problem(
            _in_expression(location, literal.start, rule.when),
            f'{name} "{literal.value}", which the taxonomy does not define (position '
            f"{literal.start} of the expression)",
            f"a {name} id of the taxonomy: "
            + ", ".join(known[:10])
            + ("..." if len(known) > 10 else ""),
            (hint + " " if hint else "") + "correct the id or add it to the taxonomy",
            "unknown_vocabulary",
        )
    result = check(tree, params=rule.params, zones=[z.id for z in version.zones], expect="bool")
    for issue in result.issues:
        yield _rule_problem(
            _in_expression(location, issue.position, rule.when),
            f"{issue.found} (position {issue.position} of the expression)",
            issue.expected,
            issue.fix,
            issue.code,
        )


def _check_window(rule: m.Rule, origins: Origins) -> Iterator[Problem]:
    window = rule.window
    assert window is not None
    if window.length_seconds <= 0:
        yield _rule_problem(
            _where(origins, rule, "window", "length"),
            "a window of zero length",
            "a positive length, e.g. 24h",
            "set window.length to the period the clause names",
            "zero_window",
        )
    for position, name in enumerate(window.group_by):
        if name not in INCIDENT_FIELDS:
            hint = suggest(name, list(INCIDENT_FIELDS))
            yield _rule_problem(
                _where(origins, rule, "window", "group_by", position),
                f"group field '{name}'",
                "an incident field, e.g. oblast or sector",
                (hint + " " if hint else "") + "use a field from docs/agreement-format.md",
                "unknown_field",
            )
    yield from _check_threshold(rule, origins)
    if window.measure == "sum":
        spec = INCIDENT_FIELDS.get(window.field or "")
        if spec is None or spec.type not in _NUMERIC:
            yield _rule_problem(
                _where(origins, rule, "window", "field"),
                f"sum of '{window.field}'",
                "a numeric incident field, e.g. deaths",
                "name a numeric field in window.field",
                "invalid_value",
            )


def _check_threshold(rule: m.Rule, origins: Origins) -> Iterator[Problem]:
    window = rule.window
    assert window is not None
    where = _where(origins, rule, "window")
    if isinstance(window.threshold, str):
        name = window.threshold.removeprefix("params.")
        value = rule.params.get(name)
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            hint = suggest(name, list(rule.params))
            yield _rule_problem(
                where,
                f"threshold '{window.threshold}'",
                "a number or params.NAME of a numeric param of this rule",
                (hint + " " if hint else "") + "define the param",
                "unknown_param",
            )
    origin_doc = origins.items.get(("rules", rule.id, rule.revision))
    if origin_doc is not None:
        index = origins.indexes[origin_doc.file]
        keys = {
            p[-2]
            for p in index.marks
            if p[:-2] == (*origin_doc.path, "window") and p[-1] == "__key__"
        }
        if len(keys & {"above", "at_least"}) != 1:
            yield _rule_problem(
                where,
                "above and at_least both given"
                if keys >= {"above", "at_least"}
                else "no threshold",
                "exactly one of above (>) or at_least (>=), e.g. above: 10",
                "give one threshold",
                "invalid_window",
            )


def check_applies(version: m.ResolvedVersion, origins: Origins) -> Iterator[Problem]:
    """Per rule id, across its revisions: no interval ends before it starts, none overlaps
    another, and gaps between them are reported as warnings."""
    by_id: dict[str, list[tuple[m.Interval, m.Rule]]] = defaultdict(list)
    for rule in version.rules:
        for interval in rule.applies:
            by_id[rule.id].append((interval, rule))
            if interval.end is not None and interval.end <= interval.start:
                yield _rule_problem(
                    _where(origins, rule, "applies"),
                    f"an interval from {interval.start.isoformat()} "
                    f"until {interval.end.isoformat()}",
                    "until later than from (intervals are half-open: [from, until))",
                    "swap or correct the times",
                    "empty_interval",
                )
    for rule_id, spans in by_id.items():
        spans.sort(key=lambda pair: pair[0].start)
        for (first, rule_a), (second, rule_b) in itertools.pairwise(spans):
            if first.overlaps(second):
                yield _rule_problem(
                    _where(origins, rule_b, "applies"),
                    f"rule '{rule_id}' applying twice from {second.start.isoformat()} "
                    f"(revisions '{rule_a.revision}' and '{rule_b.revision}')",
                    "intervals of one rule that do not overlap",
                    "end the earlier interval where the later one starts",
                    "overlap",
                )
            elif first.end is not None and first.end < second.start:
                yield _rule_problem(
                    _where(origins, rule_b, "applies"),
                    f"a gap in rule '{rule_id}' from {first.end.isoformat()} to "
                    f"{second.start.isoformat()}",
                    "intervals that meet, unless the rule was suspended",
                    "start the later interval where the earlier ends, or confirm "
                    "the suspension in the rule's rationale",
                    "gap",
                    severity="warning",
                )
