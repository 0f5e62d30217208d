"""The stream's columnar path: frames of new incidents in order, state kept as arrays.

When a pushed frame holds new, distinct incidents whose ``(time, incident_id)`` keys rise
strictly, after every key pushed before, pushing its rows one by one never retracts
anything: each row only issues its own violations and window-free activations, and an
activation of a window it enters at the end of its partition. So
:func:`push_ordered` evaluates the whole frame with the batch target (predicates, rules in
force, violation explanations rendered in one pass), appends each partition's entries at
once (:meth:`~guarantor.scenarios.partition.Partition.extend`, vectorised) and returns
exactly the events those one-by-one pushes give, in their order; :func:`push_ordered_frame`
gives them as a frame of events (:mod:`guarantor.scenarios.stream_events`), the violation
rows never leaving Polars and their explanations left columnar (rendered on demand).

The incidents themselves are then kept columnar (:class:`Tail`: the frames pushed, without
per-incident dictionaries), evicted by slicing. The first push that needs the general
machinery (one incident at a time, a late or corrected incident, a frame out of order)
first turns the tail into the per-incident state it would have after pushing those rows
one by one (:func:`materialise`); once that state has emptied again (every incident
evicted), ordered frames take the columnar path again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from guarantor.scenarios.batch import matched_rows
from guarantor.scenarios.events import StreamEvent, activation_events
from guarantor.scenarios.explain import GRADES
from guarantor.scenarios.obligations import activation_id
from guarantor.scenarios.partition import Activation, Partition, Record
from guarantor.scenarios.polars_target import column_of, near_column, near_position_column
from guarantor.scenarios.program import RevisionProgram, VersionProgram
from guarantor.scenarios.results import VIOLATION_SCHEMA
from guarantor.scenarios.stream_events import empty_events, ordered_events
from guarantor.scenarios.violations import (
    EVENT_VIOLATION_SCHEMA,
    event_explanations,
    render_violations,
    violation_pairs,
)

if TYPE_CHECKING:
    from guarantor.scenarios.stream import StreamEvaluator

__all__ = [
    "Tail",
    "materialise",
    "ordered_after",
    "ordered_tail",
    "push_ordered",
    "push_ordered_frame",
    "record_columns",
]

PartitionKey = tuple[int, tuple[str, ...], tuple[Any, ...]]


@dataclass(slots=True)
class _Chunk:
    """One pushed frame: its rows from ``start`` on are still held."""

    frame: pl.DataFrame  # the record columns of every row
    times: np.ndarray
    ids: pl.Series
    plain_rows: np.ndarray  # (row, revision index) of each window-free result, by row
    plain_revs: np.ndarray
    members: list[tuple[list[int], PartitionKey]]  # rows of window entries, by partition
    records: dict[int, Record]  # rows already made records (in partitions, activations)
    start: int = 0


class Tail:
    """The incidents held by the columnar path, frame by frame."""

    def __init__(self) -> None:
        self.chunks: list[_Chunk] = []
        self.last: tuple[int, str] | None = None

    def __len__(self) -> int:
        return sum(len(c.times) - c.start for c in self.chunks)

    def holds_any(self, identities: pl.Series) -> bool:
        held = [c.ids.slice(c.start) for c in self.chunks]
        return bool(held) and bool(identities.is_in(pl.concat(held).implode()).any())

    def evict(self, cutoff: int) -> None:
        """Forget the incidents at or before ``cutoff``."""
        for chunk in self.chunks:
            chunk.start = max(chunk.start, int(np.searchsorted(chunk.times, cutoff, "right")))
        self.chunks = [c for c in self.chunks if c.start < len(c.times)]


def record_columns(program: VersionProgram) -> list[str]:
    """What an incident's record needs to hold for results, windows and explanations."""
    names = ["incident_id", "_t", *GRADES]
    for revision in program.revisions:
        window = revision.window
        if window is not None:
            names += [column_of(n) for n in window.group_by]
            names += [column_of(window.field)] if window.field else []
    for party in program.near_parties:
        names += [near_column(party), near_position_column(party)]
    return list(dict.fromkeys(names))


def ordered_after(
    last: tuple[int, str] | None, seen: int | None, times: np.ndarray, ids: pl.Series
) -> bool:
    """Whether the rows' keys rise strictly, after ``last`` (else after time ``seen``), and
    the ids are distinct."""
    if ids.n_unique() != len(ids):
        return False
    if last is not None and (int(times[0]), ids[0]) <= last:
        return False
    if last is None and seen is not None and int(times[0]) <= seen:
        return False
    step = np.diff(times)
    if (step < 0).any():
        return False
    ties = np.flatnonzero(step == 0)
    if len(ties):
        later = ids.gather(ties + 1) > ids.gather(ties)
        return bool(later.all())
    return True


def ordered_tail(ev: StreamEvaluator, prepared: pl.DataFrame) -> Tail | None:
    """The columnar tail if ``prepared`` can take the columnar path (new rows in order
    after every one held), starting one if the per-incident state is empty."""
    ids = prepared["incident_id"]
    last = ev._tail.last if ev._tail is not None else None
    if not ordered_after(last, ev._max_seen, prepared["_t"].to_numpy(), ids):
        return None
    if ev._tail is None:
        if ev._incidents or ev._partitions:
            return None
        ev._heap.clear()
        ev._tail = Tail()
    elif ev._tail.holds_any(ids):
        return None
    return ev._tail


def push_ordered(ev: StreamEvaluator, prepared: pl.DataFrame, tail: Tail) -> list[StreamEvent]:
    """The events of pushing ``prepared``'s rows (ordered, new) one by one, columnar."""
    items, violations, sources = _apply_ordered(ev, prepared, tail)
    return _events(ev.program, items, violations, sources)


def push_ordered_frame(ev: StreamEvaluator, prepared: pl.DataFrame, tail: Tail) -> pl.DataFrame:
    """:func:`push_ordered`'s events as a frame of events
    (:data:`~guarantor.scenarios.stream_events.EVENT_SCHEMA`), violations kept columnar,
    their explanations too."""
    items, violations, sources = _apply_ordered(ev, prepared, tail, render=False)
    order = _order(items, violations)
    if order is None:
        return empty_events()
    rows = violations[0] if violations else pl.DataFrame(schema=dict(EVENT_VIOLATION_SCHEMA))
    return ordered_events(ev.program, order, rows, sources)


_Ordered = tuple[
    list[tuple[int, str, str, int]], tuple[pl.DataFrame, pl.DataFrame] | None, list[Any]
]


def _apply_ordered(
    ev: StreamEvaluator, prepared: pl.DataFrame, tail: Tail, *, render: bool = True
) -> _Ordered:
    """Apply the ordered rows to the state; what their events are made of: (row, kind, key,
    source index) of the activations, the violation rows (explanations rendered, or
    columnar unless ``render``) and order, the sources."""
    program = ev.program
    times = prepared["_t"].to_numpy()
    matches = matched_rows(program, prepared)
    windowed = [(r, rows) for r, rows in matches if r.window is not None and len(rows)]
    plain = [(r, rows) for r, rows in matches if r.window is None and len(rows)]
    acts = [(r, rows) for r, rows in plain if r.rule.kind == "scenario"]
    needed = np.unique(np.concatenate([np.zeros(0, np.int64), *[rows for _, rows in windowed]]))
    needed = np.union1d(needed, np.concatenate([np.zeros(0, np.int64), *[x for _, x in acts]]))
    columns = [c for c in ev._record_columns if c in prepared.columns]
    frame = prepared.select(columns)
    records = dict(zip(needed.tolist(), frame[needed].to_dicts(), strict=True))
    items: list[tuple[int, str, str, int]] = []  # row, kind, key, source
    sources: list[Any] = []
    members = _enter_windows(ev, prepared, windowed, records, items, sources)
    for revision, rows in acts:
        for row in rows.tolist():
            record = records[row]
            key = activation_id(program.agreement_id, revision.rule_id, record["incident_id"])
            items.append((row, "activation", key, len(sources)))
            sources.append(Activation(revision, record, (), None, None, (record,)))
    violations = _violation_rows(program, prepared, plain, render=render)
    plain_rows, plain_revs = _plain_pairs(plain)
    tail.chunks.append(
        _Chunk(frame, times, prepared["incident_id"], plain_rows, plain_revs, members, records)
    )
    tail.last = (int(times[-1]), prepared["incident_id"][-1])
    ev._max_seen = int(times[-1]) if ev._max_seen is None else max(ev._max_seen, int(times[-1]))
    cutoff = ev._max_seen - ev.lateness_us - ev._longest
    tail.evict(cutoff)
    for held, partition in list(ev._partitions.items()):
        partition.evict(cutoff)
        if not len(partition):
            ev._forget(held, partition)
    return items, violations, sources


def _enter_windows(
    ev: StreamEvaluator,
    prepared: pl.DataFrame,
    windowed: list[tuple[RevisionProgram, np.ndarray]],
    records: dict[int, Record],
    items: list[tuple[int, str, str, int]],
    sources: list[Any],
) -> list[tuple[list[int], PartitionKey]]:
    """Append each windowed match to its partition (in row order); note the activations.
    Returns the rows each revision's matches added to each partition, revision by revision."""
    buckets: dict[PartitionKey, list[tuple[list[int], RevisionProgram, list[int]]]] = {}
    members: list[tuple[list[int], PartitionKey]] = []
    for revision, group, found, values in _groups(prepared, windowed):
        key = (revision.slot, revision.window.group_by, group)  # type: ignore[union-attr]
        buckets.setdefault(key, []).append((found, revision, values))
        members.append((found, key))
    agreement = ev.program.agreement_id
    for key, segments in buckets.items():
        entries = _entries(segments)
        partition = ev._partitions.get(key)
        if partition is None:
            partition = ev._partitions[key] = Partition(key[2])
            partition.evicted_holds = ev._sticky.pop(key, False)
        raised = partition.extend([records[row] for row in entries[0]], entries[1], entries[2])
        for i, activation in raised:
            trigger = activation.trigger["incident_id"]
            identity = activation_id(agreement, activation.revision.rule_id, trigger)
            items.append((entries[0][i], "activation", identity, len(sources)))
            sources.append(activation)
    return members


def _groups(
    prepared: pl.DataFrame, windowed: list[tuple[RevisionProgram, np.ndarray]]
) -> list[tuple[RevisionProgram, tuple[Any, ...], list[int], list[int]]]:
    """(revision, group, rows, values) of the windowed matches, revision by revision, then
    group by group in order of first row; rows in order. One group_by per grouping."""
    found: list[tuple[int, RevisionProgram, tuple[Any, ...], list[int], list[int]]] = []
    by_columns: dict[tuple[str, ...], list[int]] = {}
    for k, (revision, _) in enumerate(windowed):
        by_columns.setdefault(revision.window.group_by, []).append(k)  # type: ignore[union-attr]
    for group_by, chosen in by_columns.items():
        rows = np.concatenate([windowed[k][1] for k in chosen])
        values = [v for k in chosen for v in _values(windowed[k], prepared)]
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
        for k, group, positions in zip(
            table["_k"].to_list(), groups, table["_i"].to_list(), strict=True
        ):
            picked = [values[i] for i in positions]
            found.append((k, windowed[k][0], tuple(group), rows[positions].tolist(), picked))
    found.sort(key=lambda item: item[0])  # stable: each revision's groups keep their order
    return [item[1:] for item in found]


def _entries(
    segments: list[tuple[list[int], RevisionProgram, list[int]]],
) -> tuple[list[int], list[RevisionProgram], list[int]]:
    """One partition's new entries (rows, revisions, values), in row order."""
    if len(segments) == 1:
        rows, revision, values = segments[0]
        return rows, [revision] * len(rows), values
    merged = sorted(
        (row, revision, value)
        for rows, revision, values in segments
        for row, value in zip(rows, values, strict=True)
    )
    return [m[0] for m in merged], [m[1] for m in merged], [m[2] for m in merged]


def _values(match: tuple[RevisionProgram, np.ndarray], prepared: pl.DataFrame) -> list[int]:
    """What each match adds to its window (as the per-incident path computes it)."""
    window, rows = match[0].window, match[1]
    assert window is not None
    if window.field is None:
        return [1] * len(rows)
    raws = prepared[column_of(window.field)].gather(rows).to_list()
    if window.scale == 1:
        return [0 if raw is None else raw for raw in raws]
    return [0 if raw is None else round(raw * window.scale) for raw in raws]


def _violation_rows(
    program: VersionProgram,
    prepared: pl.DataFrame,
    plain: list[tuple[RevisionProgram, np.ndarray]],
    *,
    render: bool,
) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """The violations as result rows (explanations rendered at once, or else as
    :data:`~guarantor.scenarios.violations.EVENT_EXPLANATION`), and their (row, kind, key,
    index into those rows) to order the events by."""
    table = violation_pairs(prepared, plain)
    if table is None:
        return None
    table = render_violations(program, table) if render else event_explanations(table)
    rows = table.with_columns(
        pl.lit(program.version_id, pl.String).alias("version_id"),
        pl.lit(program.version_hash, pl.String).alias("version_hash"),
    ).select(list(VIOLATION_SCHEMA))
    order = table.select(
        pl.col("_row").cast(pl.Int64).alias("row"),
        pl.lit("violation").alias("kind"),
        pl.concat_str(["incident_id", "rule_id", "revision"], separator="|").alias("key"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("index"),
    )
    return rows, order


_ORDER_SCHEMA = {"row": pl.Int64, "kind": pl.String, "key": pl.String, "index": pl.Int64}


def _events(
    program: VersionProgram,
    items: list[tuple[int, str, str, int]],
    violations: tuple[pl.DataFrame, pl.DataFrame] | None,
    sources: list[Any],
) -> list[StreamEvent]:
    """The events, row by row, each row's in (kind, key) order as a push emits them."""
    order = _order(items, violations)
    if order is None:
        return []
    rows = pl.DataFrame() if violations is None else violations[0]
    events: list[StreamEvent] = []
    in_frame = StreamEvent.in_frame
    for kind, key, index in zip(
        order["kind"].to_list(), order["key"].to_list(), order["index"].to_list(), strict=True
    ):
        if kind == "violation":
            events.append(in_frame("issue", "violation", key, rows, index))
        else:
            events.extend(activation_events(program, "issue", sources[index]))
    return events


def _order(
    items: list[tuple[int, str, str, int]], violations: tuple[pl.DataFrame, pl.DataFrame] | None
) -> pl.DataFrame | None:
    """(row, kind, key, index) of every result, in event order (None if there is none)."""
    pieces = [] if violations is None else [violations[1]]
    if items:
        pieces.append(pl.DataFrame(items, schema=_ORDER_SCHEMA, orient="row"))
    return pl.concat(pieces).sort("row", "kind", "key") if pieces else None


def _plain_pairs(plain: list[tuple[RevisionProgram, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    if not plain:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rows = np.concatenate([rows for _, rows in plain])
    revs = np.concatenate([np.full(len(rows), r.index) for r, rows in plain])
    order = np.argsort(rows, kind="stable")
    return rows[order], revs[order]


def materialise(ev: StreamEvaluator, tail: Tail) -> None:
    """Give the evaluator the per-incident state pushing the held rows one by one leaves."""
    revisions = ev.program.revisions
    for chunk in tail.chunks:
        ids = chunk.ids.to_list()
        times = chunk.times.tolist()
        first = int(np.searchsorted(chunk.plain_rows, chunk.start, "left"))
        members: dict[int, list[PartitionKey]] = defaultdict(list)
        for rows, key in chunk.members:
            for row in rows:
                members[row].append(key)
        held: dict[int, list[RevisionProgram]] = defaultdict(list)
        for row, rev in zip(
            chunk.plain_rows[first:].tolist(), chunk.plain_revs[first:].tolist(), strict=True
        ):
            held[row].append(revisions[rev])
        missing = sorted(set(held) - set(chunk.records))
        chunk.records.update(
            zip(missing, chunk.frame[missing].to_dicts() if missing else [], strict=True)
        )
        for row in range(chunk.start, len(times)):
            identity = ids[row]
            record = chunk.records.get(row) or {"incident_id": identity, "_t": times[row]}
            ev._incidents[identity] = record
            ev._heap.append((times[row], identity))
            keys = members.get(row)
            if row in held or keys is not None:
                ev._results[identity] = [
                    (ev._plain_key(r, record), (r, record)) for r in held.get(row, ())
                ]
                ev._members[identity] = list(keys or ())
