import json
from collections.abc import Callable
from typing import Any

import polars as pl

from guarantor.evidence.fusion import fuse
from guarantor.evidence.incidents import INCIDENT_SCHEMA, MEMBERSHIP_SCHEMA


def test_incidents_and_membership_have_the_shared_schemas(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    result = fuse(frame([report("a"), report("b", lat=48.5)]))
    assert result.incidents.schema == pl.Schema(INCIDENT_SCHEMA)
    assert result.membership.schema == pl.Schema(MEMBERSHIP_SCHEMA)


def test_every_merge_is_explained_with_its_rule_and_distances(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    reports = frame(
        [
            report("a", text="Shelling hits Donetsk airport, two killed"),
            report("b", lat=48.0833, outlet="AFP", text="Two killed as shells hit Donetsk airport"),
        ]
    )
    membership = fuse(reports).membership.sort("report_key")
    seed, joined = membership.row(0, named=True), membership.row(1, named=True)
    assert (seed["joined_by"], json.loads(seed["evidence"])) == (None, {"rule": "seed"})
    evidence = json.loads(joined["evidence"])
    assert joined["joined_by"] == "a"
    assert evidence["rule"] == "place_time"
    assert 1.0 < evidence["distance_km"] < 1.2
    assert evidence["hours"] == 0.0
    assert evidence["text_similarity"] > 60
    assert seed["incident_id"] == joined["incident_id"]


def test_the_most_precise_report_gives_the_place_and_disagreements_are_kept(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    reports = frame(
        [
            report("a", deaths=2, claimed_actor="x", text="Shelling hits Donetsk airport"),
            report(
                "b",
                place_precision=2,
                lat=48.074,
                deaths=3,
                claimed_actor="x",
                place_name="Donetsk",
                text="Donetsk airport shelled, three killed",
            ),
        ]
    )
    incident = fuse(reports).incidents.row(0, named=True)
    assert (incident["lat"], incident["place_precision"], incident["deaths"]) == (48.0733, 1, 3)
    disagreements = json.loads(incident["disagreements"])
    deaths = [d for d in disagreements if d["attribute"] == "deaths"]
    assert {d["value"]: d["reports"] for d in deaths} == {"2": ["a"], "3": ["b"]}


def test_incident_ids_follow_the_smallest_member_and_survive_reruns(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    reports = frame([report("b", text="Donetsk airport shelled"), report("a", text="Shelling")])
    first, again = fuse(reports), fuse(reports.reverse())
    assert first.incidents["incident_id"].to_list() == again.incidents["incident_id"].to_list()
    assert first.incidents["incident_id"].str.starts_with("inc-").all()


def test_the_most_restrictive_marking_of_the_members_is_kept(
    report: Callable[..., dict[str, Any]], frame: Callable[..., pl.DataFrame]
) -> None:
    reports = frame(
        [
            report("a", releasability="REL TO ua,us", text="Shelling hits Donetsk airport"),
            report("b", releasability="REL TO us,fr", text="Donetsk airport shelled"),
            report("c", releasability="PUBLIC", text="Donetsk airport shelling"),
        ]
    )
    assert fuse(reports).incidents["releasability"].to_list() == ["REL TO us"]
