"""One (rule id, group) window partition of the stream: the incremental half of the windows.

Entries are kept sorted by ``(time, incident_id)`` with prefix sums of their values, so an
arrival in order costs a bisection and an append, and a late arrival re-runs only the
entries whose window or rising edge it can change. The semantics are exactly those of
:mod:`guarantor.scenarios.windows` (measure over ``(t - length, t]`` as it stands at each
arrival; rising edge ``holds_k and not (holds_{k-1} and before_k)``).

State stays bounded: :meth:`Partition.evict` drops entries that no window of an incident
within the allowed lateness can reach, keeping only whether the last dropped entry held
(``holds_{k-1}`` of the next one).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from guarantor.scenarios.program import RevisionProgram

__all__ = ["Activation", "Partition"]

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Activation:
    """An activation as the stream keeps it: enough to compare, build its row and explain."""

    revision: RevisionProgram
    trigger: Record
    group: tuple[Any, ...]
    measure: float | None
    threshold: float | None
    contributing: tuple[Record, ...]


class Partition:
    def __init__(self, group: tuple[Any, ...]) -> None:
        self.group = group
        self.keys: list[tuple[int, str]] = []
        self.times: list[int] = []
        self.values: list[int] = []
        self.revisions: list[RevisionProgram] = []
        self.records: list[Record] = []
        self.prefix: list[int] = [0]
        self.holds: list[bool] = []
        self.active: dict[str, Activation] = {}
        self.evicted_holds = False

    def __len__(self) -> int:
        return len(self.keys)

    def insert(self, record: Record, revision: RevisionProgram, value: int) -> int:
        """Add an entry; returns its position (the first position to re-run)."""
        key = (record["_t"], record["incident_id"])
        position = bisect_left(self.keys, key)
        self.keys.insert(position, key)
        self.times.insert(position, key[0])
        self.values.insert(position, value)
        self.revisions.insert(position, revision)
        self.records.insert(position, record)
        self.holds.insert(position, False)
        if position == len(self.prefix) - 1:
            self.prefix.append(self.prefix[-1] + value)
        else:
            self.prefix.insert(position + 1, self.prefix[position] + value)
            for index in range(position + 2, len(self.prefix)):
                self.prefix[index] += value
        return position

    def remove(self, time_us: int, incident_id: str) -> int | None:
        """Drop an entry; returns the first position to re-run, or None if it was absent."""
        position = bisect_left(self.keys, (time_us, incident_id))
        if position == len(self.keys) or self.keys[position] != (time_us, incident_id):
            return None
        value = self.values[position]
        for items in self._lists():
            del items[position]
        del self.prefix[position + 1]
        for index in range(position + 1, len(self.prefix)):
            self.prefix[index] -= value
        return position

    def rerun(
        self,
        start: int,
        changed_us: int,
        horizon_us: int,
        emit: Callable[[Activation | None, Activation | None], None],
    ) -> None:
        """Recompute entries from ``start``; ``emit(old, new)`` for each changed activation.

        ``changed_us`` is the latest time of an entry added or removed. Stops at the first
        entry ``horizon_us`` (the longest window) after it whose predecessor held as before,
        since nothing later can change.
        """
        if start >= len(self.keys):
            return
        until = changed_us + horizon_us
        previous_changed = True
        for k in range(start, len(self.keys)):
            if self.keys[k][0] >= until and not previous_changed:
                break
            holds, activation = self._evaluate(k)
            previous_changed = holds != self.holds[k]
            self.holds[k] = holds
            identity = self.keys[k][1]
            old = self.active.get(identity)
            if activation != old:
                if activation is None:
                    del self.active[identity]
                else:
                    self.active[identity] = activation
                emit(old, activation)

    def _evaluate(self, k: int) -> tuple[bool, Activation | None]:
        revision = self.revisions[k]
        window = revision.window
        assert window is not None
        time_us = self.keys[k][0]
        first = bisect_right(self.times, time_us - window.length_us)
        total = self.prefix[k + 1] - self.prefix[first]
        measure = total / window.scale
        holds = window.holds(measure)
        previous = self.holds[k - 1] if k else self.evicted_holds
        before = window.holds((total - self.values[k]) / window.scale)
        if not holds or (previous and before):
            return holds, None
        activation = Activation(
            revision=revision,
            trigger=self.records[k],
            group=self.group,
            measure=measure,
            threshold=window.threshold,
            contributing=tuple(self.records[first : k + 1]),
        )
        return holds, activation

    def _lists(self) -> tuple[list[Any], ...]:
        return (self.keys, self.times, self.values, self.revisions, self.records, self.holds)

    def drop(self, incident_id: str) -> Activation | None:
        return self.active.pop(incident_id, None)

    def evict(self, cutoff_us: int) -> None:
        """Forget entries at or before ``cutoff_us`` (no reachable window contains them)."""
        count = bisect_right(self.times, cutoff_us)
        if not count:
            return
        self.evicted_holds = self.holds[count - 1]
        for key in self.keys[:count]:
            self.active.pop(key[1], None)
        for items in self._lists():
            del items[:count]
        del self.prefix[:count]
