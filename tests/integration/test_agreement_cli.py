"""The agreement commands on the shipped agreements, as a user runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from factories import minimal_agreement, write_agreement
from guarantor.cli.main import main

REPO = Path(__file__).resolve().parents[2]
SHIPPED = ("minsk-2015", "framework-2025")


@pytest.fixture(autouse=True)
def in_repository(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("GUARANTOR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("GUARANTOR_DATABASE_URL", raising=False)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("agreement", SHIPPED)
def test_each_shipped_agreement_checks_clean(
    capsys: pytest.CaptureFixture[str], agreement: str
) -> None:
    code, output = run(capsys, "agreement", "check", f"agreements/{agreement}", "--strict")
    assert code == 0, output
    assert f"{agreement} (agreements/{agreement}): ok: 0 error(s), 0 warning(s)" in output


def test_a_broken_agreement_exits_1_listing_each_problem_without_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = minimal_agreement()
    doc["rules"][0]["clause"] = "c2"
    doc["rules"][1]["when"] = "severity >= params.kk"
    doc["zones"][2]["admin_units"]["units"] = ["Luhansk"]
    folder = write_agreement(tmp_path / "broken", doc)
    code, output = run(capsys, "agreement", "check", str(folder))
    assert code == 1
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if " error " in line]
    assert len(lines) == 3
    assert all(re.match(r"^\S+agreement\.yaml:\d+:\d+ ", line) for line in lines)
    assert all("expected" in line and "fix:" in line for line in lines)


def test_a_file_that_is_not_yaml_at_all_is_a_problem_not_a_crash(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = write_agreement(tmp_path / "a")
    (folder / "rules.yaml").write_bytes(b"\xff\xfe\x00garbage")
    code, output = run(capsys, "agreement", "check", str(folder))
    assert code == 1 and "Traceback" not in output
    assert "rules.yaml" in output and "UTF-8" in output


def test_show_as_of_a_day_before_the_2020_measures_lists_no_2020_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, before = run(capsys, "agreement", "show", "minsk-2015", "--as-of", "2020-07-01", "--json")
    assert code == 0
    code, after = run(capsys, "agreement", "show", "minsk-2015", "--as-of", "2020-08-01", "--json")
    assert code == 0
    rules_before = {r["id"] for r in json.loads(before)["rules"]}
    rules_after = {r["id"] for r in json.loads(after)["rules"]}
    assert json.loads(before)["version"]["id"] == "2015-02-12"
    assert json.loads(after)["version"]["id"] == "2020-07-27"
    assert rules_after - rules_before, "the 2020 overlay adds rules in force from 27 July 2020"


def test_show_renders_clause_text_with_its_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run(capsys, "agreement", "show", "minsk-2015", "--json")
    assert code == 0
    document = json.loads(output)
    assert all("{" not in clause["rendered"] for clause in document["clauses"])
    assert all(rule["clause_text"] for rule in document["rules"])


def test_diff_between_the_minsk_versions_names_the_added_and_amended_rules(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, output = run(
        capsys, "agreement", "diff", "minsk-2015@2015-02-12", "minsk-2015@2020-07-27", "--json"
    )
    assert code == 0
    changes = json.loads(output)
    kinds = {(c["section"], c["kind"]) for c in changes}
    assert ("rules", "added") in kinds and ("clauses", "added") in kinds
    amended = [c for c in changes if c["section"] == "rules" and c["kind"] == "changed"]
    assert amended and all(f["field"] == "applies" for c in amended for f in c["fields"])


def test_hash_is_stable_and_differs_between_versions(capsys: pytest.CaptureFixture[str]) -> None:
    _, first = run(capsys, "agreement", "hash", "minsk-2015")
    _, second = run(capsys, "agreement", "hash", "minsk-2015")
    assert first == second
    hashes = [line.split()[0] for line in first.splitlines()]
    assert len(hashes) == 3 and len(set(hashes)) == 3
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)


def test_an_unknown_version_suggests_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run(capsys, "agreement", "show", "minsk-2015@2020-07-28")
    assert code == 1
    assert "2020-07-27" in output and "Traceback" not in output


@pytest.mark.parametrize("agreement", SHIPPED)
def test_the_rule_cases_of_each_shipped_agreement_pass(
    capsys: pytest.CaptureFixture[str], agreement: str
) -> None:
    code, output = run(capsys, "agreement", "test", agreement)
    assert code == 0, output
    assert "0 problem(s)" in output
    assert "failed" not in output and "not run" not in output
    counted = re.search(r"(\d+) passed", output)
    assert counted is not None and int(counted.group(1)) >= 4


def test_load_stores_every_version_once_on_both_databases(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    monkeypatch.setenv("GUARANTOR_DATABASE_URL", database_url)
    code, first = run(capsys, "agreement", "load")
    assert code == 0
    stored = re.findall(r"│ (\S+)\s+│ (\S+)\s+│ [0-9a-f]{16} │ (new|unchanged)", first)
    assert {(a, s) for a, _, s in stored} == {(a, "new") for a in SHIPPED}
    code, second = run(capsys, "agreement", "load")
    assert code == 0
    again = re.findall(r"│ (\S+)\s+│ (\S+)\s+│ [0-9a-f]{16} │ (new|unchanged)", second)
    assert len(again) == len(stored) and {s for _, _, s in again} == {"unchanged"}
