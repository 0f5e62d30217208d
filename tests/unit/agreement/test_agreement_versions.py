"""Versions as overlays, content hashes, diffs, and what is in force when."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from factories import minimal_agreement, write_agreement
from guarantor.agreement.canonical import content_hash
from guarantor.agreement.checks import check_agreement
from guarantor.agreement.diff import diff_versions
from guarantor.agreement.loader import LoadedAgreement, read_agreement


def overlay(**sections: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "version": {
            "id": "v2",
            "title": "Strengthened",
            "adopted": "2020-07-22",
            "effective": "2020-07-27T00:01:00+03:00",
            "source": "text",
            "base": "v1",
        },
    }
    doc.update(sections)
    return doc


def lowered_threshold() -> dict[str, Any]:
    rule = minimal_agreement()["rules"][1]
    rule["params"] = {"k": 3, "n": 5}
    return overlay(amend={"rules": [rule]})


def read(folder: Path) -> LoadedAgreement:
    loaded = check_agreement(read_agreement(folder))
    assert not loaded.errors, [p.render() for p in loaded.errors]
    return loaded


def test_an_amended_rule_keeps_its_past_and_changes_from_the_effective_time(tmp_path: Path) -> None:
    loaded = read(write_agreement(tmp_path / "a", overlays={"v2": lowered_threshold()}))
    latest = loaded.version("v2")
    revisions = sorted((r for r in latest.rules if r.id == "surge"), key=lambda r: r.revision)
    assert [r.revision for r in revisions] == ["v1", "v2"]
    cut = datetime(2020, 7, 26, 21, 1, tzinfo=UTC)
    assert revisions[0].applies[-1].end == cut
    assert revisions[1].applies[0].start == cut
    before = [r for r in latest.rules_in_force(cut.replace(minute=0)) if r.id == "surge"]
    after = [r for r in latest.rules_in_force(cut) if r.id == "surge"]
    assert before[0].params["n"] == 10 and after[0].params["n"] == 5


def test_the_baseline_is_unchanged_by_an_overlay(tmp_path: Path) -> None:
    plain = read(write_agreement(tmp_path / "a")).version("v1")
    with_overlay = read(write_agreement(tmp_path / "b", overlays={"v2": lowered_threshold()}))
    assert content_hash(with_overlay.version("v1")) == content_hash(plain)


def test_a_repealed_rule_stops_applying_at_the_effective_time(tmp_path: Path) -> None:
    loaded = read(
        write_agreement(tmp_path / "a", overlays={"v2": overlay(repeal={"rules": ["hostile-act"]})})
    )
    rule = next(r for r in loaded.latest.rules if r.id == "hostile-act")
    assert rule.applies[-1].end == datetime(2020, 7, 26, 21, 1, tzinfo=UTC)


def test_amending_an_unknown_id_and_adding_an_existing_one_are_reported(tmp_path: Path) -> None:
    clause = minimal_agreement()["clauses"][0]
    doc = overlay(add={"clauses": [clause]}, amend={"clauses": [{**clause, "id": "c7"}]})
    loaded = check_agreement(read_agreement(write_agreement(tmp_path / "a", overlays={"v2": doc})))
    codes = sorted(p.code for p in loaded.problems)
    assert codes == ["duplicate_id", "unknown_reference"]
    assert all(p.location.file.endswith("v2.yaml") for p in loaded.problems)


def test_an_overlay_based_on_an_unknown_version_breaks_the_chain(tmp_path: Path) -> None:
    doc = lowered_threshold()
    doc["version"]["base"] = "v0"
    loaded = check_agreement(read_agreement(write_agreement(tmp_path / "a", overlays={"v2": doc})))
    assert [p.code for p in loaded.problems] == ["broken_chain"]
    assert "'v1'" in loaded.problems[0].fix


def test_key_order_and_expression_spacing_do_not_change_the_hash(tmp_path: Path) -> None:
    doc = minimal_agreement()
    first = content_hash(read(write_agreement(tmp_path / "a", doc)).latest)
    shuffled = {k: doc[k] for k in reversed(list(doc))}
    shuffled["rules"] = [dict(reversed(list(r.items()))) for r in doc["rules"]]
    shuffled["rules"][0]["when"] = 'type=="shelling"'
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "agreement.yaml").write_text(yaml.safe_dump(shuffled, sort_keys=True))
    assert content_hash(read(tmp_path / "b").latest) == first


def test_any_change_of_meaning_changes_the_hash(tmp_path: Path) -> None:
    base = content_hash(read(write_agreement(tmp_path / "a")).latest)
    changes = [
        lambda d: d["rules"][1]["params"].update(n=11),
        lambda d: d["clauses"][0].update(text=d["clauses"][0]["text"] + " Also."),
        lambda d: d["zones"][1]["buffer"].update(km=30),
        lambda d: d["rules"][0].update(applies=[{"from": "2015-02-15T00:00:01+02:00"}]),
        lambda d: d["commitments"][0].update(target=800001),
    ]
    hashes = set()
    for n, change in enumerate(changes):
        doc = minimal_agreement()
        change(doc)
        hashes.add(content_hash(read(write_agreement(tmp_path / f"c{n}", doc)).latest))
    assert base not in hashes and len(hashes) == len(changes)


def test_editing_a_zone_geometry_file_changes_the_hash(tmp_path: Path) -> None:
    doc = minimal_agreement()
    del doc["zones"][0]["geometry"]
    doc["zones"][0]["geometry_file"] = "line.geojson"
    folder = write_agreement(tmp_path / "a", doc)
    (folder / "line.geojson").write_text(
        '{"type": "LineString", "coordinates": [[37.5, 47.1], [38, 48]]}'
    )
    first = content_hash(read(folder).latest)
    (folder / "line.geojson").write_text(
        '{"type": "LineString", "coordinates": [[37.5, 47.2], [38, 48]]}'
    )
    assert content_hash(read(folder).latest) != first


def test_the_diff_lists_the_amended_rule_clause_by_clause(tmp_path: Path) -> None:
    loaded = read(write_agreement(tmp_path / "a", overlays={"v2": lowered_threshold()}))
    changes = diff_versions(loaded.version("v1"), loaded.version("v2"))
    summary = {(c.section, c.item_id, c.revision, c.kind) for c in changes}
    assert summary == {("rules", "surge", "v1", "changed"), ("rules", "surge", "v2", "added")}
    changed = next(c for c in changes if c.kind == "changed")
    assert [f.field for f in changed.fields] == ["applies"]


def test_as_of_picks_the_version_known_on_that_day(tmp_path: Path) -> None:
    loaded = read(write_agreement(tmp_path / "a", overlays={"v2": lowered_threshold()}))
    assert loaded.as_of(date(2020, 7, 21)).version.id == "v1"
    assert loaded.as_of(date(2020, 7, 22)).version.id == "v2"


def test_the_ceasefire_start_is_in_force_at_exactly_midnight_kyiv_time(tmp_path: Path) -> None:
    version = read(write_agreement(tmp_path / "a")).latest
    start = datetime(2015, 2, 14, 22, 0, tzinfo=UTC)
    assert [r.id for r in version.rules_in_force(start)] == ["hostile-act", "surge"]
    assert (
        version.rules_in_force(start.replace(minute=0, second=0, microsecond=0).replace(hour=21))
        == ()
    )
