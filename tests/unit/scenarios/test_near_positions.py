"""The near block: incidents within a radius of a party's deployed position held at their time.

Both targets are run on every case (``run_both`` checks batch equals stream) and the
explanation must name the position and its distance, checked against a haversine written
here."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
from engine_factories import (
    directive,
    engine_version,
    incident,
    pairs,
    position,
    rule,
    run_both,
    window_rule,
)

from guarantor.agreement.model import Near, Party
from guarantor.scenarios.errors import RuleCompileError
from guarantor.scenarios.program import compile_version

WEST = position("p-west", "ua", 37.6, 47.6, (0.0, 20.0))
EAST = position("p-east", "ua", 38.0, 48.1, (10.0, None))


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (x1, y1), (x2, y2) = (tuple(math.radians(v) for v in p) for p in (a, b))
    h = math.sin((y2 - y1) / 2) ** 2 + math.cos(y1) * math.cos(y2) * math.sin((x2 - x1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_a_violation_near_a_held_position_names_it_and_its_distance() -> None:
    version = engine_version(
        rule("by-post", 'type == "clash"', near=Near("ua", 30.0)), positions=(WEST, EAST)
    )
    records = [
        incident("near-west", 2, type="clash", lon=37.7, lat=47.65),  # only WEST held
        incident("near-both", 12, type="clash", lon=37.9, lat=48.0),  # EAST is nearer
        incident("far", 13, type="clash", lon=36.0, lat=46.0),
        incident("no-place", 14, type="clash"),
        incident("other-type", 15, type="shelling", lon=37.7, lat=47.65),
        incident("west-gone", 25, type="clash", lon=37.6, lat=47.6),  # WEST left at 20 h
    ]
    results = run_both(version, records)
    assert pairs(results, "violations") == [("by-post", "near-west"), ("by-post", "near-both")]
    documents = {
        row["incident_id"]: json.loads(row["explanation"])
        for row in results.violations.iter_rows(named=True)
    }
    first, second = documents["near-west"]["near"], documents["near-both"]["near"]
    assert (first["party"], first["within_km"], first["position"]) == ("ua", 30.0, "p-west")
    assert first["label"] == "Post p-west"
    assert first["distance_km"] == pytest.approx(_km((37.7, 47.65), (37.6, 47.6)), abs=1e-3)
    assert second["position"] == "p-east"
    assert second["distance_km"] == pytest.approx(_km((37.9, 48.0), (38.0, 48.1)), abs=1e-3)


def test_a_windowed_scenario_with_near_counts_only_incidents_near_a_position() -> None:
    version = engine_version(
        window_rule("post-surge", "true", threshold=1, group_by=(), near=Near("ua", 30.0)),
        directives=(directive("post-surge", "osce", hours=6),),
        positions=(EAST,),
    )
    records = [
        incident("a", 11, lon=38.0, lat=48.05),
        incident("far", 11.5, lon=36.0, lat=46.0),
        incident("b", 12, lon=38.1, lat=48.1),
    ]
    results = run_both(version, records)
    assert pairs(results) == [("post-surge", "b")]
    (row,) = results.activations.iter_rows(named=True)
    assert row["contributing"] == ["a", "b"]
    document = json.loads(row["explanation"])
    assert document["near"]["position"] == "p-east"
    assert document["near"]["distance_km"] == pytest.approx(
        _km((38.1, 48.1), (38.0, 48.1)), abs=1e-3
    )
    (obligation,) = results.obligations.iter_rows(named=True)
    assert json.loads(obligation["explanation"])["activation"]["near"] == document["near"]


def test_a_group_party_is_near_the_positions_of_its_members() -> None:
    version = engine_version(
        rule("by-post", "true", kind="scenario", near=Near("osce", 10.0)), positions=(WEST,)
    )
    members = (
        Party("ua", "Ukraine", "state"),
        Party("osce", "OSCE", "organisation", members=("ua",)),
    )
    grouped = replace(version, parties=members)
    results = run_both(grouped, [incident("x", 1, lon=37.61, lat=47.61)])
    assert pairs(results) == [("by-post", "x")]
    assert json.loads(results.activations["explanation"][0])["near"]["party"] == "osce"


@pytest.mark.parametrize(
    ("near", "positions", "message"),
    [
        (Near("xx", 10.0), (WEST,), "near party 'xx', which the version does not define"),
        (Near("osce", 10.0), (WEST,), "has no deployed positions"),
        (Near("ua", -1.0), (WEST,), "negative radius"),
        (Near("ua", 10.0), (), "expected a party with positions: none"),
    ],
)
def test_a_near_block_the_engine_cannot_run_is_refused_with_the_fix(
    near: Near, positions: tuple[object, ...], message: str
) -> None:
    version = engine_version(rule("by-post", "true", near=near), positions=positions)  # type: ignore[arg-type]
    with pytest.raises(RuleCompileError, match="fix:") as caught:
        compile_version(version)
    assert message in str(caught.value)
    assert "rule 'by-post'" in str(caught.value)


def test_the_near_rule_is_judged_at_the_incident_time_not_now() -> None:
    version = engine_version(rule("by-post", "true", near=Near("ua", 5.0)), positions=(WEST, EAST))
    before, during, after = (
        incident(n, h, lon=37.6, lat=47.6)
        for n, h in (("before", -1), ("during", 5), ("after", 20))
    )
    results = run_both(version, [before, during, after])
    assert pairs(results, "violations") == [("by-post", "during")]
