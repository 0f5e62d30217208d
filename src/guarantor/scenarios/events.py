"""Stream events and the live result set they maintain.

A :class:`StreamEvent` issues or retracts one violation, activation or obligation, keyed
like the batch frames (a violation by incident, rule and revision; an activation and an
obligation by their ids). Its ``row`` is the row the batch frame would hold, explanation
included; it is built when first read, from immutable snapshots, so it describes the
result as it was when the event was emitted. :class:`LiveResults` applies events and gives
the three frames back: after every push they equal the batch result over the incidents
pushed so far.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC
from typing import Any, Literal, cast

import polars as pl

from guarantor.scenarios.errors import ScenarioError
from guarantor.scenarios.explain import GRADES, activation_document, dumps, violation_json
from guarantor.scenarios.frame import us_to_datetime
from guarantor.scenarios.obligations import activation_id, obligation_row
from guarantor.scenarios.partition import Activation, Record
from guarantor.scenarios.program import ObligationSpec, RevisionProgram, VersionProgram
from guarantor.scenarios.results import Results, frame_of, sort_frame

__all__ = [
    "EXPLAINED",
    "Kind",
    "LiveResults",
    "StreamEvent",
    "activation_events",
    "activation_row",
    "change_events",
    "signature",
    "source_events",
    "violation_key",
    "violation_row",
]

Kind = Literal["violation", "activation", "obligation"]
Action = Literal["issue", "retract"]


class StreamEvent:
    """``issue`` or ``retract`` one result; ``row`` is its batch-frame row."""

    __slots__ = ("_build", "_row", "action", "at", "key", "kind")

    def __init__(
        self, action: Action, kind: Kind, key: str, build: Callable[[], dict[str, Any]]
    ) -> None:
        self.action: Action = action
        self.kind: Kind = kind
        self.key = key
        self._build = build
        self._row: dict[str, Any] | None = None
        self.at: tuple[pl.DataFrame, int] | None = None

    @classmethod
    def in_frame(
        cls, action: Action, kind: Kind, key: str, frame: pl.DataFrame, index: int
    ) -> StreamEvent:
        """An event whose row is row ``index`` of ``frame`` (with the result frame's
        columns): :class:`LiveResults` keeps it there, ``row`` reads it out."""
        event = cls.__new__(cls)
        event.action, event.kind, event.key = action, kind, key
        event._build, event._row, event.at = _no_build, None, (frame, index)
        return event

    @property
    def row(self) -> dict[str, Any]:
        if self._row is None:
            if self.at is not None:
                self._row = _frame_row(*self.at)
            else:
                self._row = self._build()
        return self._row

    def __repr__(self) -> str:
        return f"StreamEvent({self.action} {self.kind} {self.key})"


def _frame_row(frame: pl.DataFrame, index: int) -> dict[str, Any]:
    row = frame.row(index, named=True)
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime) and row[name] is not None:
            row[name] = row[name].astimezone(UTC)  # as us_to_datetime gives it
    return row


def _no_build() -> dict[str, Any]:
    raise AssertionError("the row of a ready event is built")


EXPLAINED = "_explained"
"""Record key of the violation explanations prepared for it (revision index -> JSON text)
when it arrived in a frame; the same text ``violation_json`` would write."""


def violation_key(incident_id: str, rule_id: str, revision: str) -> str:
    return f"{incident_id}|{rule_id}|{revision}"


def violation_row(
    program: VersionProgram, revision: RevisionProgram, record: Record
) -> dict[str, Any]:
    return {
        "incident_id": record["incident_id"],
        "rule_id": revision.rule_id,
        "revision": revision.revision,
        "clause": revision.rule.clause,
        "version_id": program.version_id,
        "version_hash": program.version_hash,
        "time": us_to_datetime(record["_t"]),
        "explanation": record.get(EXPLAINED, {}).get(revision.index)
        or violation_json(revision, record),
    }


def activation_row(program: VersionProgram, activation: Activation) -> dict[str, Any]:
    revision, trigger = activation.revision, activation.trigger
    window = revision.window
    group = dict(zip(window.group_by, activation.group, strict=True)) if window else {}
    identity = activation_id(program.agreement_id, revision.rule_id, trigger["incident_id"])
    time_us = trigger["_t"]
    document = activation_document(
        revision, identity, trigger, group, activation.measure, activation.contributing
    )
    return {
        "activation_id": identity,
        "rule_id": revision.rule_id,
        "revision": revision.revision,
        "version_id": program.version_id,
        "version_hash": program.version_hash,
        "group": dumps(group),
        "time": us_to_datetime(time_us),
        "incident_id": trigger["incident_id"],
        "measure": activation.measure,
        "threshold": activation.threshold,
        "window_start": us_to_datetime(time_us - window.length_us) if window else None,
        "window_end": us_to_datetime(time_us) if window else None,
        "contributing": [r["incident_id"] for r in activation.contributing],
        "explanation": dumps(document),
    }


def activation_events(
    program: VersionProgram, action: Action, activation: Activation
) -> list[StreamEvent]:
    """The event of an activation and those of its obligations."""
    revision, trigger = activation.revision, activation.trigger
    identity = activation_id(program.agreement_id, revision.rule_id, trigger["incident_id"])
    cached: list[dict[str, Any]] = []

    def row() -> dict[str, Any]:
        if not cached:
            cached.append(activation_row(program, activation))
        return cached[0]

    events = [StreamEvent(action, "activation", identity, row)]
    for spec in program.obligations.get(revision.rule_id, ()):
        key = f"{identity}/{spec.directive_id}/{spec.party}"
        events.append(
            StreamEvent(action, "obligation", key, _obligation(spec, row, trigger, program))
        )
    return events


def _obligation(
    spec: ObligationSpec,
    row: Callable[[], dict[str, Any]],
    trigger: Record,
    program: VersionProgram,
) -> Callable[[], dict[str, Any]]:
    return lambda: obligation_row(spec, row(), trigger["_t"], program.version_id)


class LiveResults:
    """The result set a consumer keeps by applying stream events in order."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[str, dict[str, Any]]] = {
            "violation": {},
            "activation": {},
            "obligation": {},
        }

    def apply(self, events: Iterable[StreamEvent]) -> None:
        for event in events:
            rows = self._rows[event.kind]
            if event.action == "issue":
                if event.key in rows:
                    raise ScenarioError(f"issue of {event.kind} {event.key}, already live")
                rows[event.key] = event.row if event.at is None else event.at  # type: ignore[assignment]
            elif rows.pop(event.key, None) is None:
                raise ScenarioError(f"retract of {event.kind} {event.key}, which is not live")

    def __len__(self) -> int:
        return sum(len(rows) for rows in self._rows.values())

    def results(self) -> Results:
        return Results(
            _frame("violations", self._rows["violation"].values()),
            _frame("activations", self._rows["activation"].values()),
            _frame("obligations", self._rows["obligation"].values()),
        )


def _frame(kind: str, values: Iterable[object]) -> pl.DataFrame:
    """The rows held as dicts, and those still in the frames of their events, as one frame
    in the result order."""
    rows: list[dict[str, Any]] = []
    held: dict[int, tuple[pl.DataFrame, list[int]]] = {}
    for value in values:
        if isinstance(value, dict):
            rows.append(value)
        else:
            frame, index = cast("tuple[pl.DataFrame, int]", value)
            held.setdefault(id(frame), (frame, []))[1].append(index)
    found = frame_of(kind, rows)
    if not held:
        return found
    parts = [frame[indices] for frame, indices in held.values()]
    return sort_frame(kind, pl.concat([found, *parts]))


def _view(record: Record) -> tuple[Any, ...]:
    """What a result row shows of an incident: its id, time and grades."""
    return (record["incident_id"], record["_t"], *(record.get(g) for g in GRADES))


def signature(source: object) -> object:
    """What decides a result's row: two sources with equal signatures give equal rows."""
    if source is None:
        return None
    if isinstance(source, Activation):
        return (
            source.revision.index,
            source.group,
            source.measure,
            source.threshold,
            _view(source.trigger),
            tuple(_view(r) for r in source.contributing),
        )
    revision, record = cast("tuple[RevisionProgram, Record]", source)
    return (revision.index, _view(record))


def change_events(
    program: VersionProgram,
    before: dict[tuple[str, str], object],
    after: dict[tuple[str, str], object],
) -> list[StreamEvent]:
    """The events from the sources each result key had (``before``) to those it has
    (``after``): retractions first, then issues, each in (kind, key) order; a result whose
    row would not change gives none."""
    retracts: list[StreamEvent] = []
    issues: list[StreamEvent] = []
    for key, old in sorted(before.items(), key=lambda item: item[0]):
        new = after[key]
        if old is not None and new is not None and signature(old) == signature(new):
            continue
        if old is not None:
            retracts.extend(source_events(program, "retract", key, old))
        if new is not None:
            issues.extend(source_events(program, "issue", key, new))
    return retracts + issues


def source_events(
    program: VersionProgram, action: Action, key: tuple[str, str], source: object
) -> list[StreamEvent]:
    """The events of one result source: a window activation, or a (revision, record) pair
    of a violation or a window-free activation."""
    if isinstance(source, Activation):
        return activation_events(program, action, source)
    revision, record = cast("tuple[RevisionProgram, Record]", source)
    if key[0] == "violation":
        return [StreamEvent(action, "violation", key[1], _violation(program, revision, record))]
    plain = Activation(revision, record, (), None, None, (record,))
    return activation_events(program, action, plain)


def _violation(
    program: VersionProgram, revision: RevisionProgram, record: Record
) -> Callable[[], dict[str, Any]]:
    return lambda: violation_row(program, revision, record)
