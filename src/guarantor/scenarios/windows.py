"""Sliding windows over a whole frame, vectorised: the batch half of the window semantics.

The matching (incident, rule revision) pairs of every windowed rule are stacked into one long
table and sorted by partition (rule id, group) and by the frame's ``(time, incident_id)``
order; one pass of ``searchsorted`` and prefix sums then gives every pair's measure, so the
cost follows the number of matches, not the number of rules.

Semantics (the stream implements the same, see :mod:`guarantor.scenarios.partition`):

* A *partition* is a rule id and a group (the values of ``group_by``; null is a group value
  of its own). A pair is counted in it when the incident matches the revision of the rule in
  force at the incident's own time. So a window that straddles an amendment counts the
  incidents before the amendment (judged then by the earlier revision), while the revision in
  force at the triggering incident sets the window length, the threshold and the operator.
* Pairs are ordered by ``(time, incident_id)``. The measure at pair ``k`` is the count (or sum
  of the field; null counts as 0; a float field is summed in fixed point with 6 decimals, so
  that both targets get the same number) over the pairs ``j <= k`` of its partition with
  ``time_j > time_k - length``: the window ``(t - length, t]`` as it stands when ``k``
  arrives. An incident exactly ``length`` earlier is out; among equal times, those with a
  smaller ``incident_id`` are in.
* ``holds_k`` is ``measure_k op threshold``. Pair ``k`` *activates* when ``holds_k`` and not
  (``holds_{k-1}`` and ``before_k``), where ``holds_{k-1}`` is the previous pair of the
  partition (false for the first) and ``before_k`` is the condition just before ``k`` arrived
  (``measure_k - value_k`` against ``k``'s threshold). So a group activates on its rising
  edge and re-arms when its measure has dropped back to the threshold or below (incidents
  leaving the window), as seen just before the next arrival; and an amendment that lowers
  the threshold activates at the first incident after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from guarantor.scenarios.program import RevisionProgram, WindowSpec

__all__ = ["WindowResult", "empty_windows", "evaluate_windows"]


@dataclass(frozen=True, slots=True)
class WindowResult:
    """The stacked pairs (sorted) and, per activation, where it is in them."""

    rows: np.ndarray  # frame row of every pair, sorted by partition then (time, id)
    values: np.ndarray  # each pair's contribution (count 1, or the summed value, scaled)
    act_pairs: np.ndarray  # position k of each activation's trigger pair
    act_starts: np.ndarray  # position j of the first pair in its window
    act_revisions: np.ndarray  # revision index of each activation
    act_measures: np.ndarray  # float64
    act_thresholds: np.ndarray  # float64


def empty_windows() -> WindowResult:
    """No window pairs and no activation."""
    empty_int = np.zeros(0, dtype=np.int64)
    empty_float = np.zeros(0, dtype=np.float64)
    return WindowResult(
        empty_int, empty_int, empty_int, empty_int, empty_int, empty_float, empty_float
    )


def evaluate_windows(
    times: np.ndarray,
    matches: list[tuple[RevisionProgram, np.ndarray]],
    group_ids: dict[tuple[str, ...], np.ndarray],
    field_values: dict[str, np.ndarray],
) -> WindowResult:
    """Activations of the windowed revisions.

    ``times`` are the frame's ``_t`` (sorted); ``matches`` pairs each windowed revision with
    the sorted frame rows it counts; ``group_ids`` gives a dense group id per frame row for
    each ``group_by``; ``field_values`` the int64 (fixed-point for floats) values per field.
    """
    if not matches:
        return empty_windows()
    specs = sorted({m[0].window.group_by for m in matches if m[0].window is not None})
    spec_index = {spec: i for i, spec in enumerate(specs)}
    rules, groups, rows, revs, values = [], [], [], [], []
    for revision, matched in matches:
        window = revision.window
        assert window is not None
        rule = revision.slot * len(specs) + spec_index[window.group_by]
        rules.append(np.full(len(matched), rule, dtype=np.int64))
        groups.append(group_ids[window.group_by][matched])
        rows.append(matched)
        revs.append(np.full(len(matched), revision.index, dtype=np.int64))
        values.append(_values(window, matched, field_values))
    table = pl.DataFrame(
        {
            "rule": np.concatenate(rules),
            "group": np.concatenate(groups),
            "row": np.concatenate(rows),
            "rev": np.concatenate(revs),
            "value": np.concatenate(values),
        }
    ).sort("rule", "group", "row")
    revisions = {m[0].index: m[0] for m in matches}
    return _measure(times, table, revisions)


def _values(window: WindowSpec, rows: np.ndarray, fields: dict[str, np.ndarray]) -> np.ndarray:
    if window.measure == "count" or window.field is None:
        return np.ones(len(rows), dtype=np.int64)
    found: np.ndarray = fields[window.field][rows]
    return found


def _measure(
    times: np.ndarray, table: pl.DataFrame, revisions: dict[int, RevisionProgram]
) -> WindowResult:
    rule = table["rule"].to_numpy()
    group = table["group"].to_numpy()
    row = table["row"].to_numpy()
    rev = table["rev"].to_numpy()
    value = table["value"].to_numpy()
    size = len(row)
    boundary = np.ones(size, dtype=bool)
    boundary[1:] = (rule[1:] != rule[:-1]) | (group[1:] != group[:-1])
    number = np.cumsum(boundary) - 1
    n = len(times)
    keys = number * (n + 1) + row
    lookup = np.zeros(max(revisions) + 1, dtype=np.int64)
    thresholds = np.zeros(len(lookup), dtype=np.float64)
    inclusive = np.zeros(len(lookup), dtype=bool)
    scales = np.ones(len(lookup), dtype=np.float64)
    for index, program in revisions.items():
        window = program.window
        assert window is not None
        lookup[index] = window.length_us
        thresholds[index] = window.threshold
        inclusive[index] = window.op == ">="
        scales[index] = window.scale
    t = times[row]
    first_row = np.searchsorted(times, t - lookup[rev], side="right")
    starts = np.searchsorted(keys, number * (n + 1) + first_row, side="left")
    prefix = np.concatenate(([0], np.cumsum(value)))
    position = np.arange(size)
    total = prefix[position + 1] - prefix[starts]
    measure = total / scales[rev]
    before = (total - value) / scales[rev]
    threshold = thresholds[rev]
    inc = inclusive[rev]
    holds = np.where(inc, measure >= threshold, measure > threshold)
    held_before = np.where(inc, before >= threshold, before > threshold)
    previous = np.zeros(size, dtype=bool)
    previous[1:] = holds[:-1]
    previous[boundary] = False
    active = np.flatnonzero(holds & ~(previous & held_before))
    return WindowResult(
        rows=row,
        values=value,
        act_pairs=active,
        act_starts=starts[active],
        act_revisions=rev[active],
        act_measures=measure[active],
        act_thresholds=threshold[active],
    )
