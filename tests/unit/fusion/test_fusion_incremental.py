from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
from fusion_reports import make_frame, make_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from guarantor.evidence.fusion import Decision, Merge, NotSame, fuse, fuse_incremental

WORDS = ["shelling", "airport", "donetsk", "avdiivka", "strike", "killed", "two", "mine"]
OUTLETS = ["Reuters News", "Reuters Pictures", "Agence France Presse", "MemoryBook", "Unian"]
WHEN = datetime(2015, 3, 1, tzinfo=UTC)


@st.composite
def reports(draw: st.DrawFn, key: str) -> dict[str, Any]:
    day = datetime(2015, 2, 16, tzinfo=UTC) + timedelta(days=draw(st.integers(0, 2)))
    timing = draw(st.sampled_from(["day", "instant", "week"]))
    start = day + timedelta(hours=draw(st.integers(0, 23))) if timing == "instant" else day
    until = {"day": day + timedelta(days=1, microseconds=-1), "instant": start}
    return make_report(
        key,
        lat=48.0 + draw(st.integers(0, 8)) * 0.01,
        lon=37.7 + draw(st.integers(0, 8)) * 0.01,
        place_precision=draw(st.sampled_from([1, 1, 2, 4])),
        observed_at=start,
        observed_until=until.get(timing, day + timedelta(days=7)),
        type=draw(st.sampled_from(["shelling", "shelling", "armed_clash", None])),
        outlet=draw(st.sampled_from(OUTLETS)),
        text=" ".join(draw(st.lists(st.sampled_from(WORDS), min_size=0, max_size=6))) or None,
        urls=draw(st.sampled_from([None, None, "https://a.example/1", "https://a.example/2"])),
        deaths=draw(st.sampled_from([None, 1, 2, 3])),
        claimed_actor=draw(st.sampled_from([None, None, "army", "rebels"])),
    )


@st.composite
def scenario(draw: st.DrawFn) -> tuple[list[dict[str, Any]], int, list[Decision], int]:
    size = draw(st.integers(2, 18))
    rows = [draw(reports(f"k{i:02d}")) for i in range(size)]
    order = draw(st.permutations(range(size)))
    rows = [rows[i] for i in order]
    split = draw(st.integers(1, size - 1))
    keys = st.sampled_from([r["report_key"] for r in rows])
    decisions: list[Decision] = []
    if draw(st.booleans()):
        decisions.append(NotSame(draw(keys), draw(keys), who="ana", when=WHEN))
    if draw(st.booleans()):
        decisions.append(Merge((draw(keys), draw(keys)), who="bo", when=WHEN))
    kept = draw(st.integers(0, len(decisions)))
    return rows, split, decisions, kept


def assert_same(first: Any, second: Any) -> None:
    assert_frame_equal(first.incidents, second.incidents)
    assert_frame_equal(first.membership, second.membership)
    assert_frame_equal(first.pairs, second.pairs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_fusing_new_reports_incrementally_equals_fusing_everything_from_scratch(
    case: tuple[list[dict[str, Any]], int, list[Decision], int],
) -> None:
    rows, split, decisions, kept = case
    everything = make_frame(rows)
    before = fuse(make_frame(rows[:split]), decisions[:kept])
    after = fuse_incremental(before, make_frame(rows[split:]), everything, decisions)
    assert_same(after, fuse(everything, decisions))


def test_an_incident_keeps_its_id_when_a_report_joins_it() -> None:
    first = [make_report("a", text="Shelling hits Donetsk airport")]
    later = make_report("b", text="Donetsk airport shelled")
    before = fuse(make_frame(first))
    after = fuse_incremental(before, make_frame([later]), make_frame([*first, later]))
    assert before.incidents["incident_id"].to_list() == after.incidents["incident_id"].to_list()
    assert after.incidents["reports"].to_list() == [2]
    assert isinstance(after.incidents, pl.DataFrame)
