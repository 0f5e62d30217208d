"""Reports: sources, import batches, reports and the issues of each import.

Revision ID: 0002_reports
Revises: 0001_agreements
Create Date: 2025-12-17

Written out by hand (not ``metadata.create_all``) so that this revision stays what it was
when later revisions change :mod:`guarantor.storage.report_tables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002_reports"
down_revision: str | Sequence[str] | None = "0001_agreements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH_ID = sa.String(64)
TIME = sa.DateTime(timezone=True)

# Every column of the canonical report frame, in its order: (name, type, nullable).
REPORT_COLUMNS: tuple[tuple[str, Any, bool], ...] = (
    ("source_id", sa.Text, False),
    ("source_record_id", sa.Text, True),
    ("event_ref", sa.Text, True),
    ("reliability", sa.Text, True),
    ("credibility", sa.SmallInteger, True),
    ("observed_at", TIME, False),
    ("observed_until", TIME, True),
    ("time_precision", sa.SmallInteger, False),
    ("lat", sa.Double, True),
    ("lon", sa.Double, True),
    ("place_precision", sa.SmallInteger, True),
    ("place_name", sa.Text, True),
    ("admin1", sa.Text, True),
    ("admin2", sa.Text, True),
    ("geonames_id", sa.BigInteger, True),
    ("type", sa.Text, False),
    ("type_original", sa.Text, True),
    ("weapon", sa.Text, True),
    ("weapon_original", sa.Text, True),
    ("calibre_mm", sa.Double, True),
    ("severity", sa.SmallInteger, True),
    ("deaths", sa.Integer, True),
    ("injured", sa.Integer, True),
    ("claimed_actor", sa.Text, True),
    ("target", sa.Text, True),
    ("text", sa.Text, True),
    ("urls", sa.Text, True),
    ("outlet", sa.Text, True),
    ("releasability", sa.Text, True),
    ("raw", sa.Text, False),
    ("row_number", sa.BigInteger, True),
)
REPORT_INDEXES = ("observed_at", "admin1", "type", "source_id", "event_ref")


def _count(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.BigInteger, nullable=False)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("reliability", sa.String(1), nullable=False),
        sa.Column("organisation", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
    )
    op.create_table(
        "import_batches",
        sa.Column("batch_id", BATCH_ID, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.CHAR(64), nullable=False),
        sa.Column("file_bytes", sa.BigInteger, nullable=False),
        sa.Column("format", sa.String(40), nullable=False),
        sa.Column("source_id", sa.Text, nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        *[_count(n) for n in ("read", "accepted", "rejected", "duplicate", "warnings")],
        sa.PrimaryKeyConstraint("batch_id", name="pk_import_batches"),
        sa.CheckConstraint(
            "status IN ('running', 'complete', 'abandoned')",
            name="ck_import_batches_status_known",
        ),
    )
    op.create_index("ix_import_batches_status", "import_batches", ["status"])
    op.create_table(
        "reports",
        sa.Column("report_key", sa.Text, nullable=False),
        sa.Column("batch_id", BATCH_ID, nullable=False),
        *[sa.Column(name, kind, nullable=nullable) for name, kind, nullable in REPORT_COLUMNS],
        sa.PrimaryKeyConstraint("report_key", name="pk_reports"),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.batch_id"], name="fk_reports_import_batches"
        ),
    )
    for column in REPORT_INDEXES:
        op.create_index(f"ix_reports_{column}", "reports", [column])
    op.create_table(
        "intake_issues",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("batch_id", BATCH_ID, nullable=False),
        sa.Column("row_number", sa.BigInteger, nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("field", sa.Text, nullable=False),
        *[sa.Column(n, sa.Text, nullable=True) for n in ("value", "expected", "fix", "raw")],
        sa.PrimaryKeyConstraint("id", name="pk_intake_issues"),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.batch_id"], name="fk_intake_issues_import_batches"
        ),
        sa.CheckConstraint("kind IN ('rejected', 'warning')", name="ck_intake_issues_kind_known"),
    )
    op.create_index(
        "ix_intake_issues_batch_id_row_number", "intake_issues", ["batch_id", "row_number"]
    )


def downgrade() -> None:
    op.drop_table("intake_issues")
    op.drop_table("reports")
    op.drop_table("import_batches")
    op.drop_table("sources")
