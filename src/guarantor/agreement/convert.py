"""Build frozen domain objects from validated file documents (no I/O, no checks)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from guarantor.agreement import model as m
from guarantor.agreement import schema as s

__all__ = [
    "SECTIONS",
    "builder",
    "clause",
    "commitment",
    "directive",
    "duration_seconds",
    "party",
    "position",
    "rule",
    "source",
    "taxonomy",
    "to_utc",
    "version_info",
    "zone",
]

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^(\d+)([smhdw])$")


def duration_seconds(text: str) -> int:
    """``"24h"`` -> 86400. The schema has already checked the form."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"not a duration: {text!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def to_utc(moment: datetime) -> datetime:
    """An aware time in UTC. Naive times are reported by the checks before this is used;
    here they are read as UTC so that a broken file still yields a model to check."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def source(doc: s.SourceDoc) -> m.SourceRef:
    return m.SourceRef(doc.id, doc.title, doc.publisher, doc.date, doc.url, doc.note)


def party(doc: s.PartyDoc) -> m.Party:
    return m.Party(doc.id, doc.name, doc.kind, tuple(doc.roles), tuple(doc.members))


def zone(doc: s.ZoneDoc) -> m.Zone:
    if doc.buffer is not None:
        km = doc.buffer.get("km")
        return m.Zone(
            doc.id,
            doc.name,
            "buffer",
            doc.source,
            doc.status,
            of=str(doc.buffer.get("of", "")),
            buffer_km=float(km) if isinstance(km, int | float) else None,
            note=doc.note,
        )
    if doc.admin_units is not None:
        level = doc.admin_units.get("level", 1)
        units = doc.admin_units.get("units", [])
        return m.Zone(
            doc.id,
            doc.name,
            "admin_units",
            doc.source,
            doc.status,
            admin_level=int(level) if isinstance(level, int) else None,
            units=tuple(str(u) for u in units) if isinstance(units, list) else (),
            note=doc.note,
        )
    return m.Zone(
        doc.id,
        doc.name,
        "geometry",
        doc.source,
        doc.status,
        geometry=doc.geometry,
        geometry_file=doc.geometry_file,
        note=doc.note,
    )


def taxonomy(doc: s.TaxonomyDoc | None) -> m.Taxonomy:
    if doc is None:
        return m.Taxonomy((), (), ())
    return m.Taxonomy(
        tuple(
            m.IncidentType(t.id, t.label, t.hostile_act, tuple(t.aliases))
            for t in doc.incident_types
        ),
        tuple(
            m.WeaponClass(w.id, w.label, w.heavy, w.min_calibre_mm, tuple(w.examples))
            for w in doc.weapon_classes
        ),
        tuple(m.SeverityLevel(v.value, v.label) for v in doc.severity),
    )


def clause(doc: s.ClauseDoc, revision: str) -> m.Clause:
    return m.Clause(
        doc.id,
        doc.document,
        doc.title,
        doc.text,
        doc.source,
        doc.status,
        dict(doc.params),
        doc.rationale,
        revision,
    )


def _window(doc: s.WindowDoc | None) -> m.Window | None:
    if doc is None:
        return None
    op: str = ">" if doc.above is not None else ">="
    threshold = doc.above if doc.above is not None else doc.at_least
    return m.Window(
        length_seconds=duration_seconds(doc.length),
        group_by=tuple(doc.group_by),
        measure=doc.measure,
        op=">" if op == ">" else ">=",
        threshold=threshold if threshold is not None else 0.0,
        field=doc.field,
    )


def _intervals(docs: list[s.IntervalDoc]) -> tuple[m.Interval, ...]:
    return tuple(m.Interval(to_utc(i.from_), to_utc(i.until) if i.until else None) for i in docs)


def position(doc: s.PositionDoc, revision: str) -> m.Position:
    return m.Position(
        id=doc.id,
        party=doc.party,
        label=doc.label,
        lon=doc.point.lon,
        lat=doc.point.lat,
        applies=_intervals(doc.applies),
        source=doc.source,
        status=doc.status,
        rationale=doc.rationale,
        revision=revision,
    )


def rule(doc: s.RuleDoc, revision: str, default_start: datetime) -> m.Rule:
    if doc.applies is None:
        applies: tuple[m.Interval, ...] = (m.Interval(to_utc(default_start)),)
    else:
        applies = _intervals(doc.applies)
    geofence = doc.geofence and m.Geofence(doc.geofence.zone, doc.geofence.within_km)
    return m.Rule(
        id=doc.id,
        kind=doc.kind,
        clause=doc.clause,
        title=doc.title,
        when=doc.when,
        applies=applies,
        status=doc.status,
        params=dict(doc.params),
        window=_window(doc.window),
        geofence=geofence or None,
        responsible=doc.responsible,
        rationale=doc.rationale,
        revision=revision,
        near=m.Near(doc.near.party, doc.near.within_km) if doc.near else None,
    )


def directive(doc: s.DirectiveDoc, revision: str) -> m.Directive:
    obligations = tuple(
        m.ObligationTemplate(
            parties=tuple(o.parties or ([o.party] if o.party else [])),
            action=o.action,
            within_seconds=duration_seconds(o.within),
        )
        for o in doc.obligations
    )
    return m.Directive(
        doc.id,
        doc.scenario,
        doc.clause,
        doc.title,
        obligations,
        doc.status,
        doc.rationale,
        revision,
    )


def commitment(doc: s.CommitmentDoc, revision: str) -> m.Commitment:
    return m.Commitment(
        id=doc.id,
        party=doc.party,
        title=doc.title,
        indicator=doc.indicator or "",
        unit=doc.unit,
        target=doc.target,
        direction=doc.direction,
        due=doc.due if doc.due is not None else datetime.max.date(),
        clause=doc.clause,
        status=doc.status,
        rationale=doc.rationale,
        revision=revision,
    )


def version_info(doc: s.VersionDoc, file: str) -> m.VersionInfo:
    return m.VersionInfo(
        doc.id, doc.title, doc.adopted, to_utc(doc.effective), doc.source, doc.base, file
    )


SECTIONS = (
    "sources",
    "parties",
    "zones",
    "positions",
    "clauses",
    "rules",
    "directives",
    "commitments",
)


def builder(section: str, revision: str, start: datetime) -> Callable[[Any], Any]:
    """The converter of one list section's documents, for items defined by version
    ``revision`` whose rules apply from ``start`` unless they say otherwise."""
    builders: dict[str, Callable[[Any], Any]] = {
        "sources": source,
        "parties": party,
        "zones": zone,
        "positions": lambda d: position(d, revision),
        "clauses": lambda d: clause(d, revision),
        "rules": lambda d: rule(d, revision, start),
        "directives": lambda d: directive(d, revision),
        "commitments": lambda d: commitment(d, revision),
    }
    return builders[section]
