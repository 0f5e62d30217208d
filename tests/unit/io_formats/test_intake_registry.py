"""Importers are found by name, and a file's layout is told from its name and header."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guarantor.io.formats.errors import IntakeError
from guarantor.io.formats.mapped import MappingCsvImporter
from guarantor.io.formats.registry import (
    FORMATS,
    IMPORTERS,
    detect_format,
    importer_for,
    make_importer,
)

DOCS = Path(__file__).resolve().parents[3] / "docs"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_registered_importer_carries_its_own_name() -> None:
    assert {name: importer.name for name, importer in IMPORTERS.items()} == {
        name: name for name in IMPORTERS
    }
    assert set(FORMATS) == {
        "canonical_csv",
        "canonical_jsonl",
        "canonical_geojson",
        "ucdp_ged",
        "acled",
        "viina",
        "mapped_csv",
    }


@pytest.mark.parametrize(
    ("header", "layout"),
    [
        ("id,relid,where_prec,date_prec,date_start\n", "ucdp_ged"),
        ("event_id_cnty,event_date,event_type\n", "acled"),
        ("event_id_1pd,date,n_reports,event_ids_matching,sources_matching\n", "viina"),
        ("observed_at,type,lat,lon\n", "canonical_csv"),
    ],
)
def test_a_csv_layout_is_told_by_its_header(tmp_path: Path, header: str, layout: str) -> None:
    assert detect_format(write(tmp_path, "in.csv", header)) == layout


def test_json_files_are_told_apart_by_their_content(tmp_path: Path) -> None:
    collection = json.dumps({"type": "FeatureCollection", "features": []}, indent=2)
    assert detect_format(write(tmp_path, "a.json", collection)) == "canonical_geojson"
    assert detect_format(write(tmp_path, "b.json", '{"observed_at": "2015-02-15"}\n')) == (
        "canonical_jsonl"
    )
    assert detect_format(write(tmp_path, "c.geojson", collection)) == "canonical_geojson"
    assert detect_format(write(tmp_path, "d.jsonl", "{}\n")) == "canonical_jsonl"


def test_an_unknown_header_asks_for_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(IntakeError) as caught:
        detect_format(write(tmp_path, "in.csv", "Дата,Подія\n"))
    assert "mapped_csv" in str(caught.value) and "Дата" in str(caught.value)


def test_a_mapping_file_alone_chooses_the_mapped_layout() -> None:
    data = DOCS / "examples" / "mapping-example.csv"
    importer = make_importer(data, None, DOCS / "examples" / "mapping-example.yaml")
    assert isinstance(importer, MappingCsvImporter) and importer.name == "mapped_csv"


def test_the_mapped_layout_without_a_mapping_file_says_what_is_missing() -> None:
    with pytest.raises(IntakeError, match="mapping"):
        importer_for("mapped_csv")


def test_an_unknown_layout_name_lists_the_known_ones() -> None:
    with pytest.raises(IntakeError, match="canonical_csv, canonical_jsonl"):
        importer_for("acled_v2")
