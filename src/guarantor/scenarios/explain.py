"""Structured explanations: JSON documents, one per violation, activation and obligation.

Every document starts with the header its rule revision cites (``agreement_id``,
``version_id``, ``version_hash``, ``rule_id``, ``revision``, ``rule_title``,
``rule_status``, ``clause``, ``clause_text`` rendered with the rule's params, ``when``,
``params``) and adds:

* a violation: ``kind: "violation"`` and ``incident`` (id, time and its grades:
  ``credibility``, ``reliability``, ``sources``, ``status``);
* an activation: ``kind: "activation"``, ``activation_id``, ``trigger`` (the incident whose
  arrival made the scenario true), ``time``, ``group``, ``window`` (``start`` and ``end`` of
  ``(start, end]``, ``length_seconds``; null without a window), ``measure`` (``kind``
  count, sum or match; ``field``, ``value``, ``op``, ``threshold``, ``threshold_param``) and
  ``contributing``: the incidents in the window with their grades;
* a violation or activation whose rule has a ``near`` block also ``near``: the party,
  ``within_km``, the nearest ``position`` held (id), its ``label`` and ``distance_km`` from
  the incident (the trigger, for an activation); see :mod:`guarantor.scenarios.positions`;
* an obligation: ``kind: "obligation"``, the directive (id, title, status, clause and its
  rendered text), ``obligation_id``, ``activation_id``, ``party``, ``action``,
  ``within_seconds``, ``due``, ``status`` and the whole ``activation`` document.

Times are UTC RFC 3339 strings with microseconds (``2015-05-01T07:00:00.000000Z``). The
batch target builds the documents with Polars expressions, the stream with ``json``; they
parse to equal values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import polars as pl

from guarantor.scenarios.compile import EPOCH
from guarantor.scenarios.positions import near_document
from guarantor.scenarios.program import ObligationSpec, RevisionProgram

__all__ = [
    "GRADES",
    "ISO_FORMAT",
    "activation_document",
    "dumps",
    "incident_entry",
    "incident_entry_expr",
    "iso",
    "iso_expr",
    "measure_document",
    "obligation_json",
    "violation_json",
]

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_POLARS_ISO = "%Y-%m-%dT%H:%M:%S%.6fZ"
GRADES = ("credibility", "reliability", "sources", "status")


def dumps(document: Any) -> str:
    """Compact JSON, as stored."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def iso(time_us: int) -> str:
    return (EPOCH + timedelta(microseconds=time_us)).strftime(ISO_FORMAT)


def iso_expr(column: str | pl.Expr) -> pl.Expr:
    """The same ISO text for an int64-microseconds column."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.cast(pl.Datetime("us", "UTC")).dt.to_string(_POLARS_ISO)


def incident_entry(record: Mapping[str, Any]) -> dict[str, Any]:
    """An incident as explanations cite it: id, time and grades."""
    entry = {"id": record["incident_id"], "time": iso(record["_t"])}
    entry.update({grade: record.get(grade) for grade in GRADES})
    return entry


def incident_entry_expr() -> pl.Expr:
    """:func:`incident_entry` over a prepared frame, as a struct column."""
    return pl.struct(
        pl.col("incident_id").alias("id"),
        iso_expr("_t").alias("time"),
        *[pl.col(grade) for grade in GRADES],
    )


def violation_json(revision: RevisionProgram, record: Mapping[str, Any]) -> str:
    document = {"kind": "violation", **revision.header, "incident": incident_entry(record)}
    near = revision.rule.near
    if near is not None:
        document["near"] = near_document(near, record, revision.near_labels)
    return dumps(document)


def measure_document(revision: RevisionProgram, measure: float | None) -> dict[str, Any]:
    window = revision.window
    if window is None:
        return {
            "kind": "match",
            "field": None,
            "value": None,
            "op": None,
            "threshold": None,
            "threshold_param": None,
        }
    return {
        "kind": window.measure,
        "field": window.field,
        "value": measure,
        "op": window.op,
        "threshold": window.threshold,
        "threshold_param": window.threshold_param,
    }


def activation_document(
    revision: RevisionProgram,
    activation_id: str,
    trigger: Mapping[str, Any],
    group: Mapping[str, Any],
    measure: float | None,
    contributing: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    window = revision.window
    window_doc = None
    if window is not None:
        window_doc = {
            "start": iso(trigger["_t"] - window.length_us),
            "end": iso(trigger["_t"]),
            "length_seconds": window.length_us // 1_000_000,
        }
    document = {
        "kind": "activation",
        **revision.header,
        "group": dict(group),
        "activation_id": activation_id,
        "trigger": trigger["incident_id"],
        "time": iso(trigger["_t"]),
        "window": window_doc,
        "measure": measure_document(revision, measure),
        "contributing": [incident_entry(r) for r in contributing],
    }
    if revision.rule.near is not None:
        document["near"] = near_document(revision.rule.near, trigger, revision.near_labels)
    return document


def obligation_json(
    spec: ObligationSpec,
    obligation_id: str,
    activation_id: str,
    due_us: int,
    activation_json: str,
) -> str:
    body = dumps(
        {
            "kind": "obligation",
            **spec.header,
            "obligation_id": obligation_id,
            "activation_id": activation_id,
            "party": spec.party,
            "action": spec.action,
            "within_seconds": spec.within_us // 1_000_000,
            "due": iso(due_us),
            "status": "open",
        }
    )
    return body[:-1] + ',"activation":' + activation_json + "}"
