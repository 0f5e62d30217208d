"""Batch equals stream: random incident streams with late arrivals and corrections inside
the allowed lateness give, after every push, exactly the batch result over what was pushed.
Too-late incidents are refused and change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from engine_factories import (
    canonical,
    incident,
    incident_steps,
    mixed_version,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guarantor.scenarios.batch import evaluate_batch
from guarantor.scenarios.errors import LateIncidentError
from guarantor.scenarios.frame import records_to_frame
from guarantor.scenarios.stream import LiveResults, StreamEvaluator, StreamEvent

LATENESS_HOURS = 12
VERSION = mixed_version()

step = incident_steps(
    advances=[0.0, 0.0, 0.5, 1.0, 3.0, 7.0, 24.0],
    lateness=[0.0, 0.0, 0.0, -2.0, -11.5, -12.0, -30.0],
    lats=[None, 47.5, 48.2, 46.0],
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(step, min_size=1, max_size=30))
def test_after_every_push_the_stream_equals_the_batch_over_what_was_pushed(
    steps: list[tuple[str, float, float, int, dict[str, Any]]],
) -> None:
    stream = StreamEvaluator(VERSION, lateness_seconds=LATENESS_HOURS * 3600)
    framed = StreamEvaluator(VERSION, lateness_seconds=LATENESS_HOURS * 3600)
    live = LiveResults()
    accepted: list[dict[str, Any]] = []
    pushed: list[list[tuple[str, str, str]]] = []  # the events of each accepted push
    times: dict[str, float] = {}
    clock, seen = 0.0, None
    for number, (kind, advance, late, pick, fields) in enumerate(steps):
        clock += advance
        horizon = -1e18 if seen is None else seen - LATENESS_HOURS
        recent = sorted(k for k, t in times.items() if t >= horizon)
        identity = recent[pick % len(recent)] if kind == "correct" and recent else f"i{number}"
        hours = clock + late
        record = incident(identity, hours, **fields)
        if hours < horizon:
            with pytest.raises(LateIncidentError):
                stream.push(record)
            with pytest.raises(LateIncidentError):
                framed.push_frame(records_to_frame([record]))
            continue
        events = stream.push(record)
        assert _keys(framed.push_frame(records_to_frame([record]))) == _keys(events)
        live.apply(events)
        accepted.append(record)
        pushed.append(_keys(events))
        times[identity] = hours
        seen = hours if seen is None else max(seen, hours)
        batch = evaluate_batch(VERSION, records_to_frame(accepted))
        assert canonical(live.results()) == canonical(batch)
    chunked, rows = StreamEvaluator(VERSION, lateness_seconds=LATENESS_HOURS * 3600), LiveResults()
    for start in range(0, len(accepted), 4):
        chunk = records_to_frame(accepted[start : start + 4], keep_order=True)
        framed_events = chunked.push_frame(chunk)
        assert _keys(framed_events) == [k for keys in pushed[start : start + 4] for k in keys]
        rows.apply(framed_events)
    assert canonical(rows.results()) == canonical(live.results())


def _keys(events: list[StreamEvent]) -> list[tuple[str, str, str]]:
    return [(e.action, e.kind, e.key) for e in events]


def test_an_incident_older_than_the_allowed_lateness_is_refused_and_changes_nothing() -> None:
    stream = StreamEvaluator(VERSION, lateness_seconds=LATENESS_HOURS * 3600)
    live = LiveResults()
    live.apply(stream.push(incident("i1", 20, type="shelling", severity=3)))
    before = canonical(live.results())
    with pytest.raises(LateIncidentError, match=r"older than the allowed lateness.*accepts times"):
        stream.push(incident("i0", 7.9, type="shelling", severity=3))
    assert stream.push(incident("i2", 8, type="other")) == []
    assert canonical(live.results()) == before


def test_a_correction_of_an_incident_behind_the_horizon_is_refused() -> None:
    stream = StreamEvaluator(VERSION, lateness_seconds=LATENESS_HOURS * 3600)
    stream.push(incident("i1", 0, type="shelling", severity=3))
    stream.push(incident("i2", 13, type="other"))
    with pytest.raises(LateIncidentError, match="correction of incident 'i1'"):
        stream.push(incident("i1", 13, type="other"))


def test_a_correction_retracts_what_the_corrected_incident_caused() -> None:
    stream = StreamEvaluator(VERSION, lateness_seconds=LATENESS_HOURS * 3600)
    issued = stream.push(incident("i1", 0, type="shelling", severity=3))
    assert ("issue", "violation", "i1|hostile|v1") in [(e.action, e.kind, e.key) for e in issued]
    corrected = stream.push(incident("i1", 0, type="other", severity=3))
    assert [(e.action, e.kind, e.key) for e in corrected] == [
        ("retract", "violation", "i1|hostile|v1")
    ]
