"""A window partition of the stream's columnar path: entries kept as arrays, appended in order.

While frames of new incidents arrive in ``(time, incident_id)`` order
(:mod:`guarantor.scenarios.stream_columnar`) a partition only ever grows at its end and
forgets its oldest entries, so its entries are kept as NumPy arrays: times, values,
revision indices, the running prefix sums of the values, whether each entry held, and a
*handle* per entry (a number the columnar tail turns into the incident's record, on
demand). No Python object is made per entry; records are made only for the incidents an
activation cites.

:meth:`ColumnarPartition.extend` evaluates the appended entries exactly as
:meth:`guarantor.scenarios.partition.Partition.insert` and ``rerun`` would one by one (an
appended entry changes no earlier one); :meth:`ColumnarPartition.to_partition` gives the
list-kept :class:`~guarantor.scenarios.partition.Partition` the same pushes would have left,
for the per-incident machinery (late and corrected incidents).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from guarantor.scenarios.partition import Activation, Partition, Record
from guarantor.scenarios.program import RevisionProgram

__all__ = ["ColumnarPartition", "Raised", "Resolve"]

Resolve = Callable[[np.ndarray], list[Record]]
"""Records of the incidents behind some handles, in their order."""

_INT = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Raised:
    """An activation a columnar partition raised, by handles: no record made yet."""

    entry: int  # which of the entries appended by that extend triggered it
    revision: RevisionProgram
    group: tuple[Any, ...]
    time_us: int  # the trigger's time
    measure: float
    contributors: np.ndarray  # handles of the entries in its window, the trigger last

    def activation(self, resolve: Resolve) -> Activation:
        """The activation with its records (made by ``resolve``)."""
        records = resolve(self.contributors)
        assert self.revision.window is not None
        return Activation(
            revision=self.revision,
            trigger=records[-1],
            group=self.group,
            measure=self.measure,
            threshold=self.revision.window.threshold,
            contributing=tuple(records),
        )


class ColumnarPartition:
    """One (rule id, group) partition with its entries as arrays (see the module)."""

    def __init__(self, group: tuple[Any, ...], revisions: Sequence[RevisionProgram]) -> None:
        self.group = group
        self.evicted_holds = False
        self.active: list[Raised] = []  # activations whose trigger is still held
        self._revisions = revisions  # the program's, by index
        self.times = _INT
        self.values = _INT
        self.revs = _INT
        self.handles = _INT
        self.prefix = np.zeros(1, dtype=np.int64)  # prefix[k]: sum of values before entry k
        self.holds = np.zeros(0, dtype=bool)

    def __len__(self) -> int:
        return len(self.times)

    def extend(
        self, times: np.ndarray, values: np.ndarray, revs: np.ndarray, handles: np.ndarray
    ) -> list[Raised]:
        """Append entries that all come after the last one, in ``(time, incident_id)``
        order (their times, values, revision indices and handles), evaluate them and
        return the activations they raise, in entry order."""
        start, count = len(self.times), len(times)
        self.times = np.concatenate([self.times, times])
        self.values = np.concatenate([self.values, values])
        self.revs = np.concatenate([self.revs, revs])
        self.handles = np.concatenate([self.handles, handles])
        self.prefix = np.concatenate([self.prefix, self.prefix[-1] + np.cumsum(values)])
        windows = {i: self._revisions[i].window for i in np.unique(revs).tolist()}
        lengths, scales, thresholds, inclusive = _parameters(revs, windows)
        first = np.searchsorted(self.times, times - lengths, "right")
        position = np.arange(start, start + count)
        total = self.prefix[position + 1] - self.prefix[first]
        measure = total / scales
        before = (total - values) / scales
        holds = np.where(inclusive, measure >= thresholds, measure > thresholds)
        held_before = np.where(inclusive, before >= thresholds, before > thresholds)
        previous = np.empty(count, dtype=bool)
        previous[0] = self.holds[-1] if start else self.evicted_holds
        previous[1:] = holds[:-1]
        self.holds = np.concatenate([self.holds, holds])
        raised = [
            Raised(
                entry=i,
                revision=self._revisions[int(revs[i])],
                group=self.group,
                time_us=int(times[i]),
                measure=float(measure[i]),
                contributors=self.handles[int(first[i]) : start + i + 1],
            )
            for i in np.flatnonzero(holds & ~(previous & held_before)).tolist()
        ]
        self.active.extend(raised)
        return raised

    def evict(self, cutoff_us: int) -> None:
        """Forget entries at or before ``cutoff_us`` (no reachable window contains them)."""
        count = int(np.searchsorted(self.times, cutoff_us, "right"))
        if not count:
            return
        self.evicted_holds = bool(self.holds[count - 1])
        if self.active:
            self.active = [a for a in self.active if a.time_us > cutoff_us]
        self.times, self.values = self.times[count:], self.values[count:]
        self.revs, self.handles = self.revs[count:], self.handles[count:]
        self.holds, self.prefix = self.holds[count:], self.prefix[count:]

    def to_partition(self, resolve: Resolve) -> Partition:
        """The list-kept partition holding the same entries (records from ``resolve``)."""
        partition = Partition(self.group)
        times, records = self.times.tolist(), resolve(self.handles)
        partition.keys = [(t, r["incident_id"]) for t, r in zip(times, records, strict=True)]
        partition.times = times
        partition.values = self.values.tolist()
        partition.revisions = [self._revisions[r] for r in self.revs.tolist()]
        partition.records = records
        partition.prefix = (self.prefix - self.prefix[0]).tolist()
        partition.holds = self.holds.tolist()
        for raised in self.active:
            activation = raised.activation(resolve)
            partition.active[activation.trigger["incident_id"]] = activation
        partition.evicted_holds = self.evicted_holds
        return partition


def _parameters(
    revs: np.ndarray, windows: dict[int, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Window length, scale, threshold and whether ``>=`` of each entry's revision."""
    if len(windows) == 1:
        (window,) = windows.values()
        count = len(revs)
        return (
            np.full(count, window.length_us, dtype=np.int64),
            np.full(count, window.scale, dtype=np.float64),
            np.full(count, window.threshold, dtype=np.float64),
            np.full(count, window.op == ">=", dtype=bool),
        )
    keys = sorted(windows)
    where = np.searchsorted(np.asarray(keys, dtype=np.int64), revs)
    table = [windows[k] for k in keys]
    return (
        np.asarray([w.length_us for w in table], dtype=np.int64)[where],
        np.asarray([w.scale for w in table], dtype=np.float64)[where],
        np.asarray([w.threshold for w in table], dtype=np.float64)[where],
        np.asarray([w.op == ">=" for w in table], dtype=bool)[where],
    )
