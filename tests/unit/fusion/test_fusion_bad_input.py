from collections.abc import Callable
from datetime import timedelta
from typing import Any

import polars as pl
from fusion_reports import DAY

from guarantor.evidence.fusion import fuse


def incident_of(result: Any) -> dict[str, str]:
    return dict(result.membership.select("report_key", "incident_id").rows())


def test_reports_without_a_place_or_a_time_stand_alone_without_crashing(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    reports = frame(
        [
            report("a", text="Shelling hits Donetsk airport"),
            report("b", lat=None, lon=None, text="Shelling hits Donetsk airport"),
            report(
                "c", observed_at=None, observed_until=None, text="Shelling hits Donetsk airport"
            ),
            report("d", lat=0.0, lon=0.0, text="Shelling hits Donetsk airport"),
        ]
    )
    result = fuse(reports)
    assert result.incidents.height == 4
    assert result.membership.height == 4


def test_contradictory_precision_does_not_merge_unrelated_events(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    reports = frame(
        [
            report("a", text="Shelling hits Donetsk airport"),
            report("b", lat=48.5, lon=38.5, text="Clashes near Horlivka"),
            # "exact" day, yet a span of a year; place precision 9, not a code.
            report(
                "c",
                time_precision=1,
                observed_until=DAY + timedelta(days=365),
                text="Shelling hits Donetsk airport",
            ),
            report("d", place_precision=9, lat=48.3, lon=38.2, text="Shells"),
            report("e", place_precision=1, observed_until=DAY - timedelta(days=3)),
        ]
    )
    result = fuse(reports)
    incident = incident_of(result)
    assert incident["a"] != incident["b"]
    assert len({incident[k] for k in "abcd"}) >= 3


def test_a_single_source_repeated_a_thousand_times_is_one_source_and_merges_nothing_else(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    repeated = [
        report(f"x{i:04d}", outlet="Spam Wire", text="Massive shelling of Donetsk reported")
        for i in range(1000)
    ]
    elsewhere = [
        report(
            f"y{i:04d}",
            outlet="Spam Wire",
            text="Massive shelling of Donetsk reported",
            lat=48.0733 + 0.2 * (i % 5),
            observed_at=DAY + timedelta(days=3 * (i // 5)),
        )
        for i in range(100)
    ]
    others = [
        report("other-1", lat=48.6, lon=38.0, text="Clashes near Horlivka"),
        report("other-2", type="armed_clash", text="Firefight at the airport"),
    ]
    result = fuse(frame(repeated + elsewhere + others))
    incident = incident_of(result)
    assert len({incident[r["report_key"]] for r in repeated}) == 1
    assert incident["other-1"] != incident["x0000"] != incident["other-2"]
    assert len({incident[r["report_key"]] for r in elsewhere}) >= 90
    big = result.incidents.filter(pl.col("reports") >= 1000).row(0, named=True)
    assert (big["sources"], big["status"]) == (1, "unverified")
