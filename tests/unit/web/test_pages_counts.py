"""The counts table under the dashboard's timeline: per day, or per month over long spans."""

from __future__ import annotations

from guarantor.services.desk_views import DayCount
from guarantor.web.pages import DAYS_BEFORE_MONTHS, count_rows


def test_a_short_span_is_tabled_by_day_as_it_is() -> None:
    days = (DayCount("2026-03-10", 3, 1), DayCount("2026-03-12", 1, 0))
    assert count_rows(days) == ("Day (UTC)", list(days))


def test_a_long_span_is_summed_by_month() -> None:
    days = tuple(
        DayCount(f"20{15 + i // 300}-{1 + (i // 25) % 12:02d}-{1 + i % 25:02d}", 2, i % 2)
        for i in range(DAYS_BEFORE_MONTHS + 1)
    )
    period, rows = count_rows(days)
    assert period == "Month (UTC)"
    assert sum(r.incidents for r in rows) == 2 * len(days)
    assert sum(r.violations for r in rows) == sum(d.violations for d in days)
    assert [r.day for r in rows] == sorted({d.day[:7] for d in days})
    assert rows[0] == DayCount("2015-01", 50, 12)
