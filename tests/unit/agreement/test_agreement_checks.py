"""Validation that teaches: every problem with its place, what was expected and the fix."""

from __future__ import annotations

from pathlib import Path

from factories import minimal_agreement, write_agreement
from guarantor.agreement.checks import check_agreement
from guarantor.agreement.loader import read_agreement
from guarantor.errors import Problem


def problems_of(folder: Path) -> list[Problem]:
    return list(check_agreement(read_agreement(folder)).problems)


def only(problems: list[Problem], code: str) -> Problem:
    matching = [p for p in problems if p.code == code]
    assert len(matching) == 1, [p.render() for p in problems]
    return matching[0]


def test_the_minimal_agreement_has_no_problem(tmp_path: Path) -> None:
    assert problems_of(write_agreement(tmp_path / "a")) == []


def test_an_unknown_key_is_reported_at_its_line_with_a_did_you_mean(tmp_path: Path) -> None:
    doc = minimal_agreement()
    doc["rules"][0]["wen"] = doc["rules"][0].pop("when")
    problem = only(problems_of(write_agreement(tmp_path / "a", doc)), "unknown_key")
    assert problem.location.file.endswith("agreement.yaml")
    assert problem.location.line is not None and problem.location.column is not None
    assert "did you mean 'when'?" in problem.fix
    text = (tmp_path / "a" / "agreement.yaml").read_text().splitlines()
    assert text[problem.location.line - 1].strip().startswith("wen:")


def test_an_unknown_clause_reference_suggests_the_closest_clause(tmp_path: Path) -> None:
    doc = minimal_agreement()
    doc["rules"][0]["clause"] = "c2"
    problem = only(problems_of(write_agreement(tmp_path / "a", doc)), "unknown_reference")
    assert "clause 'c2'" in problem.found
    assert "c1" in problem.expected


def test_an_unknown_field_in_an_expression_points_inside_the_expression(tmp_path: Path) -> None:
    doc = minimal_agreement()
    doc["rules"][0]["when"] = 'type == "shelling" && severty >= 3'
    problem = only(problems_of(write_agreement(tmp_path / "a", doc)), "unknown_field")
    assert "position 22" in problem.found
    assert "severity" in problem.fix
    line = (tmp_path / "a" / "agreement.yaml").read_text().splitlines()[problem.location.line - 1]
    assert problem.location.column is not None
    assert line[problem.location.column - 1 :].startswith("severty")


def test_an_expression_that_does_not_parse_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    doc = minimal_agreement()
    doc["rules"][0]["when"] = 'type == "shelling" & severity > 2'
    problem = only(problems_of(write_agreement(tmp_path / "a", doc)), "expression_syntax")
    assert "&&" in problem.found + problem.fix


def test_a_placeholder_without_a_value_is_reported(tmp_path: Path) -> None:
    doc = minimal_agreement()
    doc["clauses"][0]["text"] += " Within {days} days."
    problem = only(problems_of(write_agreement(tmp_path / "a", doc)), "unknown_param")
    assert "{days}" in problem.found


def test_an_illustrative_item_needs_a_rationale(tmp_path: Path) -> None:
    doc = minimal_agreement()
    del doc["rules"][1]["rationale"]
    problem = only(problems_of(write_agreement(tmp_path / "a", doc)), "missing_rationale")
    assert "surge" in problem.found


def test_a_commitment_without_indicator_or_due_date_is_reported(tmp_path: Path) -> None:
    doc = minimal_agreement()
    del doc["commitments"][0]["indicator"]
    del doc["commitments"][0]["due"]
    problems = problems_of(write_agreement(tmp_path / "a", doc))
    assert {p.code for p in problems} >= {"missing_indicator", "missing_due"}


def test_a_time_without_offset_is_rejected_with_an_example(tmp_path: Path) -> None:
    doc = minimal_agreement()
    doc["rules"][0]["applies"] = [{"from": "2015-02-15T00:00:00"}]
    problem = only(problems_of(write_agreement(tmp_path / "a", doc)), "timezone_aware")
    assert "+02:00" in problem.expected


def test_overlapping_intervals_of_a_rule_are_an_error(tmp_path: Path) -> None:
    doc = minimal_agreement()
    doc["rules"][0]["applies"] = [
        {"from": "2015-02-15T00:00:00+02:00", "until": "2016-01-01T00:00:00Z"},
        {"from": "2015-12-01T00:00:00Z"},
    ]
    problem = only(problems_of(write_agreement(tmp_path / "a", doc)), "overlap")
    assert problem.is_error


def test_a_gap_between_intervals_is_a_warning(tmp_path: Path) -> None:
    doc = minimal_agreement()
    doc["rules"][0]["applies"] = [
        {"from": "2015-02-15T00:00:00+02:00", "until": "2016-01-01T00:00:00Z"},
        {"from": "2016-02-01T00:00:00Z"},
    ]
    problem = only(problems_of(write_agreement(tmp_path / "a", doc)), "gap")
    assert not problem.is_error
    assert "2016-01-01" in problem.found and "2016-02-01" in problem.found


def test_a_directive_on_a_violation_rule_can_never_be_triggered(tmp_path: Path) -> None:
    doc = minimal_agreement()
    doc["directives"][0]["scenario"] = "hostile-act"
    problems = problems_of(write_agreement(tmp_path / "a", doc))
    assert only(problems, "unreachable_directive").found.startswith("'hostile-act'")
    assert only(problems, "no_directive").severity == "warning"


def test_a_self_intersecting_zone_is_invalid_geometry(tmp_path: Path) -> None:
    doc = minimal_agreement()
    bowtie = [[37.0, 47.0], [38.0, 48.0], [38.0, 47.0], [37.0, 48.0], [37.0, 47.0]]
    doc["zones"][0]["geometry"] = {"type": "Polygon", "coordinates": [bowtie]}
    problem = only(problems_of(write_agreement(tmp_path / "a", doc)), "invalid_geometry")
    assert "Self-intersection" in problem.found


def test_swapped_coordinates_outside_the_globe_are_caught(tmp_path: Path) -> None:
    doc = minimal_agreement()
    doc["zones"][0]["geometry"]["coordinates"] = [[47.1, 137.5], [48.0, 138.0]]
    problem = only(problems_of(write_agreement(tmp_path / "a", doc)), "invalid_geometry")
    assert "swapped" in problem.fix


def test_an_unknown_admin_unit_suggests_the_shipped_spelling(tmp_path: Path) -> None:
    doc = minimal_agreement()
    doc["zones"][2]["admin_units"]["units"] = ["Donetsk Oblst"]
    problem = only(problems_of(write_agreement(tmp_path / "a", doc)), "unknown_unit")
    assert "did you mean 'Donetsk Oblast'?" in problem.fix


def test_window_faults_are_each_reported(tmp_path: Path) -> None:
    doc = minimal_agreement()
    doc["rules"][1]["window"] = {"length": "0h", "group_by": ["oblst"], "above": 3, "at_least": 4}
    codes = {p.code for p in problems_of(write_agreement(tmp_path / "a", doc))}
    assert {"zero_window", "unknown_field", "invalid_window"} <= codes


def test_a_duplicate_yaml_key_is_not_silently_collapsed(tmp_path: Path) -> None:
    folder = write_agreement(tmp_path / "a")
    path = folder / "agreement.yaml"
    path.write_text(path.read_text() + "title: Second title\n")
    problem = only(problems_of(folder), "duplicate_key")
    assert "first on line 2" in problem.found


def test_broken_yaml_gives_its_line_and_column(tmp_path: Path) -> None:
    folder = write_agreement(tmp_path / "a")
    (folder / "clauses.yaml").write_text("clauses:\n  - id: x\n   title: [unclosed\n")
    problem = only(problems_of(folder), "yaml_syntax")
    assert problem.location.file.endswith("clauses.yaml") and problem.location.line == 3


def test_every_problem_in_a_file_is_listed_not_only_the_first(tmp_path: Path) -> None:
    doc = minimal_agreement()
    doc["rules"][0]["clause"] = "c9"
    doc["rules"][0]["wen"] = "x"
    doc["directives"][0]["obligations"][0]["party"] = "nato"
    doc["commitments"][0]["party"] = "ukr"
    codes = [p.code for p in problems_of(write_agreement(tmp_path / "a", doc))]
    assert codes.count("unknown_reference") == 3 and "unknown_key" in codes


def test_a_misspelt_incident_type_in_a_rule_is_caught(tmp_path: Path) -> None:
    doc = minimal_agreement()
    doc["rules"][0]["when"] = 'type in ["shelling", "shellin"] && weapon != "artilery_100mm_plus"'
    problems = [
        p
        for p in problems_of(write_agreement(tmp_path / "a", doc))
        if p.code == "unknown_vocabulary"
    ]
    assert len(problems) == 2
    assert "did you mean 'shelling'?" in problems[0].fix
    assert "did you mean 'artillery_100mm_plus'?" in problems[1].fix
