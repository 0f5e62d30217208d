"""Versions and incidents for the rules-engine tests, built in code (no agreement folder)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from guarantor.agreement.model import (
    Clause,
    Directive,
    Geofence,
    Interval,
    ObligationTemplate,
    Party,
    ResolvedVersion,
    Rule,
    SeverityLevel,
    SourceRef,
    Taxonomy,
    VersionInfo,
    Window,
    Zone,
)

__all__ = [
    "BASE",
    "START",
    "amended",
    "at",
    "directive",
    "engine_version",
    "incident",
    "rule",
    "window_rule",
]

START = datetime(2020, 1, 1, tzinfo=UTC)
BASE = START + timedelta(days=10)
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[37.0, 47.0], [38.0, 47.0], [38.0, 48.0], [37.0, 48.0], [37.0, 47.0]]],
}


def at(hours: float) -> datetime:
    """``hours`` after BASE."""
    return BASE + timedelta(hours=hours)


def incident(identity: str, hours: float, **fields: Any) -> dict[str, Any]:
    return {"id": identity, "time": at(hours).isoformat(), **fields}


def rule(identity: str, when: str, **extra: Any) -> Rule:
    values: dict[str, Any] = {
        "id": identity,
        "kind": "violation",
        "clause": "c1",
        "title": identity,
        "when": when,
        "applies": (Interval(START),),
        "status": "illustrative",
        "revision": "v1",
    }
    values.update(extra)
    return Rule(**values)


def window_rule(
    identity: str,
    when: str = "true",
    *,
    threshold: float | str = 2,
    op: str = ">",
    hours: int = 24,
    group_by: tuple[str, ...] = ("oblast",),
    measure: str = "count",
    field: str | None = None,
    **extra: Any,
) -> Rule:
    window = Window(hours * 3600, group_by, measure, op, threshold, field)  # type: ignore[arg-type]
    return rule(identity, when, kind="scenario", window=window, **extra)


def engine_version(*rules: Rule, directives: tuple[Directive, ...] = ()) -> ResolvedVersion:
    info = VersionInfo("v1", "Test version", date(2020, 1, 1), START, "src")
    clause = Clause(
        "c1", "doc", "Clause one", "More than {threshold} in {hours} hours.", "src", "official",
        params={"threshold": 2, "hours": 24},
    )
    zone = Zone("square", "A square", "geometry", "src", "illustrative", geometry=SQUARE)
    return ResolvedVersion(
        agreement_id="test",
        title="Test agreement",
        version=info,
        lineage=(info,),
        sources=(SourceRef("src", "Source", "Publisher"),),
        parties=(Party("ua", "Ukraine", "state"), Party("osce", "OSCE", "organisation")),
        zones=(zone,),
        taxonomy=Taxonomy((), (), (SeverityLevel(1, "low"),)),
        clauses=(clause,),
        rules=tuple(rules),
        directives=directives,
        commitments=(),
    )


def directive(scenario: str, *parties: str, hours: int = 24) -> Directive:
    template = ObligationTemplate(tuple(parties), f"Respond to {scenario}", hours * 3600)
    return Directive(f"{scenario}-response", scenario, "c1", "Respond", (template,), "illustrative")


def amended(base: Rule, at_time: datetime, **changes: Any) -> tuple[Rule, Rule]:
    """The two revisions of ``base`` around an amendment at ``at_time``."""
    before = replace(base, applies=(Interval(base.applies[0].start, at_time),))
    after = replace(base, applies=(Interval(at_time),), revision="v2", **changes)
    return before, after


_ = Geofence
