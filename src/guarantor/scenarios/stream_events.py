"""Stream events as a frame, and the live result set kept from such frames.

:meth:`~guarantor.scenarios.stream.StreamEvaluator.push_frame_events` returns the events of
a pushed frame as one Polars frame (:data:`EVENT_SCHEMA`), one row per event in the order
:meth:`~guarantor.scenarios.stream.StreamEvaluator.push_frame` lists them:

* ``action``: ``issue`` or ``retract``; ``kind``: ``violation``, ``activation`` or
  ``obligation``; ``key``: the event's key (as :class:`StreamEvent.key`);
* ``violation``, ``activation``, ``obligation``: structs with the columns of the result
  frame of that kind (:mod:`guarantor.scenarios.results`); the one named by ``kind`` holds
  the event's row (:attr:`StreamEvent.row`), the others are null.

A violation's explanation is held columnar, as the batch target holds it
(:data:`~guarantor.scenarios.violations.EVENT_EXPLANATION`: revision index, cited incident,
near member; or the text already made for a row that came from a list of events), and
rendered to its JSON text only on demand: :func:`render_events` (or
:meth:`~guarantor.scenarios.stream.StreamEvaluator.render_events`) gives the frame with the
text (:data:`RENDERED_EVENT_SCHEMA`), byte for byte the text of :attr:`StreamEvent.row`;
:class:`LiveFrames` renders when its results' ``violations`` are first read.

On the columnar path (frames of new incidents in ``(time, incident_id)`` order) the
violation rows stay columnar from the batch target to this frame: no Python object per
violation. A frame that falls back (late, corrected or out-of-order rows) gives the same
rows, built from the per-event list (:func:`events_frame`).

:class:`LiveFrames` applies such frames (of one evaluator: the revision indices are its
program's) and gives the three result frames, like
:class:`~guarantor.scenarios.events.LiveResults` for lists of events (same checks: issuing a
live key or retracting one not live raises; the events before the one refused stay applied).
A frame of issues only is checked, then kept as it is, its keys in one dict update; a frame
with retractions is applied event by event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import polars as pl

from guarantor.scenarios.errors import ScenarioError
from guarantor.scenarios.events import StreamEvent
from guarantor.scenarios.obligations import obligations_by_template
from guarantor.scenarios.program import VersionProgram
from guarantor.scenarios.results import (
    ACTIVATION_SCHEMA,
    OBLIGATION_SCHEMA,
    VIOLATION_SCHEMA,
    Results,
    empty,
    sort_frame,
)
from guarantor.scenarios.violations import (
    EVENT_VIOLATION_SCHEMA,
    render_violations,
    text_explanations,
)

__all__ = [
    "EVENT_SCHEMA",
    "RENDERED_EVENT_SCHEMA",
    "LiveFrames",
    "empty_events",
    "events_frame",
    "ordered_events",
    "render_events",
]

_KINDS: dict[str, Mapping[str, pl.DataType]] = {
    "violation": EVENT_VIOLATION_SCHEMA,
    "activation": ACTIVATION_SCHEMA,
    "obligation": OBLIGATION_SCHEMA,
}
_PLURAL = {"violation": "violations", "activation": "activations", "obligation": "obligations"}
_HEAD = {"action": pl.String(), "kind": pl.String(), "key": pl.String()}
EVENT_SCHEMA: Mapping[str, pl.DataType] = {
    **_HEAD,
    **{kind: pl.Struct(dict(schema)) for kind, schema in _KINDS.items()},
}
RENDERED_EVENT_SCHEMA: Mapping[str, pl.DataType] = {
    **EVENT_SCHEMA,
    "violation": pl.Struct(dict(VIOLATION_SCHEMA)),
}


def empty_events() -> pl.DataFrame:
    return empty(EVENT_SCHEMA)


def render_events(program: VersionProgram, events: pl.DataFrame) -> pl.DataFrame:
    """A frame of events (:data:`EVENT_SCHEMA`, of an evaluator of ``program``) with each
    violation's explanation rendered to its JSON text (:data:`RENDERED_EVENT_SCHEMA`)."""
    rows = render_violations(program, events["violation"].struct.unnest())
    rendered = pl.when(pl.col("kind") == "violation").then(rows.to_struct("violation"))
    return events.with_columns(rendered.alias("violation"))


def _structs(heads: Sequence[tuple[str, str, str]], rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """Events as a frame: ``heads`` (action, kind, key) and each event's row."""
    if not heads:
        return empty_events()
    actions, kinds, keys = (list(column) for column in zip(*heads, strict=True))
    columns: list[pl.Expr] = []
    for kind, schema in _KINDS.items():
        values = {
            name: [row[name] if k == kind else None for k, row in zip(kinds, rows, strict=True)]
            for name in schema
        }
        types = dict(schema)
        if kind == "violation":  # the text made for the event, then as its explanation
            types["explanation"] = pl.String()
        part = pl.DataFrame(values, schema=types, strict=False)
        if kind == "violation":
            part = part.with_columns(text_explanations(pl.col("explanation")).alias("explanation"))
        columns.append(pl.when(pl.col("kind") == kind).then(part.to_struct(kind)).alias(kind))
    head = pl.DataFrame({"action": actions, "kind": kinds, "key": keys}, schema=_HEAD)
    return head.with_columns(columns)


def events_frame(events: Sequence[StreamEvent]) -> pl.DataFrame:
    """A list of events as a frame of events (one row each, rows read out)."""
    return _structs([(e.action, e.kind, e.key) for e in events], [e.row for e in events])


def ordered_events(
    program: VersionProgram, violations: pl.DataFrame | None, activations: pl.DataFrame
) -> pl.DataFrame:
    """The frame of issue events of the columnar path, from its result rows: violations
    (:data:`~guarantor.scenarios.violations.EVENT_VIOLATION_SCHEMA`) and activations
    (:data:`~guarantor.scenarios.results.ACTIVATION_SCHEMA`) of new incidents in
    ``(time, incident_id)`` order. Events go incident by incident; an incident's
    activations (by key) before its violations (by key), each activation followed by its
    obligations in template order, as :func:`~guarantor.scenarios.events.activation_events`
    lists them."""
    parts = []
    if violations is not None and violations.height:
        rows = violations.select(
            pl.col(name).cast(dtype) for name, dtype in EVENT_VIOLATION_SCHEMA.items()
        )
        key = pl.concat_str(["incident_id", "rule_id", "revision"], separator="|")
        parts.append(_issues(rows, "violation", key, 1, key, pl.lit(0, pl.Int64)))
    if activations.height:
        rows = activations.select(
            pl.col(name).cast(dtype) for name, dtype in ACTIVATION_SCHEMA.items()
        )
        key = pl.col("activation_id")
        parts.append(_issues(rows, "activation", key, 0, key, pl.lit(0, pl.Int64)))
        due = obligations_by_template(program, rows)
        if due.height:
            trigger = rows.select("activation_id", "time", "incident_id")
            due = due.join(trigger, on="activation_id", how="left")
            order = (pl.col("activation_id"), pl.col("_template"))
            parts.append(_issues(due, "obligation", pl.col("obligation_id"), 0, *order))
    if not parts:
        return empty_events()
    merged = pl.concat(parts, how="vertical") if len(parts) > 1 else parts[0]
    if len(parts) > 1:
        merged = merged.sort("_time", "_id", "_class", "_sort", "_place")
    return merged.select(list(EVENT_SCHEMA))


def _issues(
    rows: pl.DataFrame, kind: str, key: pl.Expr, rank: int, sort: pl.Expr, place: pl.Expr
) -> pl.DataFrame:
    """Issue events of ``kind`` for ``rows`` (result rows, with the trigger's ``time``
    and ``incident_id``), with their sort key: the incident, ``rank`` (activations before
    violations), ``sort`` and ``place``."""
    schema = _KINDS[kind]
    columns = {
        name: pl.struct(list(schema)) if name == kind else pl.lit(None, EVENT_SCHEMA[name])
        for name in _KINDS
    }
    return rows.select(
        pl.col("time").alias("_time"),
        pl.col("incident_id").alias("_id"),
        pl.lit(rank, pl.Int64).alias("_class"),
        sort.alias("_sort"),
        place.cast(pl.Int64).alias("_place"),
        pl.lit("issue").alias("action"),
        pl.lit(kind).alias("kind"),
        key.alias("key"),
        *(expr.alias(name) for name, expr in columns.items()),
    )


class _Piece:
    """The rows one applied frame issued of one kind; rows retracted since are dropped."""

    __slots__ = ("_index", "dropped", "keys", "rows")

    def __init__(self, keys: pl.Series, rows: pl.DataFrame) -> None:
        self.keys, self.rows = keys, rows
        self.dropped: set[int] = set()
        self._index: dict[str, int] | None = None

    def row_of(self, key: str) -> int | None:
        """The row issuing ``key`` in a piece of distinct keys (an index made on first use)."""
        if self._index is None:
            self._index = {k: i for i, k in enumerate(self.keys.to_list())}
        return self._index.get(key)

    def live(self) -> pl.DataFrame:
        if not self.dropped:
            return self.rows
        keep = pl.Series(range(self.rows.height)).is_in(list(self.dropped)).not_()
        return self.rows.filter(keep)


class LiveFrames:
    """The result set a consumer keeps by applying frames of stream events (of evaluators
    of ``program``) in order.

    The live keys of each kind are a set. A frame of issues only is kept as it is (one set
    update); the row of one of its keys is looked up (through an index of that frame's keys,
    made once) only when the key is retracted. Frames with retractions are applied event by
    event, each issued key's row noted."""

    def __init__(self, program: VersionProgram) -> None:
        self._program = program
        self._live: dict[str, set[str]] = {kind: set() for kind in _KINDS}
        self._rows: dict[str, dict[str, tuple[_Piece, int]]] = {kind: {} for kind in _KINDS}
        self._pieces: dict[str, list[_Piece]] = {kind: [] for kind in _KINDS}
        self._distinct: dict[str, list[_Piece]] = {kind: [] for kind in _KINDS}

    def __len__(self) -> int:
        return sum(len(live) for live in self._live.values())

    def apply(self, events: pl.DataFrame) -> None:
        """Apply a frame of events (:data:`EVENT_SCHEMA`), in its row order."""
        if events.is_empty():
            return
        issues_only = bool((events["action"] == "issue").all())
        kinds = events["kind"]
        for kind in _KINDS:
            mask = kinds == kind
            if not mask.any():
                continue
            part = events.select("action", "key", kind).filter(mask)
            piece = _Piece(part["key"], part.select(pl.col(kind).struct.unnest()))
            if issues_only:
                self._issue_all(kind, piece)
            else:
                self._apply_each(kind, part["action"].to_list(), piece)

    def _issue_all(self, kind: str, piece: _Piece) -> None:
        """Issue every row of ``piece``, its keys distinct and none live."""
        live, keys = self._live[kind], piece.keys.to_list()
        issued = set(keys)
        if len(issued) != len(keys) or not live.isdisjoint(issued):
            twice = next(k for i, k in enumerate(keys) if k in live or k in keys[:i])
            raise ScenarioError(f"issue of {kind} {twice}, already live")
        live |= issued
        self._pieces[kind].append(piece)
        self._distinct[kind].append(piece)

    def _apply_each(self, kind: str, actions: list[str], piece: _Piece) -> None:
        live, rows = self._live[kind], self._rows[kind]
        piece.dropped.update(range(len(actions)))  # a row counts once its issue is applied
        self._pieces[kind].append(piece)
        for row, (action, key) in enumerate(zip(actions, piece.keys.to_list(), strict=True)):
            if action == "issue":
                if key in live:
                    raise ScenarioError(f"issue of {kind} {key}, already live")
                live.add(key)
                piece.dropped.discard(row)
                rows[key] = (piece, row)
                continue
            if key not in live:
                raise ScenarioError(f"retract of {kind} {key}, which is not live")
            live.discard(key)
            held = rows.pop(key, None) or self._issued_at(kind, key)
            held[0].dropped.add(held[1])

    def _issued_at(self, kind: str, key: str) -> tuple[_Piece, int]:
        """Where a live key issued by a frame of issues only is: the latest such frame
        holding it with its row not dropped."""
        for piece in reversed(self._distinct[kind]):
            row = piece.row_of(key)
            if row is not None and row not in piece.dropped:
                return piece, row
        raise ScenarioError(f"{kind} {key} is live but no applied frame issued it")

    def results(self) -> Results:
        frames = {}
        for kind, schema in _KINDS.items():
            parts = [piece.live() for piece in self._pieces[kind]]
            found = pl.concat(parts) if parts else empty(schema)
            frames[kind] = sort_frame(_PLURAL[kind], found)
        render = partial(render_violations, self._program)
        return Results(
            frames["violation"], frames["activation"], frames["obligation"], render=render
        )
