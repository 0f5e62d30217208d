"""The SQL table of obligation status: one row per update (acknowledged, done, waived).

On the same :data:`~guarantor.storage.tables.metadata` as the other tables (``guarantor.storage``
imports this module); migration ``0005_obligation_status`` creates exactly this table.

``obligation_updates`` is append-only: the current status of an obligation is the ``status`` of
its latest row (highest ``seq``), or ``open`` when it has none. Rows are never rewritten, and each
one has its audit entry, written in the same transaction. They are keyed by the obligation id
alone (not by the evaluation run), so a status survives a re-evaluation that produces the same
obligation id again.
"""

from __future__ import annotations

import sqlalchemy as sa

from guarantor.storage.tables import UtcDateTime, metadata

__all__ = ["obligation_tables", "obligation_updates"]

obligation_updates = sa.Table(
    "obligation_updates",
    metadata,
    sa.Column("seq", sa.Integer, nullable=False, autoincrement=True),
    sa.Column("obligation_id", sa.Text, nullable=False),
    sa.Column("agreement_id", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # acknowledged | done | waived
    sa.Column("reason", sa.Text, nullable=True),  # required for waived
    sa.Column("by_user", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint("seq"),
)
sa.Index(None, obligation_updates.c.obligation_id, obligation_updates.c.seq)

obligation_tables: tuple[sa.Table, ...] = (obligation_updates,)
"""The tables of obligation status, in the order they can be created."""
