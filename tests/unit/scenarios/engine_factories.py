"""Versions and incidents for the rules-engine tests, built in code (no agreement folder)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from guarantor.agreement.model import (
    Clause,
    Directive,
    Geofence,
    Interval,
    Near,
    ObligationTemplate,
    Party,
    Position,
    ResolvedVersion,
    Rule,
    SeverityLevel,
    SourceRef,
    Taxonomy,
    VersionInfo,
    Window,
    Zone,
)
from guarantor.scenarios.batch import evaluate_batch
from guarantor.scenarios.frame import records_to_frame
from guarantor.scenarios.results import Results
from guarantor.scenarios.stream import LiveResults, StreamEvaluator

__all__ = [
    "BASE",
    "START",
    "amended",
    "at",
    "canonical",
    "directive",
    "engine_version",
    "incident",
    "pairs",
    "position",
    "rule",
    "run_both",
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


def position(
    identity: str, party: str, lon: float, lat: float, *spans: tuple[float, float | None]
) -> Position:
    """A deployed position held over ``spans`` of (from, until) hours after BASE."""
    applies = tuple(Interval(at(a), None if b is None else at(b)) for a, b in spans)
    return Position(
        identity, party, f"Post {identity}", lon, lat, applies, "src", "illustrative", "test"
    )


def engine_version(
    *rules: Rule, directives: tuple[Directive, ...] = (), positions: tuple[Position, ...] = ()
) -> ResolvedVersion:
    info = VersionInfo("v1", "Test version", date(2020, 1, 1), START, "src")
    clause = Clause(
        "c1",
        "doc",
        "Clause one",
        "More than {threshold} in {hours} hours.",
        "src",
        "official",
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
        positions=positions,
    )


def directive(scenario: str, *parties: str, hours: int = 24) -> Directive:
    template = ObligationTemplate(tuple(parties), f"Respond to {scenario}", hours * 3600)
    return Directive(f"{scenario}-response", scenario, "c1", "Respond", (template,), "illustrative")


def amended(base: Rule, at_time: datetime, **changes: Any) -> tuple[Rule, Rule]:
    """The two revisions of ``base`` around an amendment at ``at_time``."""
    before = replace(base, applies=(Interval(base.applies[0].start, at_time),))
    after = replace(base, applies=(Interval(at_time),), revision="v2", **changes)
    return before, after


def canonical(results: Results) -> dict[str, list[dict[str, Any]]]:
    """Results as sorted plain rows with parsed explanations, to compare two targets."""
    found = {}
    for name in ("violations", "activations", "obligations"):
        rows = [
            {**row, "explanation": json.loads(row["explanation"])}
            for row in getattr(results, name).to_dicts()
        ]
        found[name] = sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, default=str))
    return found


def run_both(
    version: ResolvedVersion, records: list[dict[str, Any]], *, lateness_hours: int = 10_000
) -> Results:
    """Batch over ``records``, checked equal to the stream fed them in the given order."""
    batch = evaluate_batch(version, records_to_frame(records))
    stream = StreamEvaluator(version, lateness_seconds=lateness_hours * 3600)
    live = LiveResults()
    for record in records:
        live.apply(stream.push(record))
    assert canonical(live.results()) == canonical(batch)
    return batch


def pairs(results: Results, kind: str = "activations") -> list[tuple[str, str]]:
    """(rule id, incident id) of each violation or activation, in time order."""
    frame = getattr(results, kind)
    return list(zip(frame["rule_id"], frame["incident_id"], strict=True))


def mixed_version() -> ResolvedVersion:
    """One version mixing every kind of rule the stream must match batch on: per-incident
    rules, a window amended at hour 30, sum windows (one by actor), a windowed scenario, a
    geofence, near blocks on dated positions (on a violation and on a windowed scenario),
    and directives; the agreement of the batch-equals-stream tests."""
    surge = window_rule("surge", 'type == "shelling"', threshold="limit", params={"limit": 2})
    return engine_version(
        rule("hostile", 'type in ["shelling", "clash"] && severity >= 2'),
        rule("near", 'within_km("square", 30)'),
        *amended(surge, at(30), params={"limit": 1}),
        window_rule(
            "deaths",
            "has(deaths)",
            threshold=3,
            op=">=",
            measure="sum",
            field="deaths",
            group_by=(),
        ),
        window_rule(
            "calibre",
            "true",
            threshold=250.5,
            measure="sum",
            field="calibre_mm",
            hours=6,
            group_by=("actor",),
        ),
        window_rule("always", "severity > 0", threshold=0, op=">=", hours=5),
        rule("inside", "true", kind="scenario", geofence=Geofence("square")),
        # near blocks: dated positions (held over hours [0, 20) and from 10 on), on a
        # violation and on a windowed scenario: the nearest position depends on place and time
        rule("by-post", 'type == "clash"', near=Near("ua", 60.0)),
        window_rule("post-surge", "has(severity)", threshold=1, group_by=(), near=Near("ua", 80.0)),
        directives=(
            directive("surge", "ua", "osce"),
            directive("inside", "osce", hours=12),
            directive("post-surge", "ua", hours=6),
        ),
        positions=(
            position("p-west", "ua", 37.6, 47.6, (0.0, 20.0)),
            position("p-east", "ua", 38.0, 48.1, (10.0, None), (-40.0, -20.0)),
        ),
    )


def incident_steps(
    advances: Sequence[float], lateness: Sequence[float], lats: Sequence[float | None]
) -> st.SearchStrategy[tuple[str, float, float, int, dict[str, Any]]]:
    """Hypothesis steps of a random incident stream over :func:`mixed_version`'s fields:
    (new or correct, clock advance in hours, lateness in hours, which earlier incident a
    correction replaces, the incident's fields)."""
    return st.tuples(
        st.sampled_from(["new", "new", "new", "correct"]),
        st.sampled_from(list(advances)),
        st.sampled_from(list(lateness)),
        st.integers(0, 10**6),
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["shelling", "clash", "other", None]),
                "severity": st.sampled_from([None, 1, 2, 3]),
                "oblast": st.sampled_from(["A", "B", None]),
                "deaths": st.sampled_from([None, 0, 1, 2]),
                "calibre_mm": st.sampled_from([None, 82.3, 122.0, 152.5]),
                "actor": st.sampled_from(["ru", "ua"]),
                "lat": st.sampled_from(list(lats)),
                "lon": st.sampled_from([None, 37.5, 38.1]),
            }
        ),
    )
