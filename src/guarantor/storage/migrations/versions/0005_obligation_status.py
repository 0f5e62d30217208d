"""Obligation status: the append-only ``obligation_updates`` table.

Revision ID: 0005_obligation_status
Revises: 0004_incidents_results
Create Date: 2026-11-23

Written out by hand (not ``metadata.create_all``) so that this revision stays what it was
when later revisions change :mod:`guarantor.storage.obligation_tables`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_obligation_status"
down_revision: str | Sequence[str] | None = "0004_incidents_results"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "obligation_updates",
        sa.Column("seq", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("obligation_id", sa.Text, nullable=False),
        sa.Column("agreement_id", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("by_user", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_obligation_updates"),
    )
    op.create_index(
        "ix_obligation_updates_obligation_id_seq",
        "obligation_updates",
        ["obligation_id", "seq"],
    )


def downgrade() -> None:
    op.drop_index("ix_obligation_updates_obligation_id_seq", table_name="obligation_updates")
    op.drop_table("obligation_updates")
