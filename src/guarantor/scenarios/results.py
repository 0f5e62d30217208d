"""The results of an evaluation: three Polars frames with fixed schemas, and notes.

* ``violations``: incident I breaches clause X under rule revision R of version V;
* ``activations``: scenario R became true at incident I (its trigger) in group G;
* ``obligations``: party P must do A by ``due``, from directive D on activation X.

Both targets produce exactly these frames (the stream through
:class:`guarantor.scenarios.stream.LiveResults`), sorted the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import polars as pl

__all__ = [
    "ACTIVATION_SCHEMA",
    "OBLIGATION_SCHEMA",
    "VIOLATION_SCHEMA",
    "Finding",
    "Results",
    "empty",
    "frame_of",
    "sort_frame",
]

_UTC = pl.Datetime("us", "UTC")
_S = pl.String()

VIOLATION_SCHEMA: Mapping[str, pl.DataType] = {
    "incident_id": _S,
    "rule_id": _S,
    "revision": _S,
    "clause": _S,
    "version_id": _S,
    "version_hash": _S,
    "time": _UTC,
    "explanation": _S,
}
ACTIVATION_SCHEMA: Mapping[str, pl.DataType] = {
    "activation_id": _S,
    "rule_id": _S,
    "revision": _S,
    "version_id": _S,
    "version_hash": _S,
    "group": _S,
    "time": _UTC,
    "incident_id": _S,
    "measure": pl.Float64(),
    "threshold": pl.Float64(),
    "window_start": _UTC,
    "window_end": _UTC,
    "contributing": pl.List(_S),
    "explanation": _S,
}
OBLIGATION_SCHEMA: Mapping[str, pl.DataType] = {
    "obligation_id": _S,
    "activation_id": _S,
    "rule_id": _S,
    "directive_id": _S,
    "party": _S,
    "action": _S,
    "due": _UTC,
    "status": _S,
    "version_id": _S,
    "explanation": _S,
}
_ORDER = {
    "violations": ("time", "incident_id", "rule_id", "revision"),
    "activations": ("time", "incident_id", "rule_id"),
    "obligations": ("due", "obligation_id"),
}

Finding = tuple[str, str, str]  # (kind, rule id, incident id), as the case runner compares


def empty(schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=dict(schema))


def sort_frame(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` in the order of its kind's result frame."""
    return frame.sort(_ORDER[kind])


def frame_of(kind: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows of one kind as its frame, with its schema and order."""
    schema = {"violations": VIOLATION_SCHEMA, "activations": ACTIVATION_SCHEMA}.get(
        kind, OBLIGATION_SCHEMA
    )
    if not rows:
        return empty(schema)
    columns = {name: [row[name] for row in rows] for name in schema}
    frame = pl.DataFrame(columns, schema=dict(schema))
    return frame.sort(_ORDER[kind])


class Results:
    """The three result frames and notes.

    The violations may be held with their explanations still columnar (a struct, see
    :mod:`guarantor.scenarios.violations`) and a ``render`` function: the JSON text is then
    built once, the first time :attr:`violations` is read (to show, store or compare), and
    :meth:`violation_table` gives the rows without rendering. Either way :attr:`violations`
    is the same frame."""

    __slots__ = ("_render", "_violations", "activations", "notes", "obligations")

    def __init__(
        self,
        violations: pl.DataFrame,
        activations: pl.DataFrame,
        obligations: pl.DataFrame,
        notes: tuple[str, ...] = (),
        *,
        render: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    ) -> None:
        self._violations = violations
        self._render = render
        self.activations = activations
        self.obligations = obligations
        self.notes = notes

    @property
    def violations(self) -> pl.DataFrame:
        """The violations, explanations as JSON text (rendered here once if still columnar)."""
        if self._render is not None:
            self._violations = self._render(self._violations)
            self._render = None
        return self._violations

    def violation_table(self) -> pl.DataFrame:
        """The violations as held: ``explanation`` is a struct until first rendered."""
        return self._violations

    def __repr__(self) -> str:
        return (
            f"Results(violations={self._violations.height}, activations="
            f"{self.activations.height}, obligations={self.obligations.height})"
        )

    @classmethod
    def empty(cls, notes: tuple[str, ...] = ()) -> Results:
        return cls(
            empty(VIOLATION_SCHEMA), empty(ACTIVATION_SCHEMA), empty(OBLIGATION_SCHEMA), notes
        )

    def sorted(self) -> Results:
        return Results(
            self.violations.sort(_ORDER["violations"]),
            self.activations.sort(_ORDER["activations"]),
            self.obligations.sort(_ORDER["obligations"]),
            self.notes,
        )

    def findings(self) -> set[Finding]:
        """``(violation|activation, rule id, incident id)``: what a rule case compares."""
        found = {
            ("violation", rule, incident)
            for rule, incident in self.violations.select("rule_id", "incident_id").iter_rows()
        }
        found.update(
            ("activation", rule, incident)
            for rule, incident in self.activations.select("rule_id", "incident_id").iter_rows()
        )
        return found
