"""Which import batch holds each stored report, and its marking: the
:class:`~guarantor.services.intake_records.HeldReports` port.

After an import, a record whose report key is held by another batch was a duplicate of a
report stored before; the desk needs to know whether that report is released to the party
that sent the record (see :func:`guarantor.services.intake_records.as_seen_by`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from guarantor.storage.report_tables import reports

__all__ = ["SqlReportHolders"]

_KEYS_PER_QUERY = 5_000  # bound parameters per statement stay far below SQLite's limit


class SqlReportHolders:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def holders(self, report_keys: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """Report key -> (batch id, releasability), for the stored keys among ``report_keys``."""
        keys = sorted(set(report_keys))
        found: dict[str, tuple[str, str | None]] = {}
        columns = (reports.c.report_key, reports.c.batch_id, reports.c.releasability)
        with self._engine.connect() as connection:
            for start in range(0, len(keys), _KEYS_PER_QUERY):
                part = keys[start : start + _KEYS_PER_QUERY]
                query = sa.select(*columns).where(reports.c.report_key.in_(part))
                for key, batch_id, marking in connection.execute(query):
                    found[str(key)] = (str(batch_id), marking)
        return found
