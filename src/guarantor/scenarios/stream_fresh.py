"""The stream's fresh frames: new, distinct incidents, none late, off the columnar path.

:meth:`~guarantor.scenarios.stream.StreamEvaluator.push_frame` hands such a frame to
:func:`push_fresh`. Rows matching nothing, and rows whose matches have no window, are stored
(and issue their results, :func:`store_plain`) without the re-run machinery: nothing can be
retracted and no window re-run. Their times are only *noted* (:func:`note`); the max time
seen and the evictions they cause are applied together (:func:`advance`) before the next
windowed row, which so sees the state it would after pushing the rows one by one.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

import numpy as np

from guarantor.scenarios.events import StreamEvent, source_events
from guarantor.scenarios.partition import Record
from guarantor.scenarios.program import RevisionProgram
from guarantor.scenarios.stream_frames import keep_unmatched

if TYPE_CHECKING:
    from guarantor.scenarios.stream import StreamEvaluator

__all__ = ["advance", "note", "push_fresh", "store_plain"]


def push_fresh(
    ev: StreamEvaluator,
    identities: list[str],
    times: list[int],
    full: dict[int, Record],
    matched: dict[int, list[int]],
) -> list[StreamEvent]:
    """The events of pushing a fresh frame's rows one by one (``full``: the records of the
    rows that match something, ``matched``: the predicates true on each)."""
    keep_unmatched(ev._incidents, ev._heap, identities, times, matched)
    running = np.maximum.accumulate(np.asarray(times, dtype=np.int64)).tolist()
    events: list[StreamEvent] = []
    for row in sorted(matched):
        record = full[row]
        segment, _ = ev._index.candidates(record, known=matched[row])
        revisions = [r for index in matched[row] for r in segment.get(index, ())]
        if all(r.window is None for r in revisions):
            events.extend(store_plain(ev, record, revisions))
            continue
        if row:
            note(ev, running[row - 1])
        advance(ev)
        events.extend(ev._push(record, matched[row], evict=False))
    note(ev, running[-1])
    advance(ev)
    return events


def note(ev: StreamEvaluator, time_us: int) -> None:
    """Count ``time_us`` in the max time seen at the next :func:`advance`."""
    if ev._pending_max is None or time_us > ev._pending_max:
        ev._pending_max = time_us


def advance(ev: StreamEvaluator) -> None:
    """Raise the max time seen to the times noted since the last call and evict what it
    puts out of reach (at once: the same state as evicting after each of them)."""
    pending, ev._pending_max = ev._pending_max, None
    if pending is not None and (ev._max_seen is None or pending > ev._max_seen):
        ev._max_seen = pending
    if ev._max_seen is not None:
        ev._evict()


def store_plain(
    ev: StreamEvaluator, record: Record, revisions: list[RevisionProgram]
) -> list[StreamEvent]:
    """Store a window-free new incident and issue its results (the general path would find
    the same); its time counts in the max time seen at the next :func:`advance`."""
    identity, time_us = record["incident_id"], record["_t"]
    ev._incidents[identity] = record
    heapq.heappush(ev._heap, (time_us, identity))
    held = [(ev._plain_key(r, record), (r, record)) for r in revisions]
    ev._results[identity] = held  # type: ignore[assignment]
    ev._members[identity] = []
    note(ev, time_us)
    if len(held) == 1:
        return source_events(ev.program, "issue", *held[0])
    events: list[StreamEvent] = []
    for key, source in sorted(held, key=lambda item: item[0]):
        events.extend(source_events(ev.program, "issue", key, source))
    return events
