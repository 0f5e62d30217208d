"""The SQL tables of intake: sources, import batches, reports and the issues of each batch.

They live on the same :data:`~guarantor.storage.tables.metadata` as the agreement tables, so
that one schema comparison covers both (``guarantor.storage`` imports this module). Migration
``0002_reports`` creates exactly these tables; a test compares the two.

``reports`` holds the canonical report frame (:data:`~guarantor.evidence.reports.REPORT_SCHEMA`)
column for column, keyed by ``report_key`` (the same input record always gets the same key,
which makes re-imports idempotent), plus the ``batch_id`` of the import that first stored it.
Types are portable: text as ``TEXT``, Int8 as ``SMALLINT``, Float64 as ``DOUBLE``, times as
:class:`~guarantor.storage.tables.UtcDateTime` (UTC; on SQLite the text form SQLAlchemy uses,
``2015-02-15 06:30:00.000000``, which sorts in time order).

An import batch is ``running`` while its one transaction is open, then ``complete``; a batch
that failed, or whose process was killed, is ``abandoned`` (the next import marks it so), and
none of its reports or issues were kept. ``intake_issues`` keeps, per batch, every rejected
record (``kind`` ``rejected``) and every warning (``kind`` ``warning``) with the field, the
value, what was expected, the fix and the raw record.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from guarantor.storage.tables import UtcDateTime, metadata

__all__ = [
    "BATCH_STATUSES",
    "ISSUE_KINDS",
    "REPORT_COLUMN_TYPES",
    "import_batches",
    "intake_issues",
    "intake_tables",
    "reports",
    "sources",
]

BATCH_STATUSES = ("running", "complete", "abandoned")
ISSUE_KINDS = ("rejected", "warning")

# SQL type of every column of REPORT_SCHEMA, in its order (a test checks the two agree).
REPORT_COLUMN_TYPES: dict[str, Any] = {
    "report_key": sa.Text,
    "source_id": sa.Text,
    "source_record_id": sa.Text,
    "event_ref": sa.Text,
    "reliability": sa.Text,
    "credibility": sa.SmallInteger,
    "observed_at": UtcDateTime,
    "observed_until": UtcDateTime,
    "time_precision": sa.SmallInteger,
    "lat": sa.Double,
    "lon": sa.Double,
    "place_precision": sa.SmallInteger,
    "place_name": sa.Text,
    "admin1": sa.Text,
    "admin2": sa.Text,
    "geonames_id": sa.BigInteger,
    "type": sa.Text,
    "type_original": sa.Text,
    "weapon": sa.Text,
    "weapon_original": sa.Text,
    "calibre_mm": sa.Double,
    "severity": sa.SmallInteger,
    "deaths": sa.Integer,
    "injured": sa.Integer,
    "claimed_actor": sa.Text,
    "target": sa.Text,
    "text": sa.Text,
    "urls": sa.Text,
    "outlet": sa.Text,
    "releasability": sa.Text,
    "raw": sa.Text,
    "row_number": sa.BigInteger,
}
_REQUIRED = {"report_key", "source_id", "observed_at", "time_precision", "type", "raw"}
BATCH_ID_LENGTH = 64


def _in(column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"{column}_known")


sources = sa.Table(
    "sources",
    metadata,
    sa.Column("id", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("reliability", sa.String(1), nullable=False),
    sa.Column("organisation", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("id"),
)

import_batches = sa.Table(
    "import_batches",
    metadata,
    sa.Column("batch_id", sa.String(BATCH_ID_LENGTH), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("file_sha256", sa.CHAR(64), nullable=False),
    sa.Column("file_bytes", sa.BigInteger, nullable=False),
    sa.Column("format", sa.String(40), nullable=False),
    sa.Column("source_id", sa.Text, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("read", sa.BigInteger, nullable=False),
    sa.Column("accepted", sa.BigInteger, nullable=False),
    sa.Column("rejected", sa.BigInteger, nullable=False),
    sa.Column("duplicate", sa.BigInteger, nullable=False),
    sa.Column("warnings", sa.BigInteger, nullable=False),
    sa.PrimaryKeyConstraint("batch_id"),
    _in("status", BATCH_STATUSES),
)
sa.Index(None, import_batches.c.status)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("report_key", sa.Text, nullable=False),
    sa.Column("batch_id", sa.String(BATCH_ID_LENGTH), nullable=False),
    *[
        sa.Column(name, kind, nullable=name not in _REQUIRED)
        for name, kind in REPORT_COLUMN_TYPES.items()
        if name != "report_key"
    ],
    sa.PrimaryKeyConstraint("report_key"),
    sa.ForeignKeyConstraint(["batch_id"], ["import_batches.batch_id"]),
)
for _name in ("observed_at", "admin1", "type", "source_id", "event_ref"):
    sa.Index(None, reports.c[_name])

intake_issues = sa.Table(
    "intake_issues",
    metadata,
    sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
    sa.Column("batch_id", sa.String(BATCH_ID_LENGTH), nullable=False),
    sa.Column("row_number", sa.BigInteger, nullable=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("field", sa.Text, nullable=False),
    sa.Column("value", sa.Text, nullable=True),
    sa.Column("expected", sa.Text, nullable=True),
    sa.Column("fix", sa.Text, nullable=True),
    sa.Column("raw", sa.Text, nullable=True),
    sa.PrimaryKeyConstraint("id"),
    sa.ForeignKeyConstraint(["batch_id"], ["import_batches.batch_id"]),
    _in("kind", ISSUE_KINDS),
)
sa.Index(None, intake_issues.c.batch_id, intake_issues.c.row_number)

intake_tables: tuple[sa.Table, ...] = (sources, import_batches, reports, intake_issues)
"""The tables of intake, in the order they can be created."""
