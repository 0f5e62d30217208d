"""A version compiled once into a rule table: the program both targets run.

Each rule *revision* (a rule id can have several, with disjoint ``applies``) is one row of
the table: its compiled predicate (``when`` and the geofence, by index into the version's
distinct predicates, so a ``when`` shared by several rules is evaluated once; the ``near``
block is and-ed in too), its applies
intervals as int64 microseconds, its window if it has one, and the explanation header it
cites. Directives are flattened to one :class:`ObligationSpec` per (template, party).

A version with no rules compiles to an empty program with a note; evaluating it gives empty
results, not an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from types import MappingProxyType
from typing import Any, Literal

from guarantor.agreement.canonical import content_hash, to_jsonable
from guarantor.agreement.fields import INCIDENT_FIELDS
from guarantor.agreement.model import Directive, ResolvedVersion, Rule, Window
from guarantor.scenarios import ir
from guarantor.scenarios.compile import compile_expression, compile_geofence, timestamp_us
from guarantor.scenarios.errors import RuleCompileError, WindowLengthError
from guarantor.scenarios.positions import compile_near

__all__ = ["ObligationSpec", "RevisionProgram", "VersionProgram", "WindowSpec", "compile_version"]

FIXED_POINT = 1_000_000
"""Sums of float fields are computed in fixed point with 6 decimals, exactly in both targets."""
_NO_END = 2**62


@dataclass(frozen=True, slots=True)
class WindowSpec:
    length_us: int
    group_by: tuple[str, ...]
    measure: Literal["count", "sum"]
    field: str | None
    scale: int  # 1 for count and int sums; FIXED_POINT for float sums
    op: Literal[">", ">="]
    threshold: float
    threshold_param: str | None

    def holds(self, measure: float) -> bool:
        return measure > self.threshold if self.op == ">" else measure >= self.threshold


@dataclass(frozen=True, slots=True)
class RevisionProgram:
    index: int
    slot: int  # index of the rule id in VersionProgram.rule_ids
    rule: Rule
    predicate: int
    applies: tuple[tuple[int, int], ...]  # [start, end) in microseconds; open end = 2**62
    window: WindowSpec | None
    header: Mapping[str, Any]  # the explanation fields this revision cites
    header_json: str  # ``header`` as JSON members without the braces
    near_labels: Mapping[str, str] = dataclass_field(default_factory=dict)  # position id -> label

    @property
    def rule_id(self) -> str:
        return self.rule.id

    @property
    def revision(self) -> str:
        return self.rule.revision

    def in_force(self, time_us: int) -> bool:
        return any(start <= time_us < end for start, end in self.applies)


@dataclass(frozen=True, slots=True)
class ObligationSpec:
    directive_id: str
    party: str
    action: str
    within_us: int
    header: Mapping[str, Any]
    header_json: str


@dataclass(frozen=True, slots=True)
class VersionProgram:
    version: ResolvedVersion
    version_hash: str
    predicates: tuple[ir.Node, ...]
    revisions: tuple[RevisionProgram, ...]
    rule_ids: tuple[str, ...]
    obligations: Mapping[str, tuple[ObligationSpec, ...]]  # by scenario rule id
    zones: tuple[str, ...]
    notes: tuple[str, ...]
    near_parties: tuple[str, ...] = ()  # parties whose positions the predicates read

    @property
    def agreement_id(self) -> str:
        return self.version.agreement_id

    @property
    def version_id(self) -> str:
        return self.version.version.id


_CACHE: list[tuple[ResolvedVersion, VersionProgram]] = []


def compile_version(version: ResolvedVersion) -> VersionProgram:
    """The program of ``version``; compiled once and kept for the last few versions."""
    for known, program in _CACHE:
        if known is version:
            return program
    program = _compile(version)
    _CACHE.append((version, program))
    del _CACHE[:-16]
    return program


def _compile(version: ResolvedVersion) -> VersionProgram:
    version_hash = content_hash(version)
    zone_ids = frozenset(z.id for z in version.zones)
    predicates: dict[ir.Node, int] = {}
    slots: dict[str, int] = {}
    revisions = []
    labels = MappingProxyType({p.id: p.label for p in version.positions})
    for index, rule in enumerate(version.rules):
        where = f"rule '{rule.id}' (revision '{rule.revision}') of version '{version.version.id}'"
        node = compile_expression(rule.when or "true", rule.params, zone_ids, where=where)
        if rule.geofence is not None:
            fence = compile_geofence(rule.geofence, zone_ids, where=where)
            node = fence if node == ir.Const(True, "bool") else ir.And((node, fence))
        if rule.near is not None:
            near = compile_near(rule.near, version, where=where)
            node = near if node == ir.Const(True, "bool") else ir.And((node, near))
        slot = slots.setdefault(rule.id, len(slots))
        window = _window(rule, where)
        header = _header(version, version_hash, rule, where)
        revisions.append(
            RevisionProgram(
                index=index,
                slot=slot,
                rule=rule,
                predicate=predicates.setdefault(node, len(predicates)),
                applies=tuple(
                    (timestamp_us(i.start), _NO_END if i.end is None else timestamp_us(i.end))
                    for i in rule.applies
                ),
                window=window,
                header=header,
                header_json=_members(header),
                near_labels=labels,
            )
        )
    notes: tuple[str, ...] = ()
    if not version.rules:
        notes = (
            f"version '{version.version.id}' of agreement '{version.agreement_id}' has no rules: "
            "there is nothing to evaluate, so every result is empty; add rules to rules.yaml "
            "or an overlay",
        )
    zones = sorted({z for node in predicates for z in ir.zones_read(node)})
    return VersionProgram(
        version=version,
        version_hash=version_hash,
        predicates=tuple(predicates),
        revisions=tuple(revisions),
        rule_ids=tuple(slots),
        obligations=MappingProxyType(_obligations(version, version_hash)),
        zones=tuple(zones),
        notes=notes,
        near_parties=tuple(sorted({p for node in predicates for p in ir.parties_near(node)})),
    )


def _window(rule: Rule, where: str) -> WindowSpec | None:
    window = rule.window
    if window is None:
        return None
    if rule.kind != "scenario":
        raise RuleCompileError(
            f"{where}: found a window on a violation rule; expected windows on scenario rules "
            "only; fix: make the rule kind: scenario or remove the window"
        )
    if window.length_seconds <= 0:
        raise WindowLengthError(
            f"{where}: found a window of length {window.length_seconds} s; expected a positive "
            "duration such as 24h (the window (t - length, t] of length 0 is empty and could "
            "never count an incident); fix: set window.length, e.g. length: 24h"
        )
    return WindowSpec(
        length_us=window.length_seconds * 1_000_000,
        group_by=_group_by(window, where),
        measure=window.measure,
        field=window.field if window.measure == "sum" else None,
        scale=_scale(window, where),
        op=window.op,
        threshold=_threshold(rule, window, where),
        threshold_param=window.threshold if isinstance(window.threshold, str) else None,
    )


def _group_by(window: Window, where: str) -> tuple[str, ...]:
    for name in window.group_by:
        if name not in INCIDENT_FIELDS:
            raise RuleCompileError(
                f"{where}: found group_by field '{name}'; expected an incident field such as "
                "oblast, sector or actor; fix: correct the field name"
            )
    return tuple(window.group_by)


def _scale(window: Window, where: str) -> int:
    if window.measure == "count":
        return 1
    spec = INCIDENT_FIELDS.get(window.field or "")
    if spec is None or spec.type not in ("int", "float"):
        raise RuleCompileError(
            f"{where}: found measure sum of '{window.field}'; expected a numeric incident "
            "field such as deaths or injured; fix: set window.field"
        )
    return 1 if spec.type == "int" else FIXED_POINT


def _threshold(rule: Rule, window: Window, where: str) -> float:
    value: object = window.threshold
    if isinstance(value, str):
        if value not in rule.params:
            raise RuleCompileError(
                f"{where}: found threshold '{value}', which is not a param of the rule; "
                f"expected a number or one of: {', '.join(sorted(rule.params)) or 'none'}; "
                f"fix: add params: {{{value}: 3}} or write the number"
            )
        value = rule.params[value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleCompileError(
            f"{where}: found threshold {value!r}; expected a number, e.g. above: 3; "
            "fix: make the threshold (or the param it names) a number"
        )
    return float(value)


def _header(version: ResolvedVersion, version_hash: str, rule: Rule, where: str) -> dict[str, Any]:
    try:
        clause_text = version.render_clause(rule.clause, rule.params)
    except KeyError:
        raise RuleCompileError(
            f"{where}: found clause '{rule.clause}', which the version does not define; "
            "expected a clause id; fix: correct the rule's clause"
        ) from None
    return {
        "agreement_id": version.agreement_id,
        "version_id": version.version.id,
        "version_hash": version_hash,
        "rule_id": rule.id,
        "revision": rule.revision,
        "rule_title": rule.title,
        "rule_status": rule.status,
        "clause": rule.clause,
        "clause_text": clause_text,
        "when": rule.when,
        "params": to_jsonable(rule.params),
    }


def _members(document: Mapping[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))[1:-1]


def _obligations(
    version: ResolvedVersion, version_hash: str
) -> dict[str, tuple[ObligationSpec, ...]]:
    found: dict[str, list[ObligationSpec]] = {}
    for directive in version.directives:
        for template in directive.obligations:
            for party in template.parties:
                header = _directive_header(version, directive)
                spec = ObligationSpec(
                    directive_id=directive.id,
                    party=party,
                    action=template.action,
                    within_us=template.within_seconds * 1_000_000,
                    header=header,
                    header_json=_members(header),
                )
                found.setdefault(directive.scenario, []).append(spec)
    return {key: tuple(value) for key, value in found.items()}


def _directive_header(version: ResolvedVersion, directive: Directive) -> dict[str, Any]:
    try:
        text = version.render_clause(directive.clause)
    except KeyError:
        text = ""
    return {
        "directive_id": directive.id,
        "directive_title": directive.title,
        "directive_status": directive.status,
        "directive_clause": directive.clause,
        "directive_clause_text": text,
    }
