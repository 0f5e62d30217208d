"""Our own layout in CSV, JSON Lines and GeoJSON becomes the canonical report frame."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from guarantor.evidence.reports import REPORT_SCHEMA, Source
from guarantor.io.formats.base import Importer, Rejection
from guarantor.io.formats.canonical import (
    CanonicalCsvImporter,
    CanonicalGeojsonImporter,
    CanonicalJsonlImporter,
)
from guarantor.io.formats.errors import IntakeError

SOURCE = Source("cell-d", "Sector D patrols", "patrol", "B")
HEADER = "source_record_id,observed_at,type,lat,lon,credibility,releasability,note\n"


def run(
    importer: Importer, path: Path, chunk_rows: int = 100_000
) -> tuple[pl.DataFrame, list[Rejection], int]:
    chunks = list(importer.chunks(path, source=SOURCE, chunk_rows=chunk_rows))
    for chunk in chunks:
        assert dict(chunk.reports.schema) == dict(REPORT_SCHEMA)
        assert chunk.records == chunk.reports.height + len({r.row_number for r in chunk.rejections})
    frame = pl.concat([c.reports for c in chunks])
    return frame, [r for c in chunks for r in c.rejections], sum(c.records for c in chunks)


def csv_file(tmp_path: Path, rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "reports.csv"
    path.write_text(header + rows, encoding="utf-8")
    return path


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def test_a_canonical_csv_gives_reports_with_utc_times_and_defaults(tmp_path: Path) -> None:
    rows = "a1,2015-02-15T10:00:00+02:00,shelling,48.1,37.7,3,public,x\n"
    frame, rejections, records = run(CanonicalCsvImporter(), csv_file(tmp_path, rows))
    assert rejections == [] and records == 1
    report = frame.row(0, named=True)
    assert report["observed_at"] == utc(2015, 2, 15, 8)
    assert report["observed_until"] == utc(2015, 2, 15, 8)
    assert report["source_id"] == "cell-d"
    assert report["source_record_id"] == "a1"
    assert report["credibility"] == 3 and report["time_precision"] == 1
    assert report["releasability"] == "PUBLIC"
    assert report["reliability"] is None  # the intake takes it from the source's grade
    assert report["row_number"] == 1
    assert json.loads(report["raw"])["note"] == "x"


def test_a_date_means_that_whole_day_in_utc(tmp_path: Path) -> None:
    rows = "a1,2015-02-15,shelling,,,,,\n"
    frame, _, _ = run(CanonicalCsvImporter(), csv_file(tmp_path, rows))
    assert frame["observed_at"].to_list() == [utc(2015, 2, 15)]
    assert frame["observed_until"].to_list() == [utc(2015, 2, 15, 23, 59, 59, 999_999)]


@pytest.mark.parametrize(
    "written",
    ["2015-02-15T08:00:00Z", "2015-02-15T08:00:00.000+00:00", "2015-02-15 10:00:00+02:00"],
)
def test_rfc3339_times_with_an_offset_or_z_are_read(tmp_path: Path, written: str) -> None:
    frame, rejections, _ = run(
        CanonicalCsvImporter(), csv_file(tmp_path, f"a,{written},shelling,,,,,\n")
    )
    assert rejections == []
    assert frame["observed_at"].to_list() == [utc(2015, 2, 15, 8)]


def test_a_time_without_offset_is_rejected_with_the_expected_form(tmp_path: Path) -> None:
    rows = "a1,2015-02-15T10:00:00,shelling,,,,,\n"
    frame, rejections, records = run(CanonicalCsvImporter(), csv_file(tmp_path, rows))
    assert frame.height == 0 and records == 1
    (rejection,) = rejections
    assert (rejection.row_number, rejection.field, rejection.value) == (
        1,
        "observed_at",
        "2015-02-15T10:00:00",
    )
    assert "2015-02-15T00:00:00+02:00" in rejection.expected
    assert "offset" in rejection.fix


def test_a_latitude_that_is_not_a_number_is_rejected_and_other_faults_listed(
    tmp_path: Path,
) -> None:
    rows = "a1,someday,shelling,48°N,37.7,,,\na2,2015-02-15,shelling,48.1,37.7,,,\n"
    frame, rejections, records = run(CanonicalCsvImporter(), csv_file(tmp_path, rows))
    assert frame["source_record_id"].to_list() == ["a2"] and records == 2
    (rejection,) = rejections
    assert rejection.field == "observed_at" and rejection.value == "someday"
    assert "also fails on: lat" in rejection.fix
    assert json.loads(rejection.raw)["lat"] == "48°N"


def test_an_unknown_type_is_rejected_with_the_known_ids_and_the_fix(tmp_path: Path) -> None:
    rows = "a1,2015-02-15,artillery duel,,,,,\n"
    _, rejections, _ = run(CanonicalCsvImporter(), csv_file(tmp_path, rows))
    (rejection,) = rejections
    assert (rejection.field, rejection.value) == ("type", "artillery duel")
    assert "shelling" in rejection.expected and "troop_presence" in rejection.expected
    assert rejection.fix == (
        "add a row to src/guarantor/data/vocabularies/types.csv or a value map in your mapping file"
    )


def test_a_record_without_a_time_or_type_is_rejected(tmp_path: Path) -> None:
    rows = "a1,,shelling,,,,,\na2,2015-02-15,,,,,,\n"
    _, rejections, _ = run(CanonicalCsvImporter(), csv_file(tmp_path, rows))
    assert [(r.row_number, r.field) for r in rejections] == [(1, "observed_at"), (2, "type")]


def test_type_ids_match_without_regard_to_case_and_imply_a_weapon(tmp_path: Path) -> None:
    rows = "a1,2015-02-15, Sniper_Fire ,,,,,\n"
    frame, _, _ = run(CanonicalCsvImporter(), csv_file(tmp_path, rows))
    assert frame.select("type", "weapon").row(0) == ("sniper_fire", "small_arms")


def test_a_marking_that_does_not_parse_is_rejected(tmp_path: Path) -> None:
    rows = "a1,2015-02-15,shelling,,,,SECRET,\n"
    _, rejections, _ = run(CanonicalCsvImporter(), csv_file(tmp_path, rows))
    assert [(r.field, r.value) for r in rejections] == [("releasability", "SECRET")]


def test_a_whole_number_field_rejects_fractions_and_words(tmp_path: Path) -> None:
    rows = "a1,2015-02-15,shelling,,,2.5,,\na2,2015-02-15,shelling,,,three,,\n"
    _, rejections, _ = run(CanonicalCsvImporter(), csv_file(tmp_path, rows))
    assert [(r.field, r.value) for r in rejections] == [
        ("credibility", "2.5"),
        ("credibility", "three"),
    ]
    assert "whole number" in rejections[0].expected


def test_the_same_file_imported_twice_gives_the_same_keys(tmp_path: Path) -> None:
    rows = "a1,2015-02-15,shelling,,,,,\n,2015-02-16,shelling,,,,,x\n"
    path = csv_file(tmp_path, rows)
    first, _, _ = run(CanonicalCsvImporter(), path)
    second, _, _ = run(CanonicalCsvImporter(), path)
    assert first["report_key"].to_list() == second["report_key"].to_list()
    assert first["report_key"].n_unique() == 2
    assert all(len(k) == 32 for k in first["report_key"].to_list())


def test_the_key_rests_on_the_record_id_when_there_is_one(tmp_path: Path) -> None:
    one = csv_file(tmp_path, "a1,2015-02-15,shelling,,,,,first\n")
    first, _, _ = run(CanonicalCsvImporter(), one)
    one.write_text(HEADER + "a1,2015-02-16,armed_clash,,,,,edited\n")
    edited, _, _ = run(CanonicalCsvImporter(), one)
    assert first["report_key"].to_list() == edited["report_key"].to_list()


def test_keys_and_frames_do_not_depend_on_the_chunk_size(tmp_path: Path) -> None:
    rows = (
        "".join(
            f"{'r' + str(i) if i % 3 else ''},2015-02-{1 + i % 28:02d},shelling,48.{i},37,,,{i}\n"
            for i in range(50)
        )
        + "bad,never,shelling,,,,,\n"
    )
    path = csv_file(tmp_path, rows)
    small, small_rejected, small_records = run(CanonicalCsvImporter(), path, chunk_rows=7)
    large, large_rejected, large_records = run(CanonicalCsvImporter(), path, chunk_rows=100_000)
    assert small.equals(large)
    assert small_rejected == large_rejected and small_records == large_records == 51


def test_columns_outside_our_layout_are_kept_only_in_raw(tmp_path: Path) -> None:
    frame, _, _ = run(
        CanonicalCsvImporter(), csv_file(tmp_path, "a1,2015-02-15,shelling,,,,,kept\n")
    )
    assert "note" not in frame.columns
    assert json.loads(frame["raw"][0]) == {
        "source_record_id": "a1",
        "observed_at": "2015-02-15",
        "type": "shelling",
        "lat": "",
        "lon": "",
        "credibility": "",
        "releasability": "",
        "note": "kept",
    }


def test_json_lines_give_the_same_reports_and_keep_the_line_as_raw(tmp_path: Path) -> None:
    path = tmp_path / "reports.jsonl"
    lines = [
        {
            "source_record_id": "j1",
            "observed_at": "2015-02-15T08:00:00Z",
            "type": "shelling",
            "lat": 48.1,
            "lon": 37.7,
            "deaths": 2,
        },
        {"source_record_id": "j2", "observed_at": "2015-02-16", "type": "explosion"},
    ]
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    path.write_text(text + "\n\n", encoding="utf-8")
    frame, rejections, records = run(CanonicalJsonlImporter(), path)
    assert rejections == [] and records == 2
    assert frame.select("lat", "deaths").row(0) == (48.1, 2)
    assert frame["raw"].to_list() == text.split("\n")


def test_a_json_line_that_does_not_parse_is_rejected_by_its_line_number(tmp_path: Path) -> None:
    path = tmp_path / "reports.jsonl"
    path.write_text(
        '{"observed_at": "2015-02-15", "type": "shelling"}\n'
        "\n"
        '{"observed_at": "2015-02-15", "type": \n'
        '["not", "an", "object"]\n'
        '{"observed_at": "2015-02-16", "type": "shelling", "lat": "north"}\n'
    )
    frame, rejections, records = run(CanonicalJsonlImporter(), path)
    assert frame.height == 1 and records == 4
    assert [(r.row_number, r.field) for r in rejections] == [
        (3, "(record)"),
        (4, "(record)"),
        (5, "lat"),
    ]


def test_json_lines_without_the_required_fields_stop_with_a_did_you_mean(tmp_path: Path) -> None:
    path = tmp_path / "reports.jsonl"
    path.write_text('{"observed": "2015-02-15", "type": "shelling"}\n')
    with pytest.raises(IntakeError, match="did you mean 'observed' -> 'observed_at'"):
        run(CanonicalJsonlImporter(), path)


def feature(geometry: object, **properties: object) -> dict[str, object]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def test_geojson_points_give_coordinates_and_other_geometries_are_rejected(
    tmp_path: Path,
) -> None:
    features = [
        feature(
            {"type": "Point", "coordinates": [37.7, 48.1]},
            observed_at="2015-02-15",
            type="shelling",
            source_record_id="g1",
        ),
        feature(None, observed_at="2015-02-15", type="shelling", place_name="Avdiivka"),
        feature(
            {"type": "Polygon", "coordinates": [[[37, 48], [38, 48], [38, 49], [37, 48]]]},
            observed_at="2015-02-15",
            type="shelling",
        ),
    ]
    path = tmp_path / "reports.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    frame, rejections, records = run(CanonicalGeojsonImporter(), path)
    assert records == 3 and frame.height == 2
    assert frame.select("lat", "lon").row(0) == (48.1, 37.7)
    assert frame["place_name"].to_list() == [None, "Avdiivka"]
    assert json.loads(frame["raw"][0]) == features[0]
    (rejection,) = rejections
    assert (rejection.row_number, rejection.field, rejection.value) == (
        3,
        "geometry",
        "a Polygon geometry",
    )


def test_a_file_that_is_not_a_feature_collection_stops(tmp_path: Path) -> None:
    path = tmp_path / "reports.geojson"
    path.write_text('{"type": "Feature"}')
    with pytest.raises(IntakeError, match="FeatureCollection"):
        run(CanonicalGeojsonImporter(), path)
