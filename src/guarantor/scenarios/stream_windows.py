"""The columnar path's windows: a frame's windowed matches appended to their partitions.

The matches of every windowed revision in an ordered frame of new incidents
(:mod:`guarantor.scenarios.stream_columnar`) are grouped by partition (rule slot, group)
with one Polars ``group_by`` per grouping, then appended to each partition at once
(:class:`~guarantor.scenarios.partition_columnar.ColumnarPartition`), in row order, as
arrays; an entry is known by its *handle* (the frame's first handle plus its row), and so
are the incidents an activation cites.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from guarantor.scenarios.partition_columnar import ColumnarPartition, Raised
from guarantor.scenarios.polars_target import column_of
from guarantor.scenarios.program import RevisionProgram

if TYPE_CHECKING:
    from guarantor.scenarios.stream import StreamEvaluator

__all__ = ["Members", "PartitionKey", "enter_windows"]

PartitionKey = tuple[int, tuple[str, ...], tuple[Any, ...]]
Members = list[tuple[np.ndarray, PartitionKey]]
"""The rows each revision's matches added to each partition, revision by revision."""
_Segment = tuple[np.ndarray, int, np.ndarray]  # rows, revision index, values


def enter_windows(
    ev: StreamEvaluator,
    prepared: pl.DataFrame,
    windowed: list[tuple[RevisionProgram, np.ndarray]],
    base: int,
) -> tuple[Members, list[tuple[int, Raised]]]:
    """Append each windowed match to its partition (in row order). Returns the members
    and the activations raised, each with its trigger's row. ``base`` is the handle of the
    frame's first row."""
    buckets: dict[PartitionKey, list[_Segment]] = {}
    members: Members = []
    for revision, group, rows, values in _groups(prepared, windowed):
        key = (revision.slot, revision.window.group_by, group)  # type: ignore[union-attr]
        buckets.setdefault(key, []).append((rows, revision.index, values))
        members.append((rows, key))
    raised: list[tuple[int, Raised]] = []
    times = prepared["_t"].to_numpy()
    for key, segments in buckets.items():
        rows, revs, values = _entries(segments)
        partition = ev._columnar.get(key)
        if partition is None:
            partition = ev._columnar[key] = ColumnarPartition(key[2], ev.program.revisions)
            partition.evicted_holds = ev._sticky.pop(key, False)
        for found in partition.extend(times[rows], values, revs, rows + base):
            raised.append((int(rows[found.entry]), found))
    return members, raised


def _groups(
    prepared: pl.DataFrame, windowed: list[tuple[RevisionProgram, np.ndarray]]
) -> list[tuple[RevisionProgram, tuple[Any, ...], np.ndarray, np.ndarray]]:
    """(revision, group, rows, values) of the windowed matches, revision by revision, then
    group by group in order of first row; rows in order. One group_by per grouping."""
    found: list[tuple[int, RevisionProgram, tuple[Any, ...], np.ndarray, np.ndarray]] = []
    by_columns: dict[tuple[str, ...], list[int]] = {}
    for k, (revision, _) in enumerate(windowed):
        by_columns.setdefault(revision.window.group_by, []).append(k)  # type: ignore[union-attr]
    for group_by, chosen in by_columns.items():
        rows = np.concatenate([windowed[k][1] for k in chosen])
        values = np.concatenate([_values(windowed[k], prepared) for k in chosen])
        which = np.concatenate([np.full(len(windowed[k][1]), k) for k in chosen])
        names = [f"_g{i}" for i in range(len(group_by))]
        table = (
            pl.DataFrame({"_k": which}, schema={"_k": pl.Int64})
            .with_columns(
                prepared[column_of(n)].gather(rows).alias(name)
                for n, name in zip(group_by, names, strict=True)
            )
            .with_row_index("_i")
            .group_by(["_k", *names], maintain_order=True)
            .agg("_i")
        )
        columns = [table[name].to_list() for name in names]
        groups = zip(*columns, strict=True) if columns else [()] * table.height
        ends = np.cumsum(table["_i"].list.len().to_numpy())
        positions = np.split(table["_i"].explode().to_numpy().astype(np.int64), ends[:-1])
        for k, group, where in zip(table["_k"].to_list(), groups, positions, strict=True):
            found.append((k, windowed[k][0], tuple(group), rows[where], values[where]))
    found.sort(key=lambda item: item[0])  # stable: each revision's groups keep their order
    return [item[1:] for item in found]


def _entries(segments: list[_Segment]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One partition's new entries (rows, revision indices, values), in row order (a row
    matches at most one revision of a rule: their times in force do not overlap)."""
    if len(segments) == 1:
        rows, revision, values = segments[0]
        return rows, np.full(len(rows), revision, dtype=np.int64), values
    rows = np.concatenate([s[0] for s in segments])
    revs = np.concatenate([np.full(len(s[0]), s[1], dtype=np.int64) for s in segments])
    values = np.concatenate([s[2] for s in segments])
    order = np.argsort(rows, kind="stable")
    return rows[order], revs[order], values[order]


def _values(match: tuple[RevisionProgram, np.ndarray], prepared: pl.DataFrame) -> np.ndarray:
    """What each match adds to its window (as the per-incident path computes it: a count
    adds 1; a sum adds the field, 0 for null, floats scaled and rounded half to even)."""
    window, rows = match[0].window, match[1]
    assert window is not None
    if window.field is None:
        return np.ones(len(rows), dtype=np.int64)
    raws = prepared[column_of(window.field)].gather(rows)
    if window.scale == 1:
        return raws.fill_null(0).to_numpy().astype(np.int64)
    scaled: np.ndarray = np.rint(raws.cast(pl.Float64).fill_null(0.0).to_numpy() * window.scale)
    return scaled.astype(np.int64)
