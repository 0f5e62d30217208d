"""Desk indexes: keyset pages and the counts cube read incidents through indexes.

Revision ID: 0006_desk_indexes
Revises: 0005_obligation_status
Create Date: 2026-11-23

The plain index on ``incidents.time`` gives way to ``(time, incident_id)``, which serves the
newest-first keyset pages without a sort, and a covering index ``(time, oblast, type, status,
releasability)`` from which the desk rebuilds its counts per day, oblast, type, status and
marking without reading the table.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_desk_indexes"
down_revision: str | Sequence[str] | None = "0005_obligation_status"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTS = ["time", "oblast", "type", "status", "releasability"]


def upgrade() -> None:
    op.drop_index("ix_incidents_time", table_name="incidents")
    op.create_index("ix_incidents_time_incident_id", "incidents", ["time", "incident_id"])
    op.create_index("ix_incidents_time_oblast_type_status_releasability", "incidents", _COUNTS)


def downgrade() -> None:
    op.drop_index("ix_incidents_time_oblast_type_status_releasability", table_name="incidents")
    op.drop_index("ix_incidents_time_incident_id", table_name="incidents")
    op.create_index("ix_incidents_time", "incidents", ["time"])
