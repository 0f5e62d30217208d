"""Batch jobs read whole tables without the read time limit meant for the desk.

Fusion reads every report and evaluation every incident; on a million reports that takes
longer than ``read_timeout_ms`` (5 s by default), which once stopped ``guarantor fuse``.
Whole-table reads run with :data:`~guarantor.storage.engine.BULK_READ_OPTIONS`; every other
read keeps the engine's limit.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from guarantor.storage import SqlReportStore
from guarantor.storage.engine import READ_TIMEOUT_OPTION
from guarantor.storage.incident_store import SqlIncidentStore


def _limits_of_selects(engine: Engine, work: Any) -> list[int]:
    """The read time limit in force for each SELECT that ``work()`` runs on ``engine``."""
    seen: list[int] = []

    def record(conn: sa.Connection, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(int(conn.get_execution_options().get(READ_TIMEOUT_OPTION, -1)))

    event.listen(engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_whole_table_reads_of_fusion_and_evaluation_have_no_time_limit(
    migrated_engine: Engine,
) -> None:
    reports = SqlReportStore(migrated_engine)
    incidents = SqlIncidentStore(migrated_engine)

    def whole_tables() -> None:
        reports.reports_frame()
        incidents.incidents_frame()
        incidents.violations_frame("minsk-2015")

    limits = _limits_of_selects(migrated_engine, whole_tables)
    assert len(limits) == 3
    assert limits == [0, 0, 0]


def test_other_reads_keep_the_engine_time_limit(migrated_engine: Engine) -> None:
    engine_limit = migrated_engine.get_execution_options()[READ_TIMEOUT_OPTION]
    assert engine_limit > 0
    limits = _limits_of_selects(migrated_engine, SqlReportStore(migrated_engine).count_reports)
    assert limits == [engine_limit]
