"""A columnar partition (entries as arrays, appended a frame at a time) raises the activations
the list-kept partition raises entry by entry, forgets the same entries, and turns into the
list-kept partition those inserts leave: keys, values, prefix sums, holds and live
activations alike."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from itertools import pairwise
from typing import Any

import numpy as np
from engine_factories import amended, at, engine_version, window_rule
from hypothesis import given, settings
from hypothesis import strategies as st

from guarantor.scenarios.partition import Activation, Partition
from guarantor.scenarios.partition_columnar import ColumnarPartition
from guarantor.scenarios.program import compile_version

_BASE = window_rule("sum", "true", threshold=3, op=">=", measure="sum", field="deaths", hours=4)
_LOWER = replace(_BASE.window, threshold=2)  # type: ignore[type-var]
PROGRAM = compile_version(engine_version(*amended(_BASE, at(20), window=_LOWER)))
REVISIONS = PROGRAM.revisions
_AMENDED_US = int(at(20).timestamp() * 1_000_000)
_HOUR_US = 3_600_000_000
_START_US = int(at(0).timestamp() * 1_000_000)

entries = st.lists(
    st.tuples(st.sampled_from([0, 0.25, 1, 2, 5]), st.integers(min_value=0, max_value=3)),
    min_size=1,
    max_size=60,
)


def _records(steps: list[tuple[float, int]]) -> list[dict[str, Any]]:
    found, hours = [], 0.0
    for number, (step, deaths) in enumerate(steps):
        hours += step
        time_us = _START_US + int(hours * _HOUR_US)
        found.append({"incident_id": f"i{number:03d}", "_t": time_us, "deaths": deaths})
    return found


def _revision(record: dict[str, Any]) -> int:
    return 1 if record["_t"] >= _AMENDED_US else 0


def _one_by_one(records: list[dict[str, Any]], cutoffs: list[int]) -> Any:
    partition = Partition(("A",))
    raised: list[Activation] = []
    for record, cutoff in zip(records, cutoffs, strict=True):
        revision = REVISIONS[_revision(record)]
        position = partition.insert(record, revision, record["deaths"])

        def emit(old: Activation | None, new: Activation | None) -> None:
            assert old is None  # appended in order: nothing is retracted
            raised.append(new)  # type: ignore[arg-type]

        partition.rerun(position, record["_t"], 4 * _HOUR_US, emit)
        partition.evict(cutoff)
    return partition, raised


def _framed(records: list[dict[str, Any]], cutoffs: list[int], cuts: list[int]) -> Any:
    partition = ColumnarPartition(("A",), REVISIONS)
    by_handle = {100 + number: record for number, record in enumerate(records)}

    def resolve(handles: np.ndarray) -> list[dict[str, Any]]:
        return [by_handle[h] for h in handles.tolist()]

    raised: list[Activation] = []
    bounds = [0, *sorted({c % len(records) for c in cuts} - {0}), len(records)]
    for low, high in pairwise(bounds):
        chunk = records[low:high]
        found = partition.extend(
            np.asarray([r["_t"] for r in chunk], dtype=np.int64),
            np.asarray([r["deaths"] for r in chunk], dtype=np.int64),
            np.asarray([_revision(r) for r in chunk], dtype=np.int64),
            np.arange(100 + low, 100 + high, dtype=np.int64),
        )
        raised.extend(activation.activation(resolve) for activation in found)
        partition.evict(cutoffs[high - 1])
    return partition.to_partition(resolve), raised


@settings(max_examples=150, deadline=None)
@given(entries, st.lists(st.integers(min_value=0, max_value=59), max_size=6), st.booleans())
def test_a_columnar_partition_equals_the_list_kept_one(
    steps: list[tuple[float, int]], cuts: list[int], evicting: bool
) -> None:
    records = _records(steps)
    horizon = timedelta(hours=6 if evicting else 10_000)
    lag = int(horizon.total_seconds() * 1_000_000)
    cutoffs = [record["_t"] - lag for record in records]
    # evictions only between frames on the columnar side: keep the same ones on the other
    bounds = {c % len(records) for c in cuts} - {0}
    frame_ends = {b - 1 for b in bounds} | {len(records) - 1}
    kept = [c if i in frame_ends else records[0]["_t"] - 1 for i, c in enumerate(cutoffs)]
    expected, expected_raised = _one_by_one(records, kept)
    found, found_raised = _framed(records, cutoffs, cuts)

    assert found_raised == expected_raised
    for name in ("keys", "times", "values", "revisions", "records", "holds", "active"):
        assert getattr(found, name) == getattr(expected, name), name
    assert np.diff(found.prefix).tolist() == np.diff(expected.prefix).tolist()
    assert found.evicted_holds == expected.evicted_holds
    assert len(found) == len(expected)


def test_the_amended_threshold_applies_from_the_first_entry_after_the_amendment() -> None:
    records = _records([(19, 1), (0.5, 1), (1, 1)])  # the last at hour 20.5: threshold 2
    found, raised = _framed(records, [0, 0, 0], [])
    assert [a.trigger["incident_id"] for a in raised] == ["i002"]
    assert [(a.revision.revision, a.threshold, a.measure) for a in raised] == [("v2", 2, 3.0)]
    assert [r["incident_id"] for r in raised[0].contributing] == ["i000", "i001", "i002"]
    assert found.holds == [False, False, True]
