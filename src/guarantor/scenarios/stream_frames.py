"""The stream's micro-batch helpers: what :meth:`StreamEvaluator.push_frame` computes for a
whole frame at once with the batch target before it applies the rows one by one.

* :func:`predicate_masks`: one boolean column per distinct predicate;
* :func:`matches_by_row`: for each row, the predicates true on it;
* :func:`maybe_late`: whether any row is late, vectorised;
* :func:`keep_unmatched`: store the rows matching nothing of a fresh frame at once;
* :func:`attach_violation_explanations`: the explanation of every violation a row may issue
  (the revision in force at its time and its predicate true), built vectorised by
  :mod:`guarantor.scenarios.violations` and attached to the row's record, so that issuing
  the violation does not serialise JSON per row. The text parses to the document
  ``violation_json`` writes.
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np
import polars as pl

from guarantor.scenarios.events import EXPLAINED
from guarantor.scenarios.polars_target import predicate
from guarantor.scenarios.program import VersionProgram
from guarantor.scenarios.violations import explained_pairs

__all__ = [
    "attach_violation_explanations",
    "keep_unmatched",
    "matches_by_row",
    "maybe_late",
    "predicate_masks",
]


def maybe_late(times: list[int], max_seen: int | None, lateness_us: int) -> bool:
    """Whether a row is older than the lateness allows after ``max_seen`` and the rows
    before it (the exact check, with its message, then runs row by row)."""
    if not times:
        return False
    values = np.asarray(times, dtype=np.int64)
    seen = np.maximum.accumulate(values)
    before = np.empty_like(seen)
    before[1:] = seen[:-1]
    before[0] = values[0] if max_seen is None else max_seen
    if max_seen is not None:
        before = np.maximum(before, max_seen)
    return bool((values < before - lateness_us).any())


def predicate_masks(program: VersionProgram, prepared: pl.DataFrame) -> pl.DataFrame:
    """One boolean column per predicate of ``program`` over ``prepared``."""
    predicates = program.predicates
    return (
        prepared.lazy()
        .with_columns(predicate(n).alias(f"_p{i}") for i, n in enumerate(predicates))
        .select(f"_p{i}" for i in range(len(predicates)))
        .collect()
    )


def matches_by_row(masks: pl.DataFrame) -> dict[int, list[int]]:
    """Row -> the predicates true on it."""
    matched: dict[int, list[int]] = {}
    for index in range(masks.width):
        for row in masks.to_series(index).arg_true().to_list():
            matched.setdefault(row, []).append(index)
    return matched


def attach_violation_explanations(
    program: VersionProgram,
    prepared: pl.DataFrame,
    masks: pl.DataFrame,
    records: dict[int, dict[str, Any]],
) -> None:
    """Give each row's record the explanations of the violations it may issue."""
    times = prepared["_t"].to_numpy()
    found = []
    for revision in program.revisions:
        if revision.rule.kind != "violation":
            continue
        held = np.zeros(len(times), dtype=bool)
        for start, end in revision.applies:
            held |= (times >= start) & (times < end)
        rows = np.flatnonzero(masks.to_series(revision.predicate).to_numpy() & held)
        if len(rows):
            found.append((revision, rows))
    table = explained_pairs(program, prepared, found)
    if table is None:
        return
    rows_, revs, texts = (table[c].to_list() for c in ("_row", "_rev", "explanation"))
    for row, rev, text in zip(rows_, revs, texts, strict=True):
        records[row].setdefault(EXPLAINED, {})[rev] = text


def keep_unmatched(
    incidents: dict[str, dict[str, Any]],
    heap: list[tuple[int, str]],
    identities: list[str],
    times: list[int],
    matched: dict[int, list[int]],
) -> None:
    """Keep the rows of a fresh frame that match nothing (for corrections), all at once:
    no windowed row reads them, and evicting one early leaves the state evicting it later
    would."""
    rows = np.ones(len(times), dtype=bool)
    rows[list(matched)] = False
    kept = np.flatnonzero(rows).tolist()
    incidents.update(
        (identities[row], {"incident_id": identities[row], "_t": times[row]}) for row in kept
    )
    heap.extend((times[row], identities[row]) for row in kept)
    heapq.heapify(heap)
