"""Violations as a frame (batch), built once for all violation rules.

The matching (frame row, violation revision) pairs of every revision are stacked and put in
the frame's order (rows are already sorted by time and incident id), then by rule id and
revision, with an integer sort. Each incident's explanation entry (id, time, grades) is
serialised once however many rules it breaches, and the document of each pair is its
revision's header (a constant per revision), that entry and, for a rule with a ``near``
block, the ``near`` member: one vectorised concatenation, no per-row Python.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from guarantor.scenarios.explain import incident_entry_expr
from guarantor.scenarios.positions import near_json_expr
from guarantor.scenarios.program import RevisionProgram, VersionProgram
from guarantor.scenarios.results import VIOLATION_SCHEMA, empty

__all__ = ["explained_pairs", "violations_frame"]


def violations_frame(
    program: VersionProgram,
    frame: pl.DataFrame,
    matches: list[tuple[RevisionProgram, np.ndarray]],
) -> pl.DataFrame:
    table = explained_pairs(frame, matches)
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


def explained_pairs(
    frame: pl.DataFrame, matches: list[tuple[RevisionProgram, np.ndarray]]
) -> pl.DataFrame | None:
    """The violation pairs in order with their columns, ``_row`` (frame row), ``_rev``
    (revision index) and ``explanation``; None without any."""
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
    unique_rows, inverse = np.unique(rows, return_inverse=True)
    cited = frame[unique_rows]
    entries = cited.select(incident_entry_expr().struct.json_encode()).to_series()
    index = pl.Series(inverse)
    prefixes = ['{"kind":"violation",' + r.header_json + ',"incident":' for r in revisions]
    table = pl.DataFrame(
        {
            "_row": rows,
            "_rev": pl.Series([r.index for r in revisions]).gather(which),
            "incident_id": cited["incident_id"].gather(index),
            "rule_id": pl.Series([r.rule_id for r in revisions]).gather(which),
            "revision": pl.Series([r.revision for r in revisions]).gather(which),
            "clause": pl.Series([r.rule.clause for r in revisions]).gather(which),
            "time": cited["time"].gather(index),
            "_prefix": pl.Series(prefixes).gather(which),
            "_entry": entries.gather(index),
            "_near": _near_members(revisions, frame, rows, which),
        }
    )
    explanation = pl.concat_str(["_prefix", "_entry", "_near", pl.lit("}")])
    return table.with_columns(explanation.alias("explanation")).drop("_prefix", "_entry", "_near")


def _near_members(
    revisions: list[RevisionProgram], frame: pl.DataFrame, rows: np.ndarray, which: np.ndarray
) -> pl.Series:
    """``,"near":{...}`` for the pairs of revisions with a near block, "" for the others."""
    if all(r.rule.near is None for r in revisions):
        return pl.repeat("", len(rows), dtype=pl.String, eager=True).alias("_near")
    members = np.full(len(rows), "", dtype=object)
    for k, revision in enumerate(revisions):
        near = revision.rule.near
        if near is None:
            continue
        where = np.flatnonzero(which == k)
        found = frame[rows[where]].select(near_json_expr(near, revision.near_labels))
        members[where] = found.to_series().to_numpy()
    return pl.Series("_near", members.tolist(), dtype=pl.String)
