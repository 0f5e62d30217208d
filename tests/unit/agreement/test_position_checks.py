"""Deployed positions and the near block: teaching errors at their file, line and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from factories import minimal_agreement, write_agreement
from guarantor.agreement.checks import check_agreement
from guarantor.agreement.loader import read_agreement
from guarantor.errors import Problem


def _with_near(party: str = "ua", within_km: float = 20, positions: bool = True) -> dict[str, Any]:
    doc: dict[str, Any] = minimal_agreement()
    if positions:
        doc["positions"] = [
            {
                "id": "post-1",
                "party": "ua",
                "label": "Observation post one",
                "point": {"lon": 37.8, "lat": 47.6},
                "applies": [{"from": "2015-02-15T00:00:00+02:00"}],
                "source": "text",
                "status": "illustrative",
                "rationale": "an invented post for the test",
            }
        ]
    doc["rules"].append(
        {
            "id": "near-post",
            "kind": "violation",
            "clause": "c1",
            "title": "Fire near a post",
            "when": 'type == "shelling"',
            "status": "official",
            "near": {"party": party, "within_km": within_km},
        }
    )
    return doc


def _problems(folder: Path) -> list[Problem]:
    return list(check_agreement(read_agreement(folder)).problems)


def _only(problems: list[Problem], code: str) -> Problem:
    matching = [p for p in problems if p.code == code]
    assert len(matching) == 1, [p.render() for p in problems]
    return matching[0]


def _line_at(folder: Path, problem: Problem) -> str:
    assert problem.location.line is not None and problem.location.column is not None
    line = (folder / "agreement.yaml").read_text().splitlines()[problem.location.line - 1]
    return line[problem.location.column - 1 :]


def test_a_near_block_on_a_party_with_positions_is_clean(tmp_path: Path) -> None:
    folder = write_agreement(tmp_path / "a", _with_near())
    assert _problems(folder) == []
    version = read_agreement(folder).versions[0]
    (post,) = version.positions
    assert (post.party, post.lon, post.lat, post.label) == (
        "ua",
        37.8,
        47.6,
        "Observation post one",
    )
    assert version.rules[-1].near is not None and version.rules[-1].near.within_km == 20.0


def test_an_unknown_near_party_is_pointed_at_with_a_suggestion(tmp_path: Path) -> None:
    folder = write_agreement(tmp_path / "a", _with_near(party="uaa"))
    problem = _only(_problems(folder), "unknown_reference")
    assert "party 'uaa'" in problem.found
    assert "did you mean 'ua'?" in problem.fix
    assert _line_at(folder, problem).startswith("uaa")


def test_a_near_party_without_positions_is_an_error_naming_who_has_some(tmp_path: Path) -> None:
    folder = write_agreement(tmp_path / "a", _with_near(party="osce"))
    problem = _only(_problems(folder), "no_positions")
    assert "party 'osce'" in problem.found and "no deployed positions" in problem.found
    assert "ua" in problem.expected
    assert "positions" in problem.fix
    assert _line_at(folder, problem).startswith("osce")


def test_a_group_has_the_positions_of_its_members(tmp_path: Path) -> None:
    doc = _with_near(party="osce")
    doc["parties"][1]["members"] = ["ua"]
    assert _problems(write_agreement(tmp_path / "a", doc)) == []


def test_a_negative_radius_is_reported_at_within_km(tmp_path: Path) -> None:
    folder = write_agreement(tmp_path / "a", _with_near(within_km=-5))
    problem = _only(_problems(folder), "invalid_value")
    assert "negative radius -5 km" in problem.found
    assert "0 or more" in problem.fix
    assert _line_at(folder, problem).startswith("-5")


def test_no_positions_at_all_is_reported_too(tmp_path: Path) -> None:
    folder = write_agreement(tmp_path / "a", _with_near(positions=False))
    problem = _only(_problems(folder), "no_positions")
    assert "none is" in problem.expected


@pytest.mark.parametrize(
    ("change", "code", "text"),
    [
        ({"party": "xx"}, "unknown_reference", "party 'xx'"),
        ({"source": "nowhere"}, "unknown_reference", "source 'nowhere'"),
        ({"point": {"lon": 47.6, "lat": 137.8}}, "invalid_value", "lat 137.8"),
        ({"rationale": ""}, "missing_rationale", "illustrative position 'post-1'"),
        (
            {"applies": [{"from": "2015-03-01T00:00:00Z", "until": "2015-02-01T00:00:00Z"}]},
            "empty_interval",
            "an interval from",
        ),
    ],
)
def test_a_broken_position_is_reported(
    tmp_path: Path, change: dict[str, Any], code: str, text: str
) -> None:
    doc = _with_near()
    doc["positions"][0].update(change)
    problems = [p for p in _problems(write_agreement(tmp_path / "a", doc)) if p.code == code]
    assert problems, code
    assert any(text in p.found for p in problems), [p.render() for p in problems]
    assert all(p.location.line is not None for p in problems)
