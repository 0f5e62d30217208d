from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from guarantor.evidence.fusion import (
    Confirm,
    Merge,
    NotSame,
    Reject,
    Split,
    decision_from_dict,
    decision_to_dict,
    fuse,
)

T1, T2 = datetime(2015, 3, 1, tzinfo=UTC), datetime(2015, 3, 2, tzinfo=UTC)


def groups(result: Any) -> set[frozenset[str]]:
    members = result.membership.group_by("incident_id").agg(pl.col("report_key"))
    return {frozenset(keys) for keys in members["report_key"].to_list()}


@pytest.fixture
def three(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> pl.DataFrame:
    """a and b: one event; c: elsewhere."""
    return frame(
        [
            report("a", text="Shelling hits Donetsk airport"),
            report("b", text="Donetsk airport shelled"),
            report("c", lat=48.6, lon=38.0, text="Clashes near Horlivka"),
        ]
    )


def test_a_merge_joins_reports_that_evidence_keeps_apart(three: pl.DataFrame) -> None:
    result = fuse(three, [Merge(("a", "c"), who="ana", when=T1)])
    assert groups(result) == {frozenset("abc")}
    assert "analyst_merge" in result.pairs["rule"].to_list()


def test_not_the_same_event_parts_reports_and_survives_a_rerun(three: pl.DataFrame) -> None:
    decisions = [NotSame("a", "b", who="ana", when=T1, reason="two strikes")]
    assert groups(fuse(three, decisions)) == {frozenset("a"), frozenset("b"), frozenset("c")}
    assert groups(fuse(three, decisions)) == groups(fuse(three, decisions))


def test_a_split_keeps_each_group_together_and_the_groups_apart(three: pl.DataFrame) -> None:
    result = fuse(three, [Split((("a", "c"), ("b",)), who="ana", when=T1)])
    assert groups(result) == {frozenset("ac"), frozenset("b")}


def test_the_later_of_a_merge_and_a_not_same_on_one_pair_wins(three: pl.DataFrame) -> None:
    merge, apart = Merge(("a", "b"), who="ana", when=T1), NotSame("a", "b", who="bo", when=T2)
    assert frozenset("ab") not in groups(fuse(three, [merge, apart]))
    later = Merge(("a", "b"), who="ana", when=T2)
    assert frozenset("ab") in groups(fuse(three, [NotSame("a", "b", who="bo", when=T1), later]))


def test_confirm_and_reject_set_the_status_and_the_latest_wins(three: pl.DataFrame) -> None:
    result = fuse(three, [Confirm("b", who="ana", when=T1), Reject("a", who="bo", when=T2)])
    statuses = result.membership.join(result.incidents, on="incident_id")
    status = dict(statuses.select("report_key", "status").rows())
    assert status["a"] == status["b"] == "rejected"
    assert status["c"] == "unverified"


def test_a_merge_against_a_cannot_link_is_reported_as_a_conflict(three: pl.DataFrame) -> None:
    decisions = [
        NotSame("a", "c", who="bo", when=T1),
        Merge(("a", "b"), who="ana", when=T1),
        Merge(("b", "c"), who="ana", when=T2),
    ]
    result = fuse(three, decisions)
    conflicts = result.pairs.filter(pl.col("status") == "conflict")
    assert conflicts.select("first", "second").rows() == [("a", "b")]
    assert not any({"a", "c"} <= g for g in groups(result))


def test_decisions_round_trip_through_their_stored_form() -> None:
    decisions = [
        Merge(("a", "b"), who="ana", when=T1, reason="same strike"),
        Split((("a",), ("b", "c")), who="ana", when=T1),
        NotSame("a", "b", who="bo", when=T2),
        Confirm("a", who="bo", when=T2),
        Reject("c", who="bo", when=T2),
    ]
    assert [decision_from_dict(decision_to_dict(d)) for d in decisions] == decisions


def test_an_unknown_stored_decision_kind_is_refused_with_the_expected_forms() -> None:
    with pytest.raises(ValueError, match="expected one of merge"):
        decision_from_dict({"kind": "maybe", "who": "x", "when": T1.isoformat()})
