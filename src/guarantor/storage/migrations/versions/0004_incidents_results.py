"""Incidents and rule results: fusion runs, incidents, members, decisions, evaluations.

Revision ID: 0004_incidents_results
Revises: 0003_users_audit
Create Date: 2026-11-23

Written out by hand (not ``metadata.create_all``) so that this revision stays what it was
when later revisions change :mod:`guarantor.storage.incident_tables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004_incidents_results"
down_revision: str | Sequence[str] | None = "0003_users_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUN_ID = sa.String(36)
AGREEMENT_ID = sa.String(80)
TIME = sa.DateTime(timezone=True)
TEXT, SMALL, INT, DOUBLE = sa.Text, sa.SmallInteger, sa.Integer, sa.Double

# (name, type, nullable) of each table's columns, in order.
INCIDENT: tuple[tuple[str, Any, bool], ...] = (
    ("incident_id", TEXT, False), ("time", TIME, False), ("time_until", TIME, True),
    ("time_precision", SMALL, True), ("lat", DOUBLE, True), ("lon", DOUBLE, True),
    ("place_precision", SMALL, True), ("place_name", TEXT, True), ("oblast", TEXT, True),
    ("raion", TEXT, True), ("sector", TEXT, True), ("type", TEXT, True), ("weapon", TEXT, True),
    ("calibre_mm", DOUBLE, True), ("severity", SMALL, True), ("deaths", INT, True),
    ("injured", INT, True), ("actor", TEXT, True), ("target", TEXT, True),
    ("count", INT, True), ("reports", INT, True), ("sources", INT, True),
    ("credibility", SMALL, True), ("reliability", TEXT, True), ("status", TEXT, True),
    ("disagreements", TEXT, True), ("releasability", TEXT, True),
)  # fmt: skip
VIOLATION: tuple[tuple[str, Any, bool], ...] = (
    ("incident_id", TEXT, False), ("rule_id", TEXT, False), ("revision", TEXT, False),
    ("clause", TEXT, True), ("version_id", TEXT, True), ("version_hash", TEXT, True),
    ("time", TIME, True), ("explanation", TEXT, True),
)  # fmt: skip
ACTIVATION: tuple[tuple[str, Any, bool], ...] = (
    ("activation_id", TEXT, False), ("rule_id", TEXT, True), ("revision", TEXT, True),
    ("version_id", TEXT, True), ("version_hash", TEXT, True), ("group_key", TEXT, True),
    ("time", TIME, True), ("incident_id", TEXT, True), ("measure", DOUBLE, True),
    ("threshold", DOUBLE, True), ("window_start", TIME, True), ("window_end", TIME, True),
    ("contributing", TEXT, True), ("explanation", TEXT, True),
)  # fmt: skip
OBLIGATION: tuple[tuple[str, Any, bool], ...] = (
    ("obligation_id", TEXT, False), ("activation_id", TEXT, True), ("rule_id", TEXT, True),
    ("directive_id", TEXT, True), ("party", TEXT, True), ("action", TEXT, True),
    ("due", TIME, True), ("status", TEXT, True), ("version_id", TEXT, True),
    ("explanation", TEXT, True),
)  # fmt: skip


def _columns(spec: tuple[tuple[str, Any, bool], ...]) -> list[sa.Column[Any]]:
    return [sa.Column(name, kind, nullable=nullable) for name, kind, nullable in spec]


def _results(name: str, spec: tuple[tuple[str, Any, bool], ...], key: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column("agreement_id", AGREEMENT_ID, nullable=False),
        sa.Column("run_id", RUN_ID, nullable=False),
        *_columns(spec),
        sa.PrimaryKeyConstraint("agreement_id", *key, name=f"pk_{name}"),
    )
    op.create_index(f"ix_{name}_{spec[0][0]}", name, [spec[0][0]])


def upgrade() -> None:
    op.create_table(
        "fusion_runs",
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("reports", sa.BigInteger, nullable=False),
        sa.Column("incidents", sa.BigInteger, nullable=False),
        sa.Column("seconds", DOUBLE, nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_fusion_runs"),
    )
    op.create_table(
        "incidents",
        *_columns(INCIDENT),
        sa.PrimaryKeyConstraint("incident_id", name="pk_incidents"),
    )
    op.create_index("ix_incidents_time", "incidents", ["time"])
    op.create_table(
        "incident_members",
        sa.Column("incident_id", TEXT, nullable=False),
        sa.Column("report_key", TEXT, nullable=False),
        sa.Column("joined_by", TEXT, nullable=True),
        sa.Column("evidence", TEXT, nullable=True),
        sa.PrimaryKeyConstraint("report_key", name="pk_incident_members"),
    )
    op.create_index("ix_incident_members_incident_id", "incident_members", ["incident_id"])
    op.create_table(
        "fusion_decisions",
        sa.Column("seq", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("record", TEXT, nullable=False),
        sa.Column("who", TEXT, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_fusion_decisions"),
    )
    op.create_table(
        "evaluation_runs",
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("agreement_id", AGREEMENT_ID, nullable=False),
        sa.Column("version_id", AGREEMENT_ID, nullable=True),
        sa.Column("at", TIME, nullable=False),
        sa.Column("counts", TEXT, nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_evaluation_runs"),
    )
    op.create_index("ix_evaluation_runs_agreement_id", "evaluation_runs", ["agreement_id"])
    _results("violations", VIOLATION, ("incident_id", "rule_id", "revision"))
    _results("activations", ACTIVATION, ("activation_id",))
    _results("obligations", OBLIGATION, ("obligation_id",))


def downgrade() -> None:
    for name in ("obligations", "activations", "violations", "evaluation_runs"):
        op.drop_table(name)
    for name in ("fusion_decisions", "incident_members", "incidents", "fusion_runs"):
        op.drop_table(name)
