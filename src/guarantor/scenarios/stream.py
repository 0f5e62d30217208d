"""The stream target: incidents pushed one at a time, results as explicit events.

:class:`StreamEvaluator` runs the same compiled program as the batch target (predicates as
closures from the same IR, zone values from the same functions, windows with the same
semantics in :mod:`guarantor.scenarios.partition`). Each :meth:`StreamEvaluator.push`
returns the events that bring the live result set to the batch result over every incident
pushed so far: retractions first, then issues, each in (kind, key) order.

Late and corrected incidents. Let ``max_seen`` be the latest event time pushed and ``H``
the allowed lateness. An incident with ``time < max_seen - H`` is refused with
:class:`~guarantor.scenarios.errors.LateIncidentError` and changes nothing. Within ``H`` it
is placed where it belongs: the windows and rising edges it changes are re-run and every
result that changes is retracted and issued again, never silently. Pushing an incident id
again replaces the earlier incident (a correction), which must itself still lie within
``H``. Results whose trigger time is before ``max_seen - H`` are final.

A result whose row would not change (a correction of a field no rule reads) gives no event.

Bounded state: incidents and window entries older than ``max_seen - H - L`` (``L`` the
longest window) are forgotten. A correction that arrives after its incident was forgotten
cannot be recognised and is taken for a new incident; keep ``H`` at least as long as the
time within which corrections arrive.

Cost: a push evaluates only the predicates its incident can satisfy
(:class:`~guarantor.scenarios.dispatch.RuleIndex`); :meth:`StreamEvaluator.push_frame`
takes a micro-batch, evaluates its predicates, zones, positions and violation explanations
with the batch target at once (:mod:`guarantor.scenarios.stream_frames`), and emits exactly
the events of pushing its rows one by one. A frame of new incidents in ``(time, incident_id)``
order after everything held takes the columnar path (:mod:`~.stream_columnar`, window
partitions as arrays): no per-incident state until a push needs it.
:meth:`StreamEvaluator.push_frame_events` gives a frame's events as one Polars frame (same
events, same order, rows included, violation explanations columnar as in batch and rendered
to their text by :meth:`StreamEvaluator.render_events`; on the columnar path no Python object
per violation), kept by :class:`~guarantor.scenarios.stream_events.LiveFrames`
(:mod:`guarantor.scenarios.stream_events`). Fresh frames off that path:
:mod:`guarantor.scenarios.stream_fresh`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl

from guarantor.agreement.model import ResolvedVersion
from guarantor.scenarios.dispatch import RuleIndex
from guarantor.scenarios.events import (
    LiveResults,
    StreamEvent,
    change_events,
    violation_key,
)
from guarantor.scenarios.frame import normalise_record, prepare_incidents
from guarantor.scenarios.obligations import activation_id
from guarantor.scenarios.partition import Activation, Partition, Record
from guarantor.scenarios.partition_columnar import ColumnarPartition
from guarantor.scenarios.polars_target import column_of
from guarantor.scenarios.positions import add_position_columns, position_index
from guarantor.scenarios.program import RevisionProgram, compile_version
from guarantor.scenarios.stream_columnar import (
    Tail,
    materialise,
    ordered_tail,
    push_ordered,
    push_ordered_frame,
    record_columns,
)
from guarantor.scenarios.stream_events import empty_events, events_frame, render_events
from guarantor.scenarios.stream_frames import (
    attach_violation_explanations,
    matches_by_row,
    predicate_masks,
)
from guarantor.scenarios.stream_fresh import advance, push_fresh, store_plain
from guarantor.scenarios.stream_late import check_late, refuse_late_rows
from guarantor.scenarios.stream_target import predicate
from guarantor.scenarios.zones import add_zone_columns, zone_index, zone_limits, zone_uses

__all__ = ["LiveResults", "StreamEvaluator", "StreamEvent"]

PartitionKey = tuple[int, tuple[str, ...], tuple[Any, ...]]
_Change = tuple[str, str]  # (kind, key)
_Dirty = dict[PartitionKey, tuple[int, int]]  # first position to re-run, latest time changed
_PLACE_CACHE = 100_000


class StreamEvaluator:
    """Evaluate one version over incidents arriving one at a time."""

    def __init__(self, version: ResolvedVersion, *, lateness_seconds: int) -> None:
        if lateness_seconds < 0:
            raise ValueError(f"lateness_seconds must be 0 or more, not {lateness_seconds}")
        self.program = compile_version(version)
        self.lateness_us = lateness_seconds * 1_000_000
        self._predicates = [predicate(node) for node in self.program.predicates]
        self._index = RuleIndex(self.program)
        self._uses = zone_uses(self.program.predicates)
        self._zones = zone_index(version, self.program.zones) if self._uses else None
        self._limits = zone_limits(self.program.predicates)
        self._places: dict[tuple[float | None, float | None], dict[str, Any]] = {}
        parties = self.program.near_parties
        self._positions = position_index(version, parties) if parties else None
        lengths: dict[int, int] = {}
        self._zero_holds: set[int] = set()
        for revision in self.program.revisions:
            if revision.window is not None:
                slot = revision.slot
                lengths[slot] = max(lengths.get(slot, 0), revision.window.length_us)
                if revision.window.holds(0.0):
                    self._zero_holds.add(slot)
        self._lengths = lengths
        self._longest = max(lengths.values(), default=0)
        self._max_seen: int | None = None
        self._pending_max: int | None = None  # latest time of plain rows not yet advanced
        self._incidents: dict[str, Record] = {}
        self._heap: list[tuple[int, str]] = []
        self._results: dict[str, list[tuple[_Change, object]]] = {}
        self._members: dict[str, list[PartitionKey]] = {}
        self._partitions: dict[PartitionKey, Partition] = {}
        self._columnar: dict[PartitionKey, ColumnarPartition] = {}  # of the columnar path
        self._sticky: dict[PartitionKey, bool] = {}
        self._record_columns = record_columns(self.program)
        self._tail: Tail | None = None  # incidents held columnar (see stream_columnar)

    # -- public ---------------------------------------------------------------------------

    @property
    def watermark_us(self) -> int | None:
        """The oldest event time still accepted (``max_seen - H``), or None before any push."""
        return None if self._max_seen is None else self._max_seen - self.lateness_us

    @property
    def state_size(self) -> int:
        """Incidents and window entries held: bounded by what ``H + L`` of time contains."""
        held = len(self._incidents) + (len(self._tail) if self._tail is not None else 0)
        held += sum(len(p) for p in self._columnar.values())
        return held + sum(len(p) for p in self._partitions.values())

    def push(self, incident: Mapping[str, Any]) -> list[StreamEvent]:
        """Add (or correct) one incident; the events that keep the live set equal to batch.

        ``incident`` maps rule fields to values: ``id`` (or ``incident_id``), ``time`` as an
        aware datetime, RFC 3339 text with an offset or int64 microseconds UTC, and any of
        the other fields of ``guarantor.agreement.fields`` (missing ones are null)."""
        record = normalise_record(incident)
        self._materialise()
        check_late(
            self._incidents,
            record["incident_id"],
            record["_t"],
            self._max_seen,
            self.lateness_us,
            {},
        )
        return self._push(self._with_zones(record), None)

    def push_many(self, incidents: Iterable[Mapping[str, Any]]) -> list[StreamEvent]:
        """Push incidents in order; all their events, in order."""
        events: list[StreamEvent] = []
        for incident in incidents:
            events.extend(self.push(incident))
        return events

    def push_frame(self, frame: pl.DataFrame) -> list[StreamEvent]:
        """Push a frame's rows in order, as :meth:`push` one by one would (same events).

        Predicates and zones are evaluated for the whole frame at once. Late rows are
        refused before anything is applied: the frame is taken whole or not at all."""
        prepared = self._prepare(frame)
        if prepared.is_empty():
            return []
        tail = ordered_tail(self, prepared)
        if tail is not None:
            return push_ordered(self, prepared, tail)
        return self._push_rows(prepared)

    def push_frame_events(self, frame: pl.DataFrame) -> pl.DataFrame:
        """:meth:`push_frame`, its events as one frame (one row per event, in the same
        order, rows included: :mod:`guarantor.scenarios.stream_events`). On the columnar
        path no Python object is made per violation; apply with ``LiveFrames``."""
        prepared = self._prepare(frame)
        if prepared.is_empty():
            return empty_events()
        tail = ordered_tail(self, prepared)
        if tail is not None:
            return push_ordered_frame(self, prepared, tail)
        return events_frame(self._push_rows(prepared))

    def render_events(self, events: pl.DataFrame) -> pl.DataFrame:
        """A frame from :meth:`push_frame_events` with each violation's JSON text (the text
        :meth:`push_frame` gives), rendered now: ``stream_events.render_events``."""
        return render_events(self.program, events)

    def _prepare(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The frame's rows in order, with the zone and position columns the rules read."""
        prepared = prepare_incidents(frame, keep_order=True)
        if not prepared.is_empty() and self._zones is not None:
            prepared = add_zone_columns(prepared, self._zones, self._uses, self._limits)
        if not prepared.is_empty() and self._positions is not None:
            prepared = add_position_columns(prepared, self._positions)
        return prepared

    def _push_rows(self, prepared: pl.DataFrame) -> list[StreamEvent]:
        """A frame off the columnar path: its rows through the per-incident state."""
        self._materialise()
        identities = prepared["incident_id"].to_list()
        times = prepared["_t"].to_list()
        fresh = refuse_late_rows(
            self._incidents, identities, times, self._max_seen, self.lateness_us
        )
        masks = predicate_masks(self.program, prepared)
        matched = matches_by_row(masks)
        columns = [c for c in prepared.columns if c != "time"]
        rows = sorted(matched)
        full = dict(zip(rows, prepared[rows].select(columns).to_dicts(), strict=True))
        attach_violation_explanations(self.program, prepared, masks, full)
        if fresh:
            return push_fresh(self, identities, times, full, matched)
        events: list[StreamEvent] = []
        for row, (identity, time_us) in enumerate(zip(identities, times, strict=True)):
            record = full.get(row) or {"incident_id": identity, "_t": time_us}
            events.extend(self._push(record, matched.get(row, ())))
        return events

    def _materialise(self) -> None:
        """Leave the columnar path: the held rows become per-incident state."""
        if self._tail is not None:
            tail, self._tail = self._tail, None
            materialise(self, tail)

    def _push(
        self, record: Record, matched: Sequence[int] | None, *, evict: bool = True
    ) -> list[StreamEvent]:
        identity, time_us = record["incident_id"], record["_t"]
        if matched is not None and not matched and identity not in self._incidents:
            self._incidents[identity] = record  # matches nothing: only kept for corrections
            heapq.heappush(self._heap, (time_us, identity))
            if self._max_seen is None or time_us > self._max_seen:
                self._max_seen = time_us
            self._evict()
            return []
        if matched is not None and identity not in self._incidents:
            segment, _ = self._index.candidates(record, known=matched)
            revisions = [r for index in matched for r in segment.get(index, ())]
            if all(r.window is None for r in revisions):
                events = store_plain(self, record, revisions)
                advance(self)
                return events
        before: dict[_Change, object] = {}
        after: dict[_Change, object] = {}

        def change(key: _Change, old: object, new: object) -> None:
            before.setdefault(key, old)
            after[key] = new

        dirty: _Dirty = {}
        old = self._incidents.get(record["incident_id"])
        if old is not None:
            self._remove(old, change, dirty)
        self._add(record, change, dirty, matched)
        for key, (position, changed) in dirty.items():
            partition = self._partitions[key]
            partition.rerun(position, changed, self._lengths[key[0]], self._emitter(change))
            if not len(partition):
                self._forget(key, partition)
        if self._max_seen is None or record["_t"] > self._max_seen:
            self._max_seen = record["_t"]
        if evict:  # else the caller evicts before anything reads the state
            self._evict()
        return change_events(self.program, before, after)

    # -- adding and removing ----------------------------------------------------------------

    def _with_zones(self, record: Record) -> Record:
        if self._positions is not None:
            lon, lat = record.get("lon"), record.get("lat")
            record.update(self._positions.record(lon, lat, record["_t"]))
        if self._zones is None:
            return record
        place = (record.get("lon"), record.get("lat"))
        values = self._places.get(place)
        if values is None:
            if len(self._places) >= _PLACE_CACHE:
                self._places.clear()
            values = self._zones.point(self._uses, place[0], place[1], self._limits)
            self._places[place] = values
        record.update(values)
        return record

    def _add(
        self, record: Record, change: Any, dirty: _Dirty, matched: Sequence[int] | None
    ) -> None:
        identity, time_us = record["incident_id"], record["_t"]
        self._incidents[identity] = record
        heapq.heappush(self._heap, (time_us, identity))
        held: list[tuple[_Change, object]] = []
        members: list[PartitionKey] = []
        segment, candidates = self._index.candidates(record, known=matched)
        for index in candidates:
            in_force = segment.get(index)
            if not in_force or (matched is None and not self._predicates[index](record)):
                continue
            for revision in in_force:
                if revision.window is not None:
                    members.append(self._insert(revision, record, dirty))
                    continue
                key = self._plain_key(revision, record)
                source = (revision, record)
                held.append((key, source))
                change(key, None, source)
        self._results[identity] = held
        self._members[identity] = members

    def _plain_key(self, revision: RevisionProgram, record: Record) -> _Change:
        if revision.rule.kind == "violation":
            key = violation_key(record["incident_id"], revision.rule_id, revision.revision)
            return ("violation", key)
        agreement = self.program.agreement_id
        return ("activation", activation_id(agreement, revision.rule_id, record["incident_id"]))

    def _insert(self, revision: RevisionProgram, record: Record, dirty: _Dirty) -> PartitionKey:
        window = revision.window
        assert window is not None
        group = tuple(record.get(column_of(name)) for name in window.group_by)
        key: PartitionKey = (revision.slot, window.group_by, group)
        partition = self._partitions.get(key)
        if partition is None:
            partition = self._partitions[key] = Partition(group)
            partition.evicted_holds = self._sticky.pop(key, False)
        value = 1
        if window.field is not None:
            raw = record.get(column_of(window.field))
            value = 0 if raw is None else round(raw * window.scale) if window.scale != 1 else raw
        position = partition.insert(record, revision, value)
        _mark(dirty, key, position, record["_t"])
        return key

    def _remove(self, old: Record, change: Any, dirty: _Dirty) -> None:
        identity = old["incident_id"]
        for result, source in self._results.pop(identity, []):
            change(result, source, None)
        for key in self._members.pop(identity, []):
            partition = self._partitions[key]
            position = partition.remove(old["_t"], identity)
            gone = partition.drop(identity)
            if gone is not None:
                agreement = self.program.agreement_id
                rule = gone.revision.rule_id
                change(("activation", activation_id(agreement, rule, identity)), gone, None)
            if position is not None:
                _mark(dirty, key, position, old["_t"])
        del self._incidents[identity]

    def _emitter(self, change: Any) -> Any:
        agreement = self.program.agreement_id

        def emit(old: Activation | None, new: Activation | None) -> None:
            some = new if new is not None else old
            assert some is not None
            identity = activation_id(agreement, some.revision.rule_id, some.trigger["incident_id"])
            change(("activation", identity), old, new)

        return emit

    # -- eviction and events ----------------------------------------------------------------

    def _evict(self) -> None:
        assert self._max_seen is not None
        cutoff = self._max_seen - self.lateness_us - self._longest
        while self._heap and self._heap[0][0] <= cutoff:
            time_us, identity = heapq.heappop(self._heap)
            record = self._incidents.get(identity)
            if record is None or record["_t"] != time_us:
                continue
            del self._incidents[identity]
            self._results.pop(identity, None)
            for key in self._members.pop(identity, []):
                partition = self._partitions.get(key)
                if partition is None:
                    continue
                partition.evict(cutoff)
                if not len(partition):
                    self._forget(key, partition)

    def _forget(self, key: PartitionKey, partition: Partition) -> None:
        """Drop an empty partition, remembering that its last entry held if that matters:
        only when the rule's condition holds at measure 0 can it decide a later edge."""
        del self._partitions[key]
        self._remember(key, partition.evicted_holds)

    def _remember(self, key: PartitionKey, evicted_holds: bool) -> None:
        if evicted_holds and key[0] in self._zero_holds:
            self._sticky[key] = True


def _mark(dirty: _Dirty, key: PartitionKey, position: int, time_us: int) -> None:
    first, latest = dirty.get(key, (position, time_us))
    dirty[key] = (min(first, position), max(latest, time_us))
