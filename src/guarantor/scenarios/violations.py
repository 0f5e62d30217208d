"""Violations as a frame (batch), built once for all violation rules.

The matching (frame row, violation revision) pairs of every revision are stacked and put in
the frame's order (rows are already sorted by time and incident id), then by rule id and
revision, with an integer sort.

Explanations are kept columnar while evaluating: the ``explanation`` column of
:func:`violation_table` is a struct (:data:`COLUMNAR_EXPLANATION`) of the revision index
(which names the header: rule id, version hash, clause and its rendered text), the cited
incident (id, time, grades) and, for a rule with a ``near`` block, its ``near`` member.
:func:`render_violations` turns it into the JSON text results show and store (the document
``violation_json`` writes): its revision's header (a constant per revision), the incident
entry and the near member, one vectorised concatenation, no per-row Python.
:func:`violations_frame` does both at once.

A frame of stream events (:mod:`guarantor.scenarios.stream_events`) holds violation rows
with :data:`EVENT_EXPLANATION`: the same struct plus ``text``, the JSON text already made
for a row that came from a list of events (null for a columnar row);
:func:`render_violations` keeps that text and renders the others.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from guarantor.scenarios.explain import GRADES, iso_expr
from guarantor.scenarios.positions import near_json_expr
from guarantor.scenarios.program import RevisionProgram, VersionProgram
from guarantor.scenarios.results import VIOLATION_SCHEMA, empty

__all__ = [
    "EVENT_EXPLANATION",
    "EVENT_VIOLATION_SCHEMA",
    "event_explanations",
    "explained_pairs",
    "render_violations",
    "text_explanations",
    "violation_pairs",
    "violation_table",
    "violations_frame",
]

_INCIDENT = pl.Struct(
    {
        "id": pl.String(),
        "time": pl.Int64(),
        "credibility": pl.Int64(),
        "reliability": pl.String(),
        "sources": pl.Int64(),
        "status": pl.String(),
    }
)
EVENT_EXPLANATION = pl.Struct(
    {"revision_index": pl.Int64(), "incident": _INCIDENT, "near": pl.String(), "text": pl.String()}
)
"""A violation's explanation in a frame of events: columnar, or ``text`` already made."""
EVENT_VIOLATION_SCHEMA = {**VIOLATION_SCHEMA, "explanation": EVENT_EXPLANATION}

_COLUMNS = ("incident_id", "rule_id", "revision", "clause", "version_id", "version_hash", "time")


def violations_frame(
    program: VersionProgram,
    frame: pl.DataFrame,
    matches: list[tuple[RevisionProgram, np.ndarray]],
) -> pl.DataFrame:
    """The violations with their explanations rendered as JSON text."""
    return render_violations(program, violation_table(program, frame, matches))


def violation_table(
    program: VersionProgram,
    frame: pl.DataFrame,
    matches: list[tuple[RevisionProgram, np.ndarray]],
) -> pl.DataFrame:
    """The violations in their order, ``explanation`` still columnar (a struct)."""
    table = violation_pairs(frame, matches)
    if table is None:
        return empty(VIOLATION_SCHEMA)
    return table.select(
        "incident_id",
        "rule_id",
        "revision",
        "clause",
        pl.lit(program.version_id).alias("version_id"),
        pl.lit(program.version_hash).alias("version_hash"),
        "time",
        "explanation",
    )


def render_violations(program: VersionProgram, table: pl.DataFrame) -> pl.DataFrame:
    """``table`` (from :func:`violation_table`, or violation rows of a frame of events) with
    ``explanation`` as JSON text; a row's ``text``, if it has one, is kept as it is."""
    dtype = table.schema["explanation"]
    if dtype == pl.String:
        return table
    text = isinstance(dtype, pl.Struct) and any(f.name == "text" for f in dtype.fields)
    return table.with_columns(_rendered(program.revisions, text=text).alias("explanation"))


def event_explanations(table: pl.DataFrame) -> pl.DataFrame:
    """``table`` (columnar ``explanation``) with ``explanation`` as :data:`EVENT_EXPLANATION`."""
    explanation = pl.col("explanation").struct.with_fields(pl.lit(None, pl.String).alias("text"))
    return table.with_columns(explanation.cast(EVENT_EXPLANATION))


def text_explanations(text: pl.Expr) -> pl.Expr:
    """JSON texts as :data:`EVENT_EXPLANATION` values (the columnar fields null)."""
    return pl.struct(
        pl.lit(None, pl.Int64).alias("revision_index"),
        pl.lit(None, _INCIDENT).alias("incident"),
        pl.lit(None, pl.String).alias("near"),
        text.alias("text"),
    )


def _rendered(revisions: tuple[RevisionProgram, ...], *, text: bool = False) -> pl.Expr:
    columnar = pl.col("explanation")
    incident = columnar.struct.field("incident")
    prefixes = pl.Series(
        ['{"kind":"violation",' + r.header_json + ',"incident":' for r in revisions],
        dtype=pl.String,
    )
    entry = pl.struct(
        incident.struct.field("id"),
        iso_expr(incident.struct.field("time")).alias("time"),
        *[incident.struct.field(grade) for grade in GRADES],
    ).struct.json_encode()
    prefix = pl.lit(prefixes).gather(columnar.struct.field("revision_index"))
    made = pl.concat_str([prefix, entry, columnar.struct.field("near"), pl.lit("}")])
    return pl.coalesce(columnar.struct.field("text"), made) if text else made


def explained_pairs(
    program: VersionProgram,
    frame: pl.DataFrame,
    matches: list[tuple[RevisionProgram, np.ndarray]],
) -> pl.DataFrame | None:
    """:func:`violation_pairs` with ``explanation`` rendered as JSON text."""
    table = violation_pairs(frame, matches)
    if table is None:
        return None
    return table.with_columns(_rendered(program.revisions).alias("explanation"))


def violation_pairs(
    frame: pl.DataFrame, matches: list[tuple[RevisionProgram, np.ndarray]]
) -> pl.DataFrame | None:
    """The violation pairs in order with their columns, ``_row`` (frame row), ``_rev``
    (revision index) and ``explanation`` (columnar); None without any."""
    chosen = [(r, rows) for r, rows in matches if r.rule.kind == "violation" and len(rows)]
    if not chosen:
        return None
    revisions = [r for r, _ in chosen]
    rank = np.empty(len(chosen), dtype=np.int64)
    rank[
        sorted(range(len(chosen)), key=lambda k: (revisions[k].rule_id, revisions[k].revision))
    ] = np.arange(len(chosen))
    rows = np.concatenate([found for _, found in chosen])
    which = np.concatenate(
        [np.full(len(found), k, dtype=np.int64) for k, (_, found) in enumerate(chosen)]
    )
    order = np.lexsort((rank[which], rows))
    rows, which = rows[order], which[order]
    cited = frame.select("incident_id", "time", "_t", *GRADES)[rows]
    index = pl.Series(which)
    rev = pl.Series([r.index for r in revisions], dtype=pl.Int64).gather(index)
    incident = pl.struct(
        pl.col("incident_id").alias("id"), pl.col("_t").alias("time"), *GRADES
    ).alias("incident")
    return cited.select(
        pl.Series("_row", rows),
        rev.alias("_rev"),
        "incident_id",
        pl.Series([r.rule_id for r in revisions], dtype=pl.String).gather(index).alias("rule_id"),
        pl.Series([r.revision for r in revisions], dtype=pl.String).gather(index).alias("revision"),
        pl.Series([r.rule.clause for r in revisions], dtype=pl.String)
        .gather(index)
        .alias("clause"),
        "time",
        pl.struct(
            rev.alias("revision_index"),
            incident,
            _near_members(revisions, frame, rows, which),
        ).alias("explanation"),
    )


def _near_members(
    revisions: list[RevisionProgram], frame: pl.DataFrame, rows: np.ndarray, which: np.ndarray
) -> pl.Series:
    """``,"near":{...}`` for the pairs of revisions with a near block, "" for the others."""
    if all(r.rule.near is None for r in revisions):
        return pl.repeat("", len(rows), dtype=pl.String, eager=True).alias("near")
    members = np.full(len(rows), "", dtype=object)
    for k, revision in enumerate(revisions):
        near = revision.rule.near
        if near is None:
            continue
        where = np.flatnonzero(which == k)
        found = frame[rows[where]].select(near_json_expr(near, revision.near_labels))
        members[where] = found.to_series().to_numpy()
    return pl.Series("near", members.tolist(), dtype=pl.String)
