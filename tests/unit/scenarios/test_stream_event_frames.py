"""Events as a frame: ``push_frame_events`` gives, row for row, the events ``push_frame``
lists (action, kind, key, the result row; rendered, the explanation text byte for byte), on
the columnar path (ordered frames of new incidents) and on frames that fall back (out of
order, late within the lateness, corrections); ``LiveFrames`` kept from them equals
``LiveResults`` and batch."""

from __future__ import annotations

import random
from typing import Any

import polars as pl
import pytest
from engine_factories import (
    canonical,
    incident,
    incident_steps,
    mixed_version,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from guarantor.scenarios import (
    LateIncidentError,
    LiveResults,
    ScenarioError,
    StreamEvaluator,
    StreamEvent,
    evaluate_batch,
    records_to_frame,
)
from guarantor.scenarios.stream_events import (
    EVENT_SCHEMA,
    RENDERED_EVENT_SCHEMA,
    LiveFrames,
    events_frame,
)

LATENESS_HOURS = 12
VERSION = mixed_version()

step = incident_steps(
    advances=[0.0, 0.0, 0.5, 1.0, 3.0, 7.0],
    lateness=[0.0, 0.0, 0.0, 0.0, -2.0, -11.0],
    lats=[None, 47.5, 48.2],
)


def _stream(steps: list[tuple[str, float, float, int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The incidents of ``steps`` (new ones, corrections of earlier ones, some late)."""
    records: list[dict[str, Any]] = []
    clock = 0.0
    for number, (kind, advance, late, pick, fields) in enumerate(steps):
        clock += advance
        identity = records[pick % len(records)]["id"] if kind == "correct" and records else None
        records.append(incident(identity or f"i{number:03d}", clock + late, **fields))
    return records


def _heads(events: list[StreamEvent]) -> list[tuple[str, str, str]]:
    return [(e.action, e.kind, e.key) for e in events]


def _texts(rendered: pl.DataFrame) -> list[str]:
    """The explanation text of each event of a rendered frame of events."""
    kinds = ("violation", "activation", "obligation")
    texts = pl.coalesce(pl.col(kind).struct.field("explanation") for kind in kinds)
    return rendered.select(texts).to_series().to_list()


def _push_both(
    frames: list[pl.DataFrame],
) -> tuple[LiveResults, LiveFrames, list[pl.DataFrame], int]:
    """Push each frame to two evaluators, as a list and as a frame of events; check the two
    agree (or both refuse a late frame). The live sets, the event frames, refusals."""
    listed = StreamEvaluator(VERSION, lateness_seconds=LATENESS_HOURS * 3600)
    framed = StreamEvaluator(VERSION, lateness_seconds=LATENESS_HOURS * 3600)
    live, kept, found, refused = LiveResults(), LiveFrames(framed.program), [], 0
    for frame in frames:
        try:
            events = listed.push_frame(frame)
        except LateIncidentError:
            with pytest.raises(LateIncidentError):
                framed.push_frame_events(frame)
            refused += 1
            continue
        as_frame = framed.push_frame_events(frame)
        assert as_frame.schema == pl.Schema(EVENT_SCHEMA)
        assert list(as_frame.select("action", "kind", "key").iter_rows()) == _heads(events)
        rendered = framed.render_events(as_frame)
        assert rendered.schema == pl.Schema(RENDERED_EVENT_SCHEMA)
        assert_frame_equal(rendered, framed.render_events(events_frame(events)))
        assert _texts(rendered) == [event.row["explanation"] for event in events]
        assert framed.render_events(rendered).equals(rendered)  # rendering twice changes nothing
        assert framed.state_size == listed.state_size
        live.apply(events)
        kept.apply(as_frame)
        found.append(as_frame)
    return live, kept, found, refused


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(step, min_size=1, max_size=40),
    st.lists(st.integers(1, 9), min_size=1, max_size=10),
    st.lists(st.booleans(), min_size=1, max_size=10),
)
def test_the_frame_of_events_equals_the_list_of_events_for_random_frames(
    steps: list[tuple[str, float, float, int, dict[str, Any]]],
    sizes: list[int],
    shuffles: list[bool],
) -> None:
    records = _stream(steps)
    frames, start, number = [], 0, 0
    while start < len(records):
        piece = records[start : start + sizes[number % len(sizes)]]
        if shuffles[number % len(shuffles)]:
            piece = piece[::-1]  # out of order: the frame falls back
        frames.append(records_to_frame(piece, keep_order=True))
        start, number = start + len(piece), number + 1
    live, kept, _, _ = _push_both(frames)
    assert canonical(kept.results()) == canonical(live.results())
    assert len(kept) == len(live)


def test_ordered_frames_then_fallback_frames_give_equal_events_and_results_as_batch() -> None:
    chance = random.Random(5)
    hostile = {"type": "shelling", "severity": 3, "oblast": "A", "lat": 47.5, "lon": 37.5}
    records = [
        incident(
            f"r{number:04d}",
            number * 0.3,
            **{
                "type": chance.choice(["shelling", "clash", "other"]),
                "deaths": chance.choice([None, 0, 1, 2]),
                "oblast": chance.choice(["A", "B"]),
                **(hostile if chance.random() < 0.3 else {}),
            },
        )
        for number in range(300)
    ]
    ordered = [records_to_frame(records[i : i + 50], keep_order=True) for i in range(0, 300, 50)]
    late = incident("late-1", 300 * 0.3 - 5, **hostile)  # 5 h back: inside the lateness
    hostile_one = next(r for r in reversed(records) if r.get("severity") == 3)
    correction = {**hostile_one, "type": "other", "severity": 1}  # retracts what it caused
    fallback = [records_to_frame([late, correction], keep_order=True)]
    too_late = [records_to_frame([incident("late-2", 0.0, **hostile)])]
    after = [incident(f"z{n}", 90.0 + n, **hostile) for n in range(10)]
    frames = [*ordered, *fallback, *too_late, records_to_frame(after, keep_order=True)]
    live, kept, found, refused = _push_both(frames)
    assert refused == 1
    columnar = pl.concat(found[: len(ordered)])
    assert set(columnar["kind"]) == {"violation", "activation", "obligation"}
    assert set(found[len(ordered)]["action"]) == {"issue", "retract"}
    accepted = [*records, late, correction, *after]
    batch = evaluate_batch(VERSION, records_to_frame(accepted))
    assert canonical(kept.results()) == canonical(batch) == canonical(live.results())
    hostile_ids = set(
        kept.results().violations.filter(pl.col("rule_id") == "hostile")["incident_id"]
    )
    assert "late-1" in hostile_ids
    assert hostile_one["id"] not in hostile_ids


def test_live_frames_refuse_an_issue_of_a_live_key_and_a_retract_of_one_not_live() -> None:
    stream = StreamEvaluator(VERSION, lateness_seconds=LATENESS_HOURS * 3600)
    issued = stream.push_frame_events(
        records_to_frame([incident("a", 1.0, type="shelling", severity=3)])
    )
    assert list(issued.select("kind", "key").iter_rows()) == [
        ("activation", "test/always/a"),
        ("violation", "a|hostile|v1"),
    ]
    kept = LiveFrames(stream.program)
    kept.apply(issued)
    with pytest.raises(ScenarioError, match="already live"):
        kept.apply(issued)
    assert len(kept) == 2
    retract = issued.filter(pl.col("kind") == "violation").with_columns(
        pl.lit("retract").alias("action")
    )
    kept.apply(retract)
    with pytest.raises(ScenarioError, match=r"retract of violation a\|hostile\|v1, which is not"):
        kept.apply(retract)
    results = kept.results()
    assert results.violations.is_empty()
    assert results.activations["activation_id"].to_list() == ["test/always/a"]
    assert len(kept) == 1
