"""The results of an evaluation: three Polars frames with fixed schemas, and notes.

* ``violations``: incident I breaches clause X under rule revision R of version V;
* ``activations``: scenario R became true at incident I (its trigger) in group G;
* ``obligations``: party P must do A by ``due``, from directive D on activation X.

Both targets produce exactly these frames (the stream through
:class:`guarantor.scenarios.stream.LiveResults`), sorted the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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


@dataclass(frozen=True, slots=True)
class Results:
    violations: pl.DataFrame
    activations: pl.DataFrame
    obligations: pl.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)

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
