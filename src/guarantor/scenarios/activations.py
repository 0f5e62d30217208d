"""Activations as a frame (batch): from matches without a window and from window edges.

An activation row names its rule revision, its trigger incident and time, its group (JSON,
keys in ``group_by`` order; ``{}`` without groups), the measure against the threshold, the
window ``(window_start, window_end]`` and the contributing incident ids, and carries its
explanation (:mod:`guarantor.scenarios.explain`). A scenario without a window has null
measure, threshold and window, and its trigger as the only contributing incident.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from guarantor.scenarios.explain import dumps, incident_entry_expr, iso_expr
from guarantor.scenarios.polars_target import column_of
from guarantor.scenarios.positions import near_json_expr
from guarantor.scenarios.program import RevisionProgram, VersionProgram
from guarantor.scenarios.results import ACTIVATION_SCHEMA, empty
from guarantor.scenarios.windows import WindowResult

__all__ = ["activations_frame", "contributor_positions"]

_UTC = pl.Datetime("us", "UTC")


def activations_frame(
    program: VersionProgram,
    frame: pl.DataFrame,
    plain: list[tuple[RevisionProgram, np.ndarray]],
    windows: WindowResult,
) -> pl.DataFrame:
    rows = [rows for _, rows in plain if len(rows)]
    revs = [np.full(len(rows), r.index, dtype=np.int64) for r, rows in plain if len(rows)]
    pieces = []
    if rows:
        trigger_rows = np.concatenate(rows)
        table = pl.DataFrame({"_rev": np.concatenate(revs), "_row": trigger_rows})
        contributors = frame[trigger_rows].select(
            pl.concat_list("incident_id").alias("contributing"),
            pl.concat_list(incident_entry_expr()).alias("_entries"),
        )
        pieces.append(_assemble(program, frame, table.hstack(contributors)))
    if len(windows.act_pairs):
        pieces.append(_assemble(program, frame, _windowed(frame, windows)))
    if not pieces:
        return empty(ACTIVATION_SCHEMA)
    return pl.concat(pieces).sort("time", "incident_id", "rule_id")


def contributor_positions(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges ``[start, end]`` (inclusive), every position and its range number."""
    lengths = ends - starts + 1
    owners = np.repeat(np.arange(len(starts)), lengths)
    offsets = np.cumsum(lengths) - lengths
    positions = np.arange(int(lengths.sum())) - np.repeat(offsets, lengths)
    return positions + np.repeat(starts, lengths), owners


def _windowed(frame: pl.DataFrame, windows: WindowResult) -> pl.DataFrame:
    positions, owners = contributor_positions(windows.act_starts, windows.act_pairs)
    contributor_rows = windows.rows[positions]
    contributors = (
        frame[contributor_rows]
        .select(pl.Series("_owner", owners), "incident_id", incident_entry_expr().alias("_e"))
        .group_by("_owner", maintain_order=True)
        .agg(pl.col("incident_id").alias("contributing"), pl.col("_e").alias("_entries"))
        .sort("_owner")
    )
    table = pl.DataFrame(
        {
            "_rev": windows.act_revisions,
            "_row": windows.rows[windows.act_pairs],
            "measure": windows.act_measures,
            "threshold": windows.act_thresholds,
        }
    )
    return table.hstack(contributors.drop("_owner"))


def _revision_table(program: VersionProgram, revs: set[int]) -> pl.DataFrame:
    rows = []
    for index in sorted(revs):
        revision = program.revisions[index]
        window = revision.window
        rows.append(
            {
                "_rev": index,
                "rule_id": revision.rule_id,
                "revision": revision.revision,
                "_header": revision.header_json,
                "_kind": "match" if window is None else window.measure,
                "_field": None if window is None else window.field,
                "_op": None if window is None else window.op,
                "_param": None if window is None else window.threshold_param,
                "_length": None if window is None else window.length_us,
                "_group_by": [] if window is None else list(window.group_by),
            }
        )
    return pl.DataFrame(
        rows, schema_overrides={"_length": pl.Int64, "_group_by": pl.List(pl.String)}
    )


def _groups(program: VersionProgram, frame: pl.DataFrame, table: pl.DataFrame) -> list[str]:
    """The group of each activation as canonical JSON, from its trigger's values."""
    groups = ["{}"] * table.height
    revs = table["_rev"].to_numpy()
    trigger_rows = table["_row"].to_numpy()
    for index in np.unique(revs):
        window = program.revisions[int(index)].window
        if window is None or not window.group_by:
            continue
        where = np.flatnonzero(revs == index)
        columns = [column_of(name) for name in window.group_by]
        values = frame[trigger_rows[where]].select(columns).iter_rows()
        for position, row in zip(where, values, strict=True):
            groups[position] = dumps(dict(zip(window.group_by, row, strict=True)))
    return groups


def _near_members(program: VersionProgram, frame: pl.DataFrame, table: pl.DataFrame) -> list[str]:
    """``,"near":{...}`` of each activation whose rule has a near block, from its trigger."""
    found = np.full(table.height, "", dtype=object)
    revs = table["_rev"].to_numpy()
    trigger_rows = table["_row"].to_numpy()
    for index in np.unique(revs):
        revision = program.revisions[int(index)]
        if revision.rule.near is None:
            continue
        where = np.flatnonzero(revs == index)
        members = frame[trigger_rows[where]].select(
            near_json_expr(revision.rule.near, revision.near_labels)
        )
        found[where] = members.to_series().to_numpy()
    result: list[str] = found.tolist()
    return result


def _assemble(program: VersionProgram, frame: pl.DataFrame, table: pl.DataFrame) -> pl.DataFrame:
    if "measure" not in table.columns:
        table = table.with_columns(
            pl.lit(None, pl.Float64).alias("measure"), pl.lit(None, pl.Float64).alias("threshold")
        )
    rules = _revision_table(program, set(table["_rev"].to_list()))
    trigger = frame[table["_row"].to_numpy()].select("incident_id", "_t")
    table = table.hstack(trigger).with_columns(
        pl.Series("group", _groups(program, frame, table), dtype=pl.String),
        pl.Series("_near", _near_members(program, frame, table), dtype=pl.String),
    )
    table = table.join(rules, on="_rev", how="left", maintain_order="left")
    ident = pl.concat_str(
        [pl.lit(program.agreement_id), pl.col("rule_id"), pl.col("incident_id")], separator="/"
    )
    windowless = pl.col("_length").is_null()
    return table.with_columns(ident.alias("activation_id")).select(
        "activation_id",
        "rule_id",
        "revision",
        pl.lit(program.version_id).alias("version_id"),
        pl.lit(program.version_hash).alias("version_hash"),
        "group",
        pl.col("_t").cast(_UTC).alias("time"),
        "incident_id",
        "measure",
        "threshold",
        (pl.col("_t") - pl.col("_length")).cast(_UTC).alias("window_start"),
        pl.when(windowless).then(None).otherwise(pl.col("_t")).cast(_UTC).alias("window_end"),
        "contributing",
        _explanation().alias("explanation"),
    )


def _explanation() -> pl.Expr:
    """The activation document (see :mod:`guarantor.scenarios.explain`) as JSON text."""
    window = (
        pl.when(pl.col("_length").is_null())
        .then(None)
        .otherwise(
            pl.struct(
                iso_expr(pl.col("_t") - pl.col("_length")).alias("start"),
                iso_expr("_t").alias("end"),
                (pl.col("_length") // 1_000_000).alias("length_seconds"),
            )
        )
    )
    measure = pl.struct(
        pl.col("_kind").alias("kind"),
        pl.col("_field").alias("field"),
        pl.col("measure").alias("value"),
        pl.col("_op").alias("op"),
        pl.col("threshold"),
        pl.col("_param").alias("threshold_param"),
    )
    body = pl.struct(
        "activation_id",
        pl.col("incident_id").alias("trigger"),
        iso_expr("_t").alias("time"),
        window.alias("window"),
        measure.alias("measure"),
        pl.col("_entries").alias("contributing"),
    ).struct.json_encode()
    return pl.concat_str(
        [
            pl.lit('{"kind":"activation",'),
            pl.col("_header"),
            pl.lit(',"group":'),
            pl.col("group"),
            pl.lit(","),
            body.str.strip_prefix("{").str.strip_suffix("}"),
            pl.col("_near"),
            pl.lit("}"),
        ]
    )
