"""The desk's reads in SQL: :class:`SqlDeskReader`, the
:class:`~guarantor.services.desk_ports.DeskReader` of SQLite and PostgreSQL.

Everything is filtered, counted and paginated in SQL: releasability as
``releasability IN (...)`` of the markings the service released (plus ``IS NULL``, which is
PUBLIC), lists by keyset on (time, id) newest first (no OFFSET), counts per day and oblast
with ``GROUP BY``. Only the few rows of a page, a detail or a group are turned into objects.

The reads are in three modules by what they answer: lists (:mod:`.desk_lists`), counts and
the dashboard (:mod:`.desk_counts`), details (:mod:`.desk_details`); what they share (the
conditions, the connection, the data version, the zone) is in :mod:`.desk_sql`.
"""

from __future__ import annotations

from guarantor.storage.desk_counts import DeskCounts
from guarantor.storage.desk_details import DeskDetails
from guarantor.storage.desk_lists import DeskLists

__all__ = ["SqlDeskReader"]


class SqlDeskReader(DeskLists, DeskCounts, DeskDetails):
    """The desk's read queries over the incident, report and result tables. Counts, first
    pages and markers come from the data version the reader first sees (one check per
    reader): make one reader per request."""
