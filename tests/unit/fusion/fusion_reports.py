"""Report frames for fusion tests: one builder that tests change one field in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from guarantor.evidence.reports import REPORT_SCHEMA

DAY = datetime(2015, 2, 16, tzinfo=UTC)
Report = dict[str, Any]


def make_report(key: str, **fields: Any) -> Report:
    """An exact report of shelling at Donetsk airport on 16 February 2015, with ``fields``."""
    row: Report = dict.fromkeys(REPORT_SCHEMA)
    row.update(
        report_key=key,
        source_id="media",
        observed_at=DAY,
        observed_until=DAY + timedelta(days=1) - timedelta(microseconds=1),
        time_precision=1,
        lat=48.0733,
        lon=37.7397,
        place_precision=1,
        type="shelling",
        outlet=f"Outlet {key}",
        text=None,
        raw="{}",
    )
    row.update(fields)
    return row


def make_frame(rows: Iterable[Report]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=dict(REPORT_SCHEMA))
