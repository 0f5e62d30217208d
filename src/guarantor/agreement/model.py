"""The agreement as frozen domain objects (PRODUCT.md section 3).

A :class:`ResolvedVersion` is one version of an agreement with its overlays applied: the
complete document set in force from that version's ``effective`` time. Loading, validation
and overlay resolution live in :mod:`guarantor.agreement.loader`; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

__all__ = [
    "Clause",
    "ClauseStatus",
    "Commitment",
    "Directive",
    "Geofence",
    "IncidentType",
    "Interval",
    "Near",
    "ObligationTemplate",
    "ParamValue",
    "Party",
    "Position",
    "ResolvedVersion",
    "Rule",
    "RuleKind",
    "SeverityLevel",
    "SourceRef",
    "Taxonomy",
    "VersionInfo",
    "WeaponClass",
    "Window",
    "Zone",
    "ZoneKind",
]

ClauseStatus = Literal["official", "reported", "illustrative"]
RuleKind = Literal["violation", "scenario"]
ZoneKind = Literal["geometry", "buffer", "admin_units"]
ParamValue = int | float | str | bool


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a clause, zone or figure comes from: an official text or a press report."""

    id: str
    title: str
    publisher: str
    date: date | None = None
    url: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Party:
    id: str
    name: str
    kind: Literal["state", "organisation"]
    roles: tuple[str, ...] = ()
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Zone:
    """A named area. ``kind`` says how its geometry is obtained:

    * ``geometry``: GeoJSON given inline or in a file (``geometry`` holds the GeoJSON dict);
    * ``buffer``: ``buffer_km`` on either side of the line or area of zone ``of``;
    * ``admin_units``: the union of named units (``units``) of the shipped boundaries at
      ``admin_level`` 1 (oblasts) or 2 (pre-2020 raions).
    """

    id: str
    name: str
    kind: ZoneKind
    source: str
    status: ClauseStatus
    geometry: Mapping[str, object] | None = None
    geometry_file: str | None = None
    of: str | None = None
    buffer_km: float | None = None
    admin_level: int | None = None
    units: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class IncidentType:
    id: str
    label: str
    hostile_act: bool = True
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WeaponClass:
    id: str
    label: str
    heavy: bool = False
    min_calibre_mm: float | None = None
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SeverityLevel:
    value: int
    label: str


@dataclass(frozen=True, slots=True)
class Taxonomy:
    incident_types: tuple[IncidentType, ...]
    weapon_classes: tuple[WeaponClass, ...]
    severity: tuple[SeverityLevel, ...]

    def type_ids(self) -> frozenset[str]:
        return frozenset(t.id for t in self.incident_types)

    def weapon_ids(self) -> frozenset[str]:
        return frozenset(w.id for w in self.weapon_classes)


@dataclass(frozen=True, slots=True)
class Clause:
    """A piece of legal text with ``{param}`` placeholders, its source and its status."""

    id: str
    document: str
    title: str
    text: str
    source: str
    status: ClauseStatus
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    rationale: str = ""
    revision: str = ""


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """Half-open event-time interval ``[start, end)`` in UTC; ``end`` None is open-ended."""

    start: datetime
    end: datetime | None = None

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)

    def overlaps(self, other: Interval) -> bool:
        self_before = self.end is not None and self.end <= other.start
        other_before = other.end is not None and other.end <= self.start
        return not (self_before or other_before)


@dataclass(frozen=True, slots=True)
class Window:
    """A sliding event-time window ``(t - length, t]`` per group, compared to a threshold.

    ``measure`` is ``count`` (incidents matching the rule's ``when``) or ``sum`` of ``field``.
    The scenario activates when the measure is ``op`` (``>`` or ``>=``) ``threshold``;
    ``threshold`` is a number or the name of one of the rule's params.
    """

    length_seconds: int
    group_by: tuple[str, ...]
    measure: Literal["count", "sum"]
    op: Literal[">", ">="]
    threshold: float | str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Geofence:
    """Incidents inside zone ``zone`` (``within_km`` 0) or within ``within_km`` of it."""

    zone: str
    within_km: float = 0.0


@dataclass(frozen=True, slots=True)
class Near:
    """Incidents within ``within_km`` of a deployed position of ``party`` (or of one of its
    members) that is held at the incident's time."""

    party: str
    within_km: float


@dataclass(frozen=True, slots=True)
class Position:
    """A deployed position of a party: a WGS 84 point (``lon``, ``lat``), a label, and the
    event-time intervals (half-open, UTC) during which it is held."""

    id: str
    party: str
    label: str
    lon: float
    lat: float
    applies: tuple[Interval, ...]
    source: str
    status: ClauseStatus
    rationale: str = ""
    revision: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule citing its clause. ``revision`` is the version id that defined this text of it."""

    id: str
    kind: RuleKind
    clause: str
    title: str
    when: str
    applies: tuple[Interval, ...]
    status: ClauseStatus
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    window: Window | None = None
    geofence: Geofence | None = None
    responsible: str | None = None
    rationale: str = ""
    revision: str = ""
    near: Near | None = None


@dataclass(frozen=True, slots=True)
class ObligationTemplate:
    """One party's duty that a directive creates: who, what, and how long they have."""

    parties: tuple[str, ...]
    action: str
    within_seconds: int


@dataclass(frozen=True, slots=True)
class Directive:
    id: str
    scenario: str
    clause: str
    title: str
    obligations: tuple[ObligationTemplate, ...]
    status: ClauseStatus
    rationale: str = ""
    revision: str = ""


@dataclass(frozen=True, slots=True)
class Commitment:
    """A promise with an indicator and a target. ``direction`` says which way is kept:
    ``at_least`` the target (800,000 personnel) or ``at_most`` it (0 US troops)."""

    id: str
    party: str
    title: str
    indicator: str
    unit: str
    target: float
    direction: Literal["at_least", "at_most"]
    due: date
    clause: str
    status: ClauseStatus
    rationale: str = ""
    revision: str = ""


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """A version: ``adopted`` is when it was agreed (knowledge time); ``effective`` is when
    its changes start to apply in event time (UTC)."""

    id: str
    title: str
    adopted: date
    effective: datetime
    source: str
    base: str | None = None
    file: str = ""


@dataclass(frozen=True, slots=True)
class ResolvedVersion:
    """One version of one agreement with every overlay up to it applied."""

    agreement_id: str
    title: str
    version: VersionInfo
    lineage: tuple[VersionInfo, ...]
    sources: tuple[SourceRef, ...]
    parties: tuple[Party, ...]
    zones: tuple[Zone, ...]
    taxonomy: Taxonomy
    clauses: tuple[Clause, ...]
    rules: tuple[Rule, ...]
    directives: tuple[Directive, ...]
    commitments: tuple[Commitment, ...]
    positions: tuple[Position, ...] = ()

    def clause(self, clause_id: str) -> Clause:
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)

    def party_and_members(self, party_id: str) -> frozenset[str]:
        """``party_id`` and, recursively, the members of the groups it stands for."""
        found: set[str] = set()
        pending = [party_id]
        members = {p.id: p.members for p in self.parties}
        while pending:
            current = pending.pop()
            if current not in found:
                found.add(current)
                pending.extend(members.get(current, ()))
        return frozenset(found)

    def positions_of(self, party_id: str) -> tuple[Position, ...]:
        """The deployed positions of ``party_id`` and of its members, at any time."""
        parties = self.party_and_members(party_id)
        return tuple(p for p in self.positions if p.party in parties)

    def rules_in_force(self, moment: datetime) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if any(i.contains(moment) for i in r.applies))

    def render_clause(self, clause_id: str, extra: Mapping[str, ParamValue] | None = None) -> str:
        clause = self.clause(clause_id)
        values = {**clause.params, **(extra or {})}
        return clause.text.format_map(_Missing(values))


class _Missing(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
