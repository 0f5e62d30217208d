"""Sliding windows: boundaries, ties, out-of-order arrival, rising edge and re-arm.

Every test runs both targets (``run_both`` checks the stream against the batch)."""

from __future__ import annotations

import pytest
from engine_factories import (
    engine_version,
    incident,
    pairs,
    rule,
    run_both,
    window_rule,
)

from guarantor.agreement.model import ResolvedVersion
from guarantor.scenarios.batch import evaluate_batch
from guarantor.scenarios.errors import WindowLengthError
from guarantor.scenarios.frame import records_to_frame
from guarantor.scenarios.stream import LiveResults, StreamEvaluator


def surge(threshold: float = 1, **extra: object) -> ResolvedVersion:
    """More than ``threshold`` shelling incidents per oblast in (t - 24h, t]."""
    return engine_version(window_rule("surge", 'type == "shelling"', threshold=threshold, **extra))


def shelling(identity: str, hours: float, oblast: str | None = "A", **fields: object) -> dict:
    return incident(identity, hours, type="shelling", oblast=oblast, **fields)


def test_an_incident_exactly_24_hours_earlier_is_not_in_the_window() -> None:
    results = run_both(surge(), [shelling("i1", 0), shelling("i2", 24)])
    assert pairs(results) == []


def test_an_incident_just_under_24_hours_earlier_is_in_the_window() -> None:
    results = run_both(surge(), [shelling("i1", 0), shelling("i2", 23.999)])
    assert pairs(results) == [("surge", "i2")]
    assert results.activations["contributing"].to_list() == [["i1", "i2"]]


def test_incidents_at_the_same_time_count_in_incident_id_order() -> None:
    records = [shelling("c", 5), shelling("b", 5), shelling("a", 5)]
    results = run_both(surge(), records)
    assert pairs(results) == [("surge", "b")]
    assert results.activations["contributing"].to_list() == [["a", "b"]]
    assert results.activations["measure"].to_list() == [2.0]


def test_a_late_incident_moves_the_activation_with_an_explicit_retraction() -> None:
    version = surge()
    stream = StreamEvaluator(version, lateness_seconds=6 * 3600)
    assert stream.push(shelling("i3", 2)) == []
    # in event time i2 comes first, so i3 is the second shelling: it activates
    first = stream.push(shelling("i2", 1))
    assert [(e.action, e.kind, e.key) for e in first] == [("issue", "activation", "test/surge/i3")]
    # i1 arrives late and earlier still: now i2 is the second, and i3 no longer a rising edge
    moved = stream.push(shelling("i1", 0))
    assert [(e.action, e.kind, e.key) for e in moved] == [
        ("retract", "activation", "test/surge/i3"),
        ("issue", "activation", "test/surge/i2"),
    ]


def test_out_of_order_arrival_within_the_horizon_gives_the_batch_result() -> None:
    records = [shelling("i4", 10), shelling("i2", 4), shelling("i1", 0), shelling("i3", 7)]
    results = run_both(surge(threshold=2), records, lateness_hours=12)
    assert pairs(results) == [("surge", "i3")]


def test_a_group_activates_on_its_rising_edge_only() -> None:
    records = [shelling(f"i{n}", n) for n in range(5)]
    results = run_both(surge(threshold=2), records)
    assert pairs(results) == [("surge", "i2")]


def test_a_group_re_arms_once_its_measure_is_back_at_the_threshold() -> None:
    records = [shelling("i0", 0), shelling("i1", 1), shelling("i2", 2), shelling("i3", 3)]
    # a day later the window (6.5 h, 30.5 h] holds only what arrives: the group re-armed
    records += [shelling("j0", 30.5), shelling("j1", 31), shelling("j2", 32)]
    results = run_both(surge(threshold=2), records)
    assert pairs(results) == [("surge", "i2"), ("surge", "j2")]


def test_a_measure_that_dips_to_the_threshold_before_an_arrival_re_arms_the_group() -> None:
    # at 24.5 h the window (0.5 h, 24.5 h] holds i1 and i2 before k arrives: 2, not above 2
    records = [shelling("i0", 0), shelling("i1", 1), shelling("i2", 2), shelling("k", 24.5)]
    results = run_both(surge(threshold=2), records)
    assert pairs(results) == [("surge", "i2"), ("surge", "k")]


def test_groups_are_counted_separately_and_null_is_a_group_of_its_own() -> None:
    records = [
        shelling("a1", 0, oblast="A"),
        shelling("b1", 1, oblast="B"),
        shelling("n1", 2, oblast=None),
        shelling("n2", 3, oblast=None),
    ]
    results = run_both(surge(), records)
    assert pairs(results) == [("surge", "n2")]
    assert results.activations["group"].to_list() == ['{"oblast":null}']


def test_a_sum_window_adds_the_field_and_reads_null_as_zero() -> None:
    version = engine_version(
        window_rule("deaths", "true", threshold=3, op=">=", measure="sum", field="deaths")
    )
    records = [
        incident("i1", 0, oblast="A", deaths=1),
        incident("i2", 1, oblast="A"),
        incident("i3", 2, oblast="A", deaths=2),
    ]
    results = run_both(version, records)
    assert pairs(results) == [("deaths", "i3")]
    assert results.activations["measure"].to_list() == [3.0]


def test_a_sum_of_a_float_field_is_exact_in_both_targets() -> None:
    version = engine_version(
        window_rule("calibre", "true", threshold=0.3, measure="sum", field="calibre_mm")
    )
    records = [incident(f"i{n}", n, oblast="A", calibre_mm=0.1) for n in range(4)]
    results = run_both(version, records)
    assert pairs(results) == [("calibre", "i3")]
    assert results.activations["measure"].to_list() == [pytest.approx(0.4)]


def test_a_scenario_without_a_window_activates_on_every_matching_incident() -> None:
    version = engine_version(rule("seen", 'type == "shelling"', kind="scenario"))
    results = run_both(version, [shelling("i1", 0), shelling("i2", 0), incident("x", 1)])
    assert pairs(results) == [("seen", "i1"), ("seen", "i2")]
    assert results.activations["measure"].to_list() == [None, None]


def test_a_window_of_zero_length_is_refused_with_a_clear_error() -> None:
    version = engine_version(window_rule("surge", hours=0))
    with pytest.raises(WindowLengthError, match=r"window of length 0 s.*length: 24h"):
        evaluate_batch(version, records_to_frame([shelling("i1", 0)]))
    with pytest.raises(WindowLengthError):
        StreamEvaluator(version, lateness_seconds=0)


def test_the_stream_keeps_state_bounded_by_window_and_lateness() -> None:
    stream = StreamEvaluator(surge(), lateness_seconds=3600)
    live = LiveResults()
    sizes = []
    for n in range(2000):
        live.apply(stream.push(shelling(f"i{n:05d}", n * 0.5, oblast="AB"[n % 2])))
        sizes.append(stream.state_size)
    # 24 h window + 1 h lateness at two incidents an hour: about 50 incidents, each in one
    # partition, so about 100 entries; never growing with the 2000 pushed
    assert max(sizes[100:]) <= 2 * (2 * 25 + 4)
    assert len(live) == 2  # one rising edge per oblast, then the surge is sustained
