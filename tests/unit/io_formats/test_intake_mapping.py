"""Any other CSV comes in through a column-mapping file; the mapping file itself teaches."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from guarantor.evidence.reports import REPORT_SCHEMA, Source
from guarantor.io.formats.base import Rejection
from guarantor.io.formats.errors import IntakeError
from guarantor.io.formats.mapped import MappingCsvImporter
from guarantor.io.formats.mapping import load_mapping

DOCS = Path(__file__).resolve().parents[3] / "docs"
SOURCE = Source("cell-d", "Sector D patrols", "patrol", "B")


def run(
    mapping: Path, data: Path, chunk_rows: int = 100_000
) -> tuple[pl.DataFrame, list[Rejection], int]:
    chunks = list(MappingCsvImporter(mapping).chunks(data, source=SOURCE, chunk_rows=chunk_rows))
    frame = pl.concat([c.reports for c in chunks])
    assert dict(frame.schema) == dict(REPORT_SCHEMA)
    return frame, [r for c in chunks for r in c.rejections], sum(c.records for c in chunks)


def test_the_documented_example_imports_every_row(tmp_path: Path) -> None:
    mapping = DOCS / "examples" / "mapping-example.yaml"
    frame, rejections, records = run(mapping, DOCS / "examples" / "mapping-example.csv")
    assert rejections == [] and records == frame.height == 6
    first = frame.row(0, named=True)
    assert first["source_record_id"] == "D-0001"
    assert first["observed_at"] == datetime(2015, 2, 14, 22, 40, tzinfo=UTC)  # Kyiv is UTC+2
    assert (first["type"], first["type_original"]) == ("shelling", "обстріл")
    assert (first["weapon"], first["weapon_original"], first["calibre_mm"]) == (
        "mortar",
        "міномет",
        82.0,
    )
    assert (first["source_id"], first["reliability"], first["credibility"]) == (
        "patrol-sector-d",
        "B",
        3,
    )
    assert first["releasability"] == "REL TO osce,ua"
    assert json.loads(first["raw"])["Населений пункт"] == "Широкине"
    summer = frame.filter(pl.col("source_record_id") == "D-0005").row(0, named=True)
    assert summer["observed_at"] == datetime(2020, 7, 29, 7, 30, tzinfo=UTC)  # UTC+3 in summer
    assert (summer["type"], summer["weapon"]) == ("sniper_fire", "small_arms")
    whole_day = frame.filter(pl.col("source_record_id") == "D-0003").row(0, named=True)
    assert whole_day["observed_at"] == datetime(2015, 2, 15, 22, tzinfo=UTC)
    assert whole_day["observed_until"] == datetime(2015, 2, 16, 21, 59, 59, 999_999, tzinfo=UTC)
    assert whole_day["text"] == "Обстріл залізничного вузла.\nДані уточнюються"


def test_the_example_reads_the_same_in_chunks_of_two() -> None:
    mapping = DOCS / "examples" / "mapping-example.yaml"
    data = DOCS / "examples" / "mapping-example.csv"
    assert run(mapping, data, chunk_rows=2)[0].equals(run(mapping, data)[0])


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


MAPPING = """\
columns:
  when: observed_at
  what: type
  y: lat
values:
  type: {Shelled: shelling}
date_formats: ["%d.%m.%Y %H:%M"]
timezone: Europe/Kyiv
"""


def test_rejections_name_their_columns_and_their_forms(tmp_path: Path) -> None:
    mapping = write(tmp_path, "m.yaml", MAPPING)
    data = write(
        tmp_path,
        "in.csv",
        "when,what,y\n"
        "15.02.2015 10:00, shelled ,48.1\n"
        "2015-02-15,shelling,48.1\n"
        "15.02.2015 10:00,shelling,forty-eight\n"
        "29.03.2015 03:30,shelling,48.1\n"
        "15.02.2015 10:00,mortar fire,48.1\n",
    )
    frame, rejections, records = run(mapping, data)
    assert records == 5 and frame.height == 1
    assert frame.select("type", "type_original").row(0) == ("shelling", "shelled")
    assert [(r.row_number, r.field, r.value) for r in rejections] == [
        (2, "when", "2015-02-15"),
        (3, "y", "forty-eight"),
        (4, "when", "29.03.2015 03:30"),  # the hour clocks skipped in Kyiv
        (5, "what", "mortar fire"),
    ]
    assert "%d.%m.%Y %H:%M (e.g. 15.02.2015 13:45)" in rejections[0].expected
    assert "Europe/Kyiv" in rejections[0].expected
    assert "value map" in rejections[3].fix


def test_a_mapped_column_missing_from_the_file_stops_with_a_did_you_mean(tmp_path: Path) -> None:
    mapping = write(tmp_path, "m.yaml", MAPPING)
    data = write(tmp_path, "in.csv", "When,what,y\n15.02.2015 10:00,shelling,48.1\n")
    with pytest.raises(IntakeError, match="did you mean 'When' -> 'when'"):
        run(mapping, data)


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(IntakeError) as caught:
        load_mapping(write(tmp_path, "m.yaml", text))
    return [p.render() for p in caught.value.problems]


def test_an_unknown_report_field_is_reported_at_its_line_with_a_did_you_mean(
    tmp_path: Path,
) -> None:
    (problem,) = problems_of(tmp_path, "columns:\n  when: observed_at\n  what: typ\n")
    assert problem.startswith(str(tmp_path / "m.yaml") + ":3:")
    assert "did you mean 'type'?" in problem


def test_a_mapping_without_a_time_column_is_invalid(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, "columns:\n  what: type\n")
    assert "observed_at" in problem and ":2:" in problem


def test_unknown_keys_bad_zones_and_unreadable_formats_are_all_reported(tmp_path: Path) -> None:
    text = (
        "columns: {when: observed_at, what: type}\n"
        "timezone: Europe/Kiev-ish\n"
        'date_formats: ["%d.%m.%Y %H:%", "%Q"]\n'
        "default: {reliability: C}\n"
    )
    problems = problems_of(tmp_path, text)
    assert len(problems) == 4
    assert any(":2:" in p and "IANA time zone" in p for p in problems)
    assert any(":3:17 [date_formats[0]]" in p and "own example" in p for p in problems)
    assert any(":3:34 [date_formats[1]]" in p and "own example" in p for p in problems)
    assert any(":4:" in p and "did you mean 'defaults'?" in p for p in problems)


def test_a_mapping_file_that_is_not_yaml_is_reported_at_its_line(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, "columns:\n  when: observed_at\n   what: [type\n")
    assert "yaml_syntax" in problem


def test_numbers_in_yaml_value_maps_are_read_as_written(tmp_path: Path) -> None:
    mapping = load_mapping(
        write(
            tmp_path,
            "m.yaml",
            "columns: {t: observed_at, k: type, c: credibility}\n"
            "values: {type: {1: shelling}, credibility: {high: 2}}\n",
        )
    )
    assert mapping.values == {"type": {"1": "shelling"}, "credibility": {"high": "2"}}
