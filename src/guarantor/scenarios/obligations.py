"""Directives turn activations into obligations.

Each activation of scenario rule R, times each obligation template of each directive whose
``scenario`` is R, gives one obligation per party listed: ``due`` is the activation time
plus the template's ``within``, ``status`` is ``open`` (acknowledgement and execution are
tracked elsewhere). Ids are stable and readable: an activation is
``{agreement}/{rule}/{trigger incident}`` (one activation per rule and trigger incident at
most), an obligation ``{activation_id}/{directive}/{party}``; the same activation under two
versions has the same id, which is what :func:`guarantor.scenarios.history.diff` compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from guarantor.scenarios.explain import iso_expr, obligation_json
from guarantor.scenarios.frame import us_to_datetime
from guarantor.scenarios.program import ObligationSpec, VersionProgram
from guarantor.scenarios.results import OBLIGATION_SCHEMA, empty

__all__ = [
    "activation_id",
    "obligation_id",
    "obligation_row",
    "obligations_by_template",
    "obligations_frame",
]


def activation_id(agreement_id: str, rule_id: str, incident_id: str) -> str:
    return f"{agreement_id}/{rule_id}/{incident_id}"


def obligation_id(activation: str, directive_id: str, party: str) -> str:
    return f"{activation}/{directive_id}/{party}"


def obligations_frame(program: VersionProgram, activations: pl.DataFrame) -> pl.DataFrame:
    """The obligations of every activation in ``activations`` (batch)."""
    return (
        obligations_by_template(program, activations).drop("_template").sort("due", "obligation_id")
    )


def obligations_by_template(program: VersionProgram, activations: pl.DataFrame) -> pl.DataFrame:
    """The obligations of ``activations`` (unsorted), with ``_template``: the place (from
    1) of each one's template party among its rule's, the order the stream lists them in."""
    table = _templates(program)
    if table.is_empty() or activations.is_empty():
        return empty(OBLIGATION_SCHEMA).with_columns(pl.lit(0, pl.Int64).alias("_template"))
    joined = activations.select(
        "activation_id", "rule_id", "time", "version_id", "explanation"
    ).join(table, on="rule_id", how="inner")
    due = (pl.col("time").cast(pl.Int64) + pl.col("within_us")).alias("_due")
    identity = pl.concat_str(
        [pl.col("activation_id"), pl.col("directive_id"), pl.col("party")], separator="/"
    )
    joined = joined.with_columns(due).with_columns(identity.alias("obligation_id"))
    return joined.select(
        "obligation_id",
        "activation_id",
        "rule_id",
        "directive_id",
        "party",
        "action",
        pl.col("_due").cast(pl.Datetime("us", "UTC")).alias("due"),
        pl.lit("open").alias("status"),
        "version_id",
        _explanation().alias("explanation"),
        "_template",
    )


def _templates(program: VersionProgram) -> pl.DataFrame:
    """One row per (scenario rule, directive template, party)."""
    rows = [
        {
            "rule_id": rule_id,
            "_template": place,
            "directive_id": spec.directive_id,
            "party": spec.party,
            "action": spec.action,
            "within_us": spec.within_us,
            "header_json": spec.header_json,
        }
        for rule_id, found in program.obligations.items()
        for place, spec in enumerate(found, start=1)
    ]
    return pl.DataFrame(rows)


def _explanation() -> pl.Expr:
    """The obligation document, with its activation's document nested, as JSON text."""
    body = pl.struct(
        "obligation_id",
        "activation_id",
        "party",
        "action",
        (pl.col("within_us") // 1_000_000).alias("within_seconds"),
        iso_expr("_due").alias("due"),
        pl.lit("open").alias("status"),
    ).struct.json_encode()
    return pl.concat_str(
        [
            pl.lit('{"kind":"obligation",'),
            pl.col("header_json"),
            pl.lit(","),
            body.str.slice(1, body.str.len_bytes() - 2),
            pl.lit(',"activation":'),
            pl.col("explanation"),
            pl.lit("}"),
        ]
    )


def obligation_row(
    spec: ObligationSpec, activation: Mapping[str, Any], time_us: int, version_id: str
) -> dict[str, Any]:
    """The obligation row of one template party for one activation row (stream)."""
    activation_key = activation["activation_id"]
    due = time_us + spec.within_us
    identity = obligation_id(activation_key, spec.directive_id, spec.party)
    return {
        "obligation_id": identity,
        "activation_id": activation_key,
        "rule_id": activation["rule_id"],
        "directive_id": spec.directive_id,
        "party": spec.party,
        "action": spec.action,
        "due": us_to_datetime(due),
        "status": "open",
        "version_id": version_id,
        "explanation": obligation_json(
            spec, identity, activation_key, due, activation["explanation"]
        ),
    }
