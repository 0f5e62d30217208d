"""Shared claims, tolls and actors, and the records of a casualty register."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import polars as pl
from fusion_reports import DAY

from guarantor.evidence.fusion import fuse

WEEK = {
    "observed_at": DAY,
    "observed_until": DAY + timedelta(days=7, microseconds=-1),
    "time_precision": 3,
    "place_precision": 4,
    "lat": 48.0,
    "lon": 37.8,
}


def incident_sizes(result: Any) -> list[int]:
    return sorted(result.incidents["reports"].to_list())


def rules(result: Any) -> list[str]:
    return sorted(result.pairs["rule"].to_list())


def test_coarse_reports_stating_the_same_claim_are_one_incident(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    # Province and week only, headlines that share nothing: the shared claim joins them.
    reports = frame(
        [
            report("a", deaths=4, text="Four soldiers die as fighting flares", **WEEK),
            report("b", deaths=4, outlet="AFP", text="Kyiv blames rebels for attack", **WEEK),
        ]
    )
    result = fuse(reports)
    assert incident_sizes(result) == [2]
    assert rules(result) == ["same_claim"]


def test_the_same_claim_with_other_tolls_or_actors_is_not_one_event(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    reports = frame(
        [
            report("a", deaths=4, claimed_actor="army; rebels", **WEEK),
            report("b", deaths=1, claimed_actor="army; rebels", **WEEK),
            report("c", deaths=4, claimed_actor="army; militia", **WEEK),
        ]
    )
    result = fuse(reports)
    assert incident_sizes(result) == [1, 1, 1]


def test_a_small_toll_difference_still_links_a_large_one_does_not(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    text = "Shelling hits Donetsk airport"
    near = frame([report("a", deaths=2, text=text), report("b", deaths=3, lat=48.074, text=text)])
    far = frame([report("a", deaths=1, text=text), report("b", deaths=8, lat=48.074, text=text)])
    assert incident_sizes(fuse(near)) == [2]
    assert incident_sizes(fuse(far)) == [1, 1]


def test_an_incident_holds_as_many_register_records_as_its_toll(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    # MemoryBook is a register (one record per soldier): six records of one claim with a
    # toll of 3 are two events of three; three with a toll of 1 are three events.
    rows = [report(f"t{i}", outlet="MemoryBook", deaths=3, text="Donetsk") for i in range(6)]
    rows += [
        report(f"o{i}", outlet="MemoryBook", deaths=1, lat=48.3, text="Avdiivka") for i in range(3)
    ]
    result = fuse(frame(rows))
    assert incident_sizes(result) == [1, 1, 1, 3, 3]
    refused = result.pairs.filter(pl.col("status") == "cut")
    assert refused.height > 0


def test_a_news_report_joins_one_register_record_of_its_claim(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    rows = [report(f"r{i}", outlet="MemoryBook", deaths=1, text="Donetsk") for i in range(3)]
    rows.append(report("news", deaths=1, text="One soldier killed near Donetsk"))
    result = fuse(frame(rows))
    assert incident_sizes(result) == [1, 1, 2]
    sources = result.incidents.filter(pl.col("reports") == 2)["sources"].to_list()
    assert sources == [2]


def test_a_busy_province_day_does_not_join_reports_by_their_shared_claim(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    # Five different tolls stated at one province and week: two reports that agree on a
    # toll there agree by chance, and stay apart; in a quiet claim they would join.
    busy = [report(f"b{toll}", deaths=toll, **WEEK) for toll in (1, 2, 3, 5, 8)]
    busy.append(report("b1-again", deaths=1, outlet="AFP", **WEEK))
    assert incident_sizes(fuse(frame(busy))) == [1, 1, 1, 1, 1, 1]
    quiet = [report("q1", deaths=1, **WEEK), report("q1-again", deaths=1, outlet="AFP", **WEEK)]
    assert incident_sizes(fuse(frame(quiet))) == [2]
