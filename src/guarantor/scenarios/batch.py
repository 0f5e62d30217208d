"""The batch target: evaluate a version over a whole frame of incidents at once.

:func:`evaluate_batch` prepares the frame (:mod:`guarantor.scenarios.frame`), adds the zone
columns the rules read (:mod:`guarantor.scenarios.zones`), evaluates every distinct
predicate of the version as one boolean column in one parallel pass, and turns the matches
into results without a per-incident Python loop:

* a *violation* is an (incident, violation-rule revision) pair where the revision applies
  at the incident's time (half-open ``[from, until)``) and the predicate is true;
* a scenario revision without a window activates on every matching incident in force;
* windowed revisions are stacked and measured together (:mod:`guarantor.scenarios.windows`);
* obligations follow from activations (:mod:`guarantor.scenarios.obligations`).

This is the authority: the stream target is tested to agree with it.
"""

from __future__ import annotations

from functools import lru_cache, partial

import numpy as np
import polars as pl

from guarantor.agreement.fields import INCIDENT_FIELDS
from guarantor.agreement.model import ResolvedVersion
from guarantor.scenarios import ir
from guarantor.scenarios.activations import activations_frame
from guarantor.scenarios.frame import prepare_incidents
from guarantor.scenarios.obligations import obligations_frame
from guarantor.scenarios.polars_target import (
    column_of,
    predicate,
)
from guarantor.scenarios.positions import add_position_columns, position_index
from guarantor.scenarios.program import (
    FIXED_POINT,
    RevisionProgram,
    VersionProgram,
    compile_version,
)
from guarantor.scenarios.results import Results
from guarantor.scenarios.violations import render_violations, violation_table
from guarantor.scenarios.windows import evaluate_windows
from guarantor.scenarios.zones import add_zone_columns, zone_index, zone_limits, zone_uses

__all__ = ["evaluate_batch", "evaluate_prepared", "matched_rows"]


def evaluate_batch(
    version: ResolvedVersion, incidents: pl.DataFrame, *, deduplicate: bool = True
) -> Results:
    """Violations, activations and obligations of ``version`` over ``incidents``.

    ``incidents`` has the columns of ``guarantor.evidence.incidents.INCIDENT_SCHEMA`` (at
    least ``incident_id`` and a UTC ``time``; missing rule fields are read as null). A
    repeated ``incident_id`` is a correction: the last row wins. Pass ``deduplicate=False``
    when the ids are known to be unique, to skip that search.
    """
    program = compile_version(version)
    if not program.revisions:
        return Results.empty(program.notes)
    return evaluate_prepared(program, prepare_incidents(incidents, deduplicate=deduplicate))


def evaluate_prepared(program: VersionProgram, frame: pl.DataFrame) -> Results:
    """:func:`evaluate_batch` on a frame already in the engine's layout."""
    if frame.is_empty() or not program.revisions:
        return Results.empty(program.notes)
    uses = zone_uses(program.predicates)
    if uses:
        index = zone_index(program.version, program.zones)
        frame = add_zone_columns(frame, index, uses, zone_limits(program.predicates))
    if program.near_parties:
        positions = position_index(program.version, program.near_parties)
        frame = add_position_columns(frame, positions)
    matches = matched_rows(program, frame)
    violations = violation_table(program, frame, matches)
    windowed = [(r, rows) for r, rows in matches if r.window is not None]
    plain = [(r, rows) for r, rows in matches if r.rule.kind == "scenario" and r.window is None]
    result = evaluate_windows(
        frame["_t"].to_numpy(),
        windowed,
        _group_ids(frame, {r.window.group_by for r, _ in windowed if r.window}),
        _field_values(frame, {r.window.field for r, _ in windowed if r.window and r.window.field}),
    )
    activations = activations_frame(program, frame, plain, result)
    obligations = obligations_frame(program, activations)
    return Results(
        violations,
        activations,
        obligations,
        program.notes,
        render=partial(render_violations, program),
    )


def matched_rows(
    program: VersionProgram, frame: pl.DataFrame
) -> list[tuple[RevisionProgram, np.ndarray]]:
    """For each revision, the frame rows (sorted) where it is in force and matches."""
    names = [f"_p{i}" for i in range(len(program.predicates))]  # with_columns: a constant
    masks = (  # predicate broadcasts to the frame's height
        frame.lazy().with_columns(_predicate_columns(program.predicates)).select(names).collect()
    )
    arrays: dict[int, np.ndarray] = {}
    times = frame["_t"].to_numpy()
    found = []
    for revision in program.revisions:
        mask = arrays.get(revision.predicate)
        if mask is None:
            mask = arrays[revision.predicate] = masks.to_series(revision.predicate).to_numpy()
        parts = [np.zeros(0, dtype=np.int64)]
        for start, end in revision.applies:
            low, high = (int(i) for i in np.searchsorted(times, [start, end], side="left"))
            parts.append(np.flatnonzero(mask[low:high]).astype(np.int64) + low)
        found.append((revision, np.concatenate(parts)))
    return found


@lru_cache(maxsize=64)
def _predicate_columns(predicates: tuple[ir.Node, ...]) -> tuple[pl.Expr, ...]:
    """The predicates as named boolean expressions, built once per program (the stream
    evaluates them frame after frame)."""
    return tuple(predicate(node).alias(f"_p{i}") for i, node in enumerate(predicates))


def _group_ids(
    frame: pl.DataFrame, specs: set[tuple[str, ...]]
) -> dict[tuple[str, ...], np.ndarray]:
    """A group id per row for each ``group_by``: equal ids exactly when the values are equal
    (null being a value of its own)."""
    found = {}
    for spec in specs:
        codes = np.zeros(frame.height, dtype=np.int64)
        for name in spec:
            column = frame[column_of(name)]
            code, size = _dense(column, INCIDENT_FIELDS[name].type)
            if size and codes.max(initial=0) > (2**62) // size:
                codes = np.unique(codes, return_inverse=True)[1].astype(np.int64)
            codes = codes * size + code
        found[spec] = codes
    return found


def _dense(column: pl.Series, kind: str) -> tuple[np.ndarray, int]:
    """Codes from 0 (0 for null) for one column, and their bound."""
    if kind == "string":
        physical = column.cast(pl.Categorical).to_physical().cast(pl.Int64) + 1
        codes = physical.fill_null(0).to_numpy()
    elif kind == "int":
        low = column.min()
        shifted = column - (low if isinstance(low, int) else 0) + 1
        codes = shifted.fill_null(0).to_numpy().astype(np.int64)
    else:
        codes = column.rank("dense").cast(pl.Int64).fill_null(0).to_numpy()
    return codes, int(codes.max(initial=0)) + 1


def _field_values(frame: pl.DataFrame, names: set[str]) -> dict[str, np.ndarray]:
    """Summed fields as int64: ints as they are, floats in fixed point; null counts as 0."""
    values = {}
    for name in names:
        column = frame[column_of(name)]
        if INCIDENT_FIELDS[name].type == "float":
            scaled = np.rint(column.fill_null(0.0).to_numpy() * FIXED_POINT)
            values[name] = scaled.astype(np.int64)
        else:
            values[name] = column.fill_null(0).to_numpy().astype(np.int64)
    return values
