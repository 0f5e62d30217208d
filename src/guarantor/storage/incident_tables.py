"""The SQL tables of fusion and evaluation: incidents, their members, decisions, rule results.

On the same :data:`~guarantor.storage.tables.metadata` as the other tables (``guarantor.storage``
imports this module); migration ``0004_incidents_results`` creates exactly these tables.

* ``fusion_runs``: one row per fusion (reports in, incidents out, seconds);
* ``incidents``: the incident frame (:data:`~guarantor.evidence.incidents.INCIDENT_SCHEMA`)
  column for column, keyed by ``incident_id``; ``incident_members`` the membership frame,
  keyed by ``report_key``; both replaced as a whole by each fusion run;
* ``fusion_decisions``: analyst decisions in order (``record`` is the JSON of
  :func:`~guarantor.evidence.fusion.decisions.decision_to_dict`);
* ``evaluation_runs``: one row per evaluation of an agreement (``version_id`` null: history,
  each incident judged by the version in force at its time), with counts per rule as JSON;
* ``violations``, ``activations``, ``obligations``: the engine's result frames
  (:mod:`guarantor.scenarios.results`) with the ``agreement_id`` and ``run_id`` that produced
  them; explanations and ``contributing`` as JSON text. The activation column ``group`` is
  ``group_key`` in SQL (``group`` is reserved).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from guarantor.storage.tables import UtcDateTime, metadata

__all__ = [
    "ACTIVATION_COLUMN_TYPES",
    "INCIDENT_COLUMN_TYPES",
    "OBLIGATION_COLUMN_TYPES",
    "RUN_ID_LENGTH",
    "VIOLATION_COLUMN_TYPES",
    "activations",
    "evaluation_runs",
    "fusion_decisions",
    "fusion_runs",
    "incident_members",
    "incident_tables",
    "incidents",
    "obligations",
    "violations",
]

RUN_ID_LENGTH = 36
_AGREEMENT_ID = 80

# SQL type of every column of INCIDENT_SCHEMA, in its order (a test checks the two agree).
INCIDENT_COLUMN_TYPES: dict[str, Any] = {
    "incident_id": sa.Text,
    "time": UtcDateTime,
    "time_until": UtcDateTime,
    "time_precision": sa.SmallInteger,
    "lat": sa.Double,
    "lon": sa.Double,
    "place_precision": sa.SmallInteger,
    "place_name": sa.Text,
    "oblast": sa.Text,
    "raion": sa.Text,
    "sector": sa.Text,
    "type": sa.Text,
    "weapon": sa.Text,
    "calibre_mm": sa.Double,
    "severity": sa.SmallInteger,
    "deaths": sa.Integer,
    "injured": sa.Integer,
    "actor": sa.Text,
    "target": sa.Text,
    "count": sa.Integer,
    "reports": sa.Integer,
    "sources": sa.Integer,
    "credibility": sa.SmallInteger,
    "reliability": sa.Text,
    "status": sa.Text,
    "disagreements": sa.Text,
    "releasability": sa.Text,
}
VIOLATION_COLUMN_TYPES: dict[str, Any] = {
    "incident_id": sa.Text,
    "rule_id": sa.Text,
    "revision": sa.Text,
    "clause": sa.Text,
    "version_id": sa.Text,
    "version_hash": sa.Text,
    "time": UtcDateTime,
    "explanation": sa.Text,
}
ACTIVATION_COLUMN_TYPES: dict[str, Any] = {
    "activation_id": sa.Text,
    "rule_id": sa.Text,
    "revision": sa.Text,
    "version_id": sa.Text,
    "version_hash": sa.Text,
    "group_key": sa.Text,
    "time": UtcDateTime,
    "incident_id": sa.Text,
    "measure": sa.Double,
    "threshold": sa.Double,
    "window_start": UtcDateTime,
    "window_end": UtcDateTime,
    "contributing": sa.Text,
    "explanation": sa.Text,
}
OBLIGATION_COLUMN_TYPES: dict[str, Any] = {
    "obligation_id": sa.Text,
    "activation_id": sa.Text,
    "rule_id": sa.Text,
    "directive_id": sa.Text,
    "party": sa.Text,
    "action": sa.Text,
    "due": UtcDateTime,
    "status": sa.Text,
    "version_id": sa.Text,
    "explanation": sa.Text,
}


def _columns(types: dict[str, Any], required: set[str]) -> list[sa.Column[Any]]:
    return [sa.Column(name, kind, nullable=name not in required) for name, kind in types.items()]


def _result_table(name: str, types: dict[str, Any], key: tuple[str, ...]) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("agreement_id", sa.String(_AGREEMENT_ID), nullable=False),
        sa.Column("run_id", sa.String(RUN_ID_LENGTH), nullable=False),
        *_columns(types, set(key)),
        sa.PrimaryKeyConstraint("agreement_id", *key),
    )


fusion_runs = sa.Table(
    "fusion_runs",
    metadata,
    sa.Column("run_id", sa.String(RUN_ID_LENGTH), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("reports", sa.BigInteger, nullable=False),
    sa.Column("incidents", sa.BigInteger, nullable=False),
    sa.Column("seconds", sa.Double, nullable=False),
    sa.PrimaryKeyConstraint("run_id"),
)

incidents = sa.Table(
    "incidents",
    metadata,
    *_columns(INCIDENT_COLUMN_TYPES, {"incident_id", "time"}),
    sa.PrimaryKeyConstraint("incident_id"),
)
# Keyset pages newest first on (time, incident_id); the desk's counts per day, oblast, type,
# status and marking read the second index alone (migration 0006_desk_indexes).
sa.Index(None, incidents.c.time, incidents.c.incident_id)
sa.Index(
    None,
    incidents.c.time,
    incidents.c.oblast,
    incidents.c.type,
    incidents.c.status,
    incidents.c.releasability,
)

incident_members = sa.Table(
    "incident_members",
    metadata,
    sa.Column("incident_id", sa.Text, nullable=False),
    sa.Column("report_key", sa.Text, nullable=False),
    sa.Column("joined_by", sa.Text, nullable=True),
    sa.Column("evidence", sa.Text, nullable=True),
    sa.PrimaryKeyConstraint("report_key"),
)
sa.Index(None, incident_members.c.incident_id)

fusion_decisions = sa.Table(
    "fusion_decisions",
    metadata,
    sa.Column("seq", sa.Integer, nullable=False, autoincrement=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("record", sa.Text, nullable=False),
    sa.Column("who", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("seq"),
)

evaluation_runs = sa.Table(
    "evaluation_runs",
    metadata,
    sa.Column("run_id", sa.String(RUN_ID_LENGTH), nullable=False),
    sa.Column("agreement_id", sa.String(_AGREEMENT_ID), nullable=False),
    sa.Column("version_id", sa.String(_AGREEMENT_ID), nullable=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("counts", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("run_id"),
)
sa.Index(None, evaluation_runs.c.agreement_id)

violations = _result_table(
    "violations", VIOLATION_COLUMN_TYPES, ("incident_id", "rule_id", "revision")
)
activations = _result_table("activations", ACTIVATION_COLUMN_TYPES, ("activation_id",))
obligations = _result_table("obligations", OBLIGATION_COLUMN_TYPES, ("obligation_id",))
for _table in (violations, activations, obligations):
    sa.Index(None, _table.c[_table.c.keys()[2]])  # the id column, for explain

incident_tables: tuple[sa.Table, ...] = (
    fusion_runs,
    incidents,
    incident_members,
    fusion_decisions,
    evaluation_runs,
    violations,
    activations,
    obligations,
)
"""The tables of fusion and evaluation, in the order they can be created."""
