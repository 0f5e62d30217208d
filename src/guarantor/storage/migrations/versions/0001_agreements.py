"""Agreements: agreements, their stored versions, and the parts of each version.

Revision ID: 0001_agreements
Revises:
Create Date: 2025-12-16

Written out by hand (not ``metadata.create_all``) so that this revision stays what it was
when later revisions change :mod:`guarantor.storage.tables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001_agreements"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(80)
CHILD_TABLES = ("parties", "zones", "clauses", "rules", "directives", "commitments")


def _key() -> list[sa.Column[Any]]:
    return [
        sa.Column("agreement_id", ID, nullable=False),
        sa.Column("version_id", ID, nullable=False),
        sa.Column("id", ID, nullable=False),
    ]


def _child(name: str, *columns: sa.Column[Any], key: tuple[str, ...] = ()) -> None:
    op.create_table(
        name,
        *_key(),
        *columns,
        sa.PrimaryKeyConstraint("agreement_id", "version_id", "id", *key, name=f"pk_{name}"),
        sa.ForeignKeyConstraint(
            ["agreement_id", "version_id"],
            ["agreement_versions.agreement_id", "agreement_versions.version_id"],
            name=f"fk_{name}_agreement_versions",
            ondelete="CASCADE",
        ),
    )


def _text(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Text, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", ID, nullable=False),
        _text("title"),
        sa.PrimaryKeyConstraint("id", name="pk_agreements"),
    )
    op.create_table(
        "agreement_versions",
        sa.Column("agreement_id", ID, nullable=False),
        sa.Column("version_id", ID, nullable=False),
        _text("title"),
        sa.Column("base", ID, nullable=True),
        sa.Column("adopted", sa.Date, nullable=False),
        sa.Column("effective", sa.DateTime(timezone=True), nullable=False),
        _text("source"),
        sa.Column("content_hash", sa.CHAR(64), nullable=False),
        _text("document"),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", "version_id", name="pk_agreement_versions"),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name="fk_agreement_versions_agreements",
            ondelete="CASCADE",
        ),
    )
    _child(
        "parties",
        _text("name"),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("members", sa.JSON, nullable=False),
    )
    _child(
        "zones",
        _text("name"),
        sa.Column("kind", sa.String(20), nullable=False),
        _text("source"),
        sa.Column("status", sa.String(20), nullable=False),
        _text("geometry", nullable=True),
        _text("geometry_file", nullable=True),
        sa.Column("of_zone", ID, nullable=True),
        sa.Column("buffer_km", sa.Float, nullable=True),
        sa.Column("admin_level", sa.Integer, nullable=True),
        sa.Column("units", sa.JSON, nullable=False),
        _text("note"),
    )
    _child(
        "clauses",
        _text("document"),
        _text("title"),
        _text("text"),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _text("source"),
        _text("rationale"),
        _text("revision"),
    )
    _child(
        "rules",
        _text("revision"),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("clause", ID, nullable=False),
        _text("title"),
        _text("when_expr"),
        sa.Column("applies", sa.JSON, nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("window", sa.JSON, nullable=True),
        sa.Column("geofence", sa.JSON, nullable=True),
        sa.Column("responsible", ID, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        _text("rationale"),
        key=("revision",),  # an amended rule keeps its earlier revision
    )
    _child(
        "directives",
        _text("revision"),
        sa.Column("scenario", ID, nullable=False),
        sa.Column("clause", ID, nullable=False),
        _text("title"),
        sa.Column("obligations", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _text("rationale"),
    )
    _child(
        "commitments",
        _text("revision"),
        sa.Column("party", ID, nullable=False),
        _text("title"),
        _text("indicator"),
        _text("unit"),
        sa.Column("target", sa.Float, nullable=False),
        sa.Column("direction", sa.String(20), nullable=False),
        sa.Column("due", sa.Date, nullable=False),
        sa.Column("clause", ID, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _text("rationale"),
    )


def downgrade() -> None:
    for name in reversed(CHILD_TABLES):
        op.drop_table(name)
    op.drop_table("agreement_versions")
    op.drop_table("agreements")
