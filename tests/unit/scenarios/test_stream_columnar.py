"""The stream's columnar path (ordered frames of new incidents): the same events, rows
included, as pushing the rows one by one; a late or corrected incident afterwards leaves it
for the per-incident state and still gives the one-by-one events; batch agrees."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from engine_factories import (
    amended,
    at,
    canonical,
    directive,
    engine_version,
    incident,
    rule,
    window_rule,
)

from guarantor.scenarios import (
    LiveResults,
    StreamEvaluator,
    StreamEvent,
    evaluate_batch,
    records_to_frame,
)

_SURGE = window_rule("surge", 'type == "shelling"', threshold="limit", params={"limit": 2})
VERSION = engine_version(
    rule("hostile", 'type in ["shelling", "clash"] && severity >= 2'),
    rule("inside", 'in_zone("square")', kind="scenario"),
    *amended(_SURGE, at(60), params={"limit": 1}),
    window_rule("deaths", "has(deaths)", threshold=3, op=">=", measure="sum", field="deaths"),
    window_rule("always", "severity > 0", threshold=0, op=">=", hours=5, group_by=()),
    directives=(directive("surge", "ua", "osce"), directive("inside", "osce", hours=12)),
)
LATENESS_HOURS = 6


def _records(count: int, seed: int, *, start: float = 0.0) -> list[dict[str, Any]]:
    chance = random.Random(seed)
    found, hours = [], start
    for number in range(count):
        hours += chance.choice([0.0, 0.1, 0.5, 1.0, 3.0])
        found.append(
            incident(
                f"i{seed}-{number:04d}",
                hours,
                type=chance.choice(["shelling", "clash", "other", None]),
                severity=chance.choice([None, 1, 2, 3]),
                oblast=chance.choice(["A", "B", None]),
                deaths=chance.choice([None, 0, 1, 2]),
                lat=chance.choice([None, 47.5, 48.2]),
                lon=chance.choice([None, 37.5, 38.5]),
            )
        )
    return found


def _pushed(records: list[dict[str, Any]]) -> tuple[list[tuple[Any, ...]], LiveResults]:
    stream, live, events = (
        StreamEvaluator(VERSION, lateness_seconds=LATENESS_HOURS * 3600),
        (LiveResults()),
        [],
    )
    for record in records:
        found = stream.push(record)
        live.apply(found)
        events += [(e.action, e.kind, e.key, e.row) for e in found]
    return events, live


def test_ordered_frames_give_the_one_by_one_events_rows_included() -> None:
    records = _records(400, seed=7)
    expected, live = _pushed(records)
    assert any(kind == "obligation" for _, kind, _, _ in expected)
    assert any(key.split("/")[1] == "surge" for _, kind, key, _ in expected if kind == "activation")
    stream = StreamEvaluator(VERSION, lateness_seconds=LATENESS_HOURS * 3600)
    framed = LiveResults()
    events = []
    for start in range(0, len(records), 37):
        found = stream.push_frame(records_to_frame(records[start : start + 37], keep_order=True))
        framed.apply(found)
        events += [(e.action, e.kind, e.key, e.row) for e in found]
    assert events == expected
    batch = evaluate_batch(VERSION, records_to_frame(records))
    assert canonical(framed.results()) == canonical(batch) == canonical(live.results())


def test_a_late_and_a_corrected_incident_after_ordered_frames_give_the_one_by_one_events() -> None:
    hostile = {"type": "shelling", "severity": 3, "oblast": "A"}
    records = _records(120, seed=11)
    burst = [incident(f"b{n}", 300.0 + n / 10, **hostile) for n in range(4)]
    records += burst
    late = {**records[-1], **hostile, "id": "late-1"}  # the latest time: not late, but a tie
    latest = datetime.fromisoformat(records[-1]["time"])
    recent = [r for r in records if latest - datetime.fromisoformat(r["time"]) < timedelta(hours=5)]
    back = next(r for r in recent if r["time"] < records[-1]["time"])
    earlier = {**back, **hostile, "id": "late-2"}  # hours back, inside the lateness
    activations = evaluate_batch(VERSION, records_to_frame(records)).activations
    surge = activations.filter(pl.col("rule_id") == "surge").row(-1, named=True)
    corrected = next(r for r in records if r["id"] == surge["contributing"][0])
    correction = {**corrected, "type": "other"}  # leaves the surge window: re-issued
    after = _records(40, seed=12, start=10_000.0)  # far later: everything before is evicted
    single = StreamEvaluator(VERSION, lateness_seconds=LATENESS_HOURS * 3600)
    framed = StreamEvaluator(VERSION, lateness_seconds=LATENESS_HOURS * 3600)
    retracted = False
    pieces = [records[:60], records[60:], [late, earlier], [correction], after[:10], after[10:]]
    for piece in pieces:
        expected = [e for record in piece for e in single.push(record)]
        found = framed.push_frame(records_to_frame(piece, keep_order=True))
        assert _rows(found) == _rows(expected)
        assert framed.state_size == single.state_size > 0
        retracted |= any(e.action == "retract" and e.kind == "activation" for e in expected)
    assert retracted


def _rows(events: list[StreamEvent]) -> list[tuple[Any, ...]]:
    return [(e.action, e.kind, e.key, e.row) for e in events]
