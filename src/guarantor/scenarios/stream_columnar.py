"""The stream's columnar path: frames of new incidents in order, state kept as arrays.

When a pushed frame holds new, distinct incidents whose ``(time, incident_id)`` keys rise
strictly, after every key pushed before, pushing its rows one by one never retracts
anything: each row only issues its own violations and window-free activations, and an
activation of a window it enters at the end of its partition. So
:func:`push_ordered` evaluates the whole frame with the batch target (predicates, rules in
force, violation explanations rendered in one pass), appends each partition's entries at
once as arrays (:mod:`guarantor.scenarios.stream_windows`,
:class:`~guarantor.scenarios.partition_columnar.ColumnarPartition`) and returns exactly the
events those one-by-one pushes give, in their order; :func:`push_ordered_frame` gives them
as a frame of events (:mod:`guarantor.scenarios.stream_events`), the violation rows never
leaving Polars and their explanations left columnar (rendered on demand).

The incidents themselves are then kept columnar (:class:`Tail`: the frames pushed, without
per-incident dictionaries), evicted by slicing; every row has a *handle* (a running number)
by which partitions name their entries, and a record (a dictionary) is made for a row only
when an activation cites it (:meth:`Tail.records`). The first push that needs the general
machinery (one incident at a time, a late or corrected incident, a frame out of order)
first turns the tail and its partitions into the per-incident state and list-kept
partitions they would be after pushing those rows one by one (:func:`materialise`); once
that state has emptied again (every incident evicted), ordered frames take the columnar
path again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from guarantor.scenarios.batch import matched_rows
from guarantor.scenarios.events import StreamEvent, activation_events
from guarantor.scenarios.explain import GRADES
from guarantor.scenarios.obligations import activation_id
from guarantor.scenarios.partition import Activation, Record
from guarantor.scenarios.partition_columnar import Raised
from guarantor.scenarios.polars_target import column_of, near_column, near_position_column
from guarantor.scenarios.program import RevisionProgram, VersionProgram
from guarantor.scenarios.results import VIOLATION_SCHEMA
from guarantor.scenarios.stream_activations import frame_activations
from guarantor.scenarios.stream_events import ordered_events
from guarantor.scenarios.stream_windows import Members, PartitionKey, enter_windows
from guarantor.scenarios.violations import (
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


_NONE: np.ndarray = np.zeros(0, dtype=np.int64)


@dataclass(slots=True)
class _Chunk:
    """One pushed frame: its rows from ``start`` on are still held."""

    frame: pl.DataFrame  # the record columns of every row
    times: np.ndarray
    ids: pl.Series
    base: int  # the handle of row 0 (handles number every row pushed on the path)
    plain_rows: np.ndarray = field(default_factory=lambda: _NONE)  # (row, revision index)
    plain_revs: np.ndarray = field(default_factory=lambda: _NONE)  # of window-free results
    members: Members = field(default_factory=list)  # rows of window entries, by partition
    records: dict[int, Record] = field(default_factory=dict)  # rows made records so far
    start: int = 0

    def rows_as_records(self, rows: list[int]) -> list[Record]:
        """The records of ``rows``, made once each."""
        missing = sorted({row for row in rows if row not in self.records})
        if missing:
            made = self.frame[missing].to_dicts()
            self.records.update(zip(missing, made, strict=True))
        return [self.records[row] for row in rows]


class Tail:
    """The incidents held by the columnar path, frame by frame."""

    def __init__(self) -> None:
        self.chunks: list[_Chunk] = []
        self.last: tuple[int, str] | None = None
        self.handles = 0  # rows pushed on the path so far

    def add(self, frame: pl.DataFrame, times: np.ndarray, ids: pl.Series) -> _Chunk:
        chunk = _Chunk(frame, times, ids, self.handles)
        self.chunks.append(chunk)
        self.handles += len(times)
        return chunk

    def frame_of(self, handles: np.ndarray) -> pl.DataFrame:
        """The record columns of the incidents behind ``handles``, one row each, in order."""
        parts: list[pl.DataFrame] = []
        places = []
        for chunk, where in self._by_chunk(handles):
            parts.append(chunk.frame[handles[where] - chunk.base])
            places.append(where)
        if len(parts) == 1:
            return parts[0]
        order = np.argsort(np.concatenate(places), kind="stable")
        merged: pl.DataFrame = pl.concat(parts, how="vertical_relaxed")[order]
        return merged

    def _by_chunk(self, handles: np.ndarray) -> list[tuple[_Chunk, np.ndarray]]:
        """The held frame of each handle: (frame, positions in ``handles``), frame by frame."""
        bases = np.asarray([c.base for c in self.chunks], dtype=np.int64)
        which = np.searchsorted(bases, handles, "right") - 1
        if (which < 0).any():  # a frame is kept while a held activation may cite its rows
            raise RuntimeError("a handle names an incident of a frame no longer held")
        return [
            (self.chunks[index], np.flatnonzero(which == index))
            for index in np.unique(which).tolist()
        ]

    def records(self, handles: np.ndarray) -> list[Record]:
        """The records of the incidents behind ``handles`` (rows still in held frames)."""
        found: list[Record] = [{}] * len(handles)
        for chunk, where in self._by_chunk(handles):
            made = chunk.rows_as_records((handles[where] - chunk.base).tolist())
            for position, record in zip(where.tolist(), made, strict=True):
                found[position] = record
        return found

    def __len__(self) -> int:
        return sum(len(c.times) - c.start for c in self.chunks)

    def holds_any(self, identities: pl.Series) -> bool:
        held = [c.ids.slice(c.start) for c in self.chunks]
        return bool(held) and bool(identities.is_in(pl.concat(held).implode()).any())

    def evict(self, cutoff: int, kept_after: int) -> None:
        """Forget the incidents at or before ``cutoff``; keep the frames of those after
        ``kept_after`` (the incidents a held activation may cite, before ``cutoff``)."""
        for chunk in self.chunks:
            chunk.start = max(chunk.start, int(np.searchsorted(chunk.times, cutoff, "right")))
        self.chunks = [c for c in self.chunks if c.times[-1] > kept_after]


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


@dataclass(slots=True)
class _Applied:
    """What the events of an applied ordered frame are made of."""

    chunk: _Chunk
    raised: list[tuple[int, Raised]]  # window activations, with their trigger's row
    plain: list[tuple[RevisionProgram, np.ndarray]]  # window-free scenario matches
    violations: tuple[pl.DataFrame, pl.DataFrame] | None  # rows, and their order


def push_ordered(ev: StreamEvaluator, prepared: pl.DataFrame, tail: Tail) -> list[StreamEvent]:
    """The events of pushing ``prepared``'s rows (ordered, new) one by one, columnar."""
    applied = _apply_ordered(ev, prepared, tail)
    items, sources = _activation_items(ev.program, tail, applied)
    _evict(ev, tail)
    return _events(ev.program, items, applied.violations, sources)


def push_ordered_frame(ev: StreamEvaluator, prepared: pl.DataFrame, tail: Tail) -> pl.DataFrame:
    """:func:`push_ordered`'s events as a frame of events
    (:data:`~guarantor.scenarios.stream_events.EVENT_SCHEMA`), violations kept columnar,
    their explanations too; activation and obligation rows built as batch builds them."""
    applied = _apply_ordered(ev, prepared, tail, render=False)
    raised = [r for _, r in applied.raised]
    activations = frame_activations(ev.program, prepared, tail.frame_of, raised, applied.plain)
    _evict(ev, tail)
    rows = applied.violations[0] if applied.violations else None
    return ordered_events(ev.program, rows, activations)


def _apply_ordered(
    ev: StreamEvaluator, prepared: pl.DataFrame, tail: Tail, *, render: bool = True
) -> _Applied:
    """Apply the ordered rows to the state; what their events are made of (violation
    explanations rendered, or columnar unless ``render``)."""
    program = ev.program
    times = prepared["_t"].to_numpy()
    matches = matched_rows(program, prepared)
    windowed = [(r, rows) for r, rows in matches if r.window is not None and len(rows)]
    plain = [(r, rows) for r, rows in matches if r.window is None and len(rows)]
    columns = [c for c in ev._record_columns if c in prepared.columns]
    chunk = tail.add(prepared.select(columns), times, prepared["incident_id"])
    chunk.members, raised = enter_windows(ev, prepared, windowed, chunk.base)
    violations = _violation_rows(program, prepared, plain, render=render)
    chunk.plain_rows, chunk.plain_revs = _plain_pairs(plain)
    tail.last = (int(times[-1]), prepared["incident_id"][-1])
    ev._max_seen = int(times[-1]) if ev._max_seen is None else max(ev._max_seen, int(times[-1]))
    scenarios = [(r, rows) for r, rows in plain if r.rule.kind == "scenario"]
    return _Applied(chunk, raised, scenarios, violations)


def _evict(ev: StreamEvaluator, tail: Tail) -> None:
    """Forget what no window of an incident within the allowed lateness can reach (once
    the frame's activations are made: a frame may cite incidents it leaves behind)."""
    assert ev._max_seen is not None
    cutoff = ev._max_seen - ev.lateness_us - ev._longest
    tail.evict(cutoff, cutoff - ev._longest)
    for held, partition in list(ev._columnar.items()):
        partition.evict(cutoff)
        if not len(partition):
            del ev._columnar[held]
            ev._remember(held, partition.evicted_holds)


def _activation_items(
    program: VersionProgram, tail: Tail, applied: _Applied
) -> tuple[list[tuple[int, str, str, int]], list[Activation]]:
    """(row, kind, key, source index) of each activation, and the activations (sources)."""
    items: list[tuple[int, str, str, int]] = []
    sources: list[Activation] = []
    found = [(row, raised.activation(tail.records)) for row, raised in applied.raised]
    for revision, rows in applied.plain:
        records = applied.chunk.rows_as_records(rows.tolist())
        found += [
            (row, Activation(revision, record, (), None, None, (record,)))
            for row, record in zip(rows.tolist(), records, strict=True)
        ]
    for row, activation in found:
        trigger = activation.trigger["incident_id"]
        key = activation_id(program.agreement_id, activation.revision.rule_id, trigger)
        items.append((row, "activation", key, len(sources)))
        sources.append(activation)
    return items, sources


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
            for row in rows.tolist():
                members[row].append(key)
        held: dict[int, list[RevisionProgram]] = defaultdict(list)
        for row, rev in zip(
            chunk.plain_rows[first:].tolist(), chunk.plain_revs[first:].tolist(), strict=True
        ):
            held[row].append(revisions[rev])
        chunk.rows_as_records([row for row in (*held, *members) if row >= chunk.start])
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
    for key, partition in ev._columnar.items():
        ev._partitions[key] = partition.to_partition(tail.records)
    ev._columnar.clear()
