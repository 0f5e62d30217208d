"""VIINA one-per-day events keep their lineage: outlets, URLs, headline, report ids."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from guarantor.evidence.reports import REPORT_SCHEMA, Source
from guarantor.io.formats.base import Rejection
from guarantor.io.formats.registry import detect_format
from guarantor.io.formats.viina import ViinaImporter
from guarantor.io.vocabulary import best_term

SOURCE = Source("viina", "VIINA 2.0", "media", "F")
COLUMNS = [
    "event_id_1pd",
    "date",
    "n_reports",
    "event_ids_matching",
    "sources_matching",
    "source_urls",
    "target_classes",
    "target_terms",
    "attack_terms",
    "geonameid",
    "asciiname",
    "ADM1_NAME",
    "ADM2_NAME",
    "longitude",
    "latitude",
    "location_bucket",
    "a_ukr",
    "a_rus",
    "representative_text",
    "TriageStatus",
]


def viina_event(**values: str) -> dict[str, str]:
    base = {
        "event_id_1pd": "106315",
        "date": "20220224",
        "n_reports": "2",
        "event_ids_matching": "1692990|1692991",
        "sources_matching": "unian|nv",
        "source_urls": "https://www.unian.ua/a|https://nv.ua/b",
        "target_classes": "STRATEGIC_AIRBASE",
        "target_terms": "аеродром",
        "attack_terms": "знищ|ракет|удар",
        "geonameid": "699942",
        "asciiname": "Nizhyn",
        "ADM1_NAME": "Chernihiv",
        "longitude": "31.880033",
        "latitude": "51.046414",
        "location_bucket": "DROP",
        "a_ukr": "0",
        "a_rus": "1",
        "representative_text": "У Ніжині ракетним ударом знищено пункт управління",
        "TriageStatus": "MACHINE_NONCANDIDATE",
    }
    return base | values


def write_viina(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    path = tmp_path / "VIINA_2022_REBUILD.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(path: Path) -> tuple[pl.DataFrame, list[Rejection], int]:
    chunks = list(ViinaImporter().chunks(path, source=SOURCE))
    frame = pl.concat([c.reports for c in chunks])
    assert dict(frame.schema) == dict(REPORT_SCHEMA)
    return frame, [r for c in chunks for r in c.rejections], sum(c.records for c in chunks)


def test_a_viina_event_becomes_one_report_with_its_lineage(tmp_path: Path) -> None:
    path = write_viina(tmp_path, [viina_event()])
    assert detect_format(path) == "viina"
    frame, rejections, records = run(path)
    assert rejections == [] and records == 1
    report = frame.row(0, named=True)
    assert (report["source_record_id"], report["event_ref"]) == ("106315", "106315")
    assert report["observed_at"] == datetime(2022, 2, 24, tzinfo=UTC)
    assert (report["geonames_id"], report["place_name"], report["place_precision"]) == (
        699942,
        "Nizhyn",
        2,
    )
    assert (report["outlet"], report["urls"]) == (
        "unian;nv",
        "https://www.unian.ua/a;https://nv.ua/b",
    )
    assert report["text"].startswith("У Ніжині")
    assert (report["claimed_actor"], report["target"]) == ("Russian forces", "STRATEGIC_AIRBASE")
    raw = json.loads(report["raw"])
    assert (raw["n_reports"], raw["event_ids_matching"]) == ("2", "1692990|1692991")


def test_the_most_specific_attack_term_gives_the_type(tmp_path: Path) -> None:
    rows = [
        viina_event(event_id_1pd="1", attack_terms="знищ|ракет|удар"),
        viina_event(event_id_1pd="2", attack_terms="Дрон|атак"),
        viina_event(event_id_1pd="3", attack_terms="Пожеж|вибух"),
    ]
    frame, _, _ = run(write_viina(tmp_path, rows))
    assert frame.select("type", "weapon", "type_original").rows() == [
        ("missile_strike", "missile", "знищ;ракет;удар"),
        ("drone_strike", "uav", "Дрон;атак"),
        ("explosion", "unknown", "Пожеж;вибух"),
    ]


def test_an_attack_term_with_no_row_is_rejected_with_the_vocabulary_fix(tmp_path: Path) -> None:
    _, rejections, _ = run(write_viina(tmp_path, [viina_event(attack_terms="обстріл|штурм")]))
    (rejection,) = rejections
    assert (rejection.field, rejection.value) == ("attack_terms", "обстріл|штурм")
    assert "types.csv" in rejection.fix


def test_both_actor_labels_name_both_forces(tmp_path: Path) -> None:
    frame, _, _ = run(write_viina(tmp_path, [viina_event(a_ukr="1", a_rus="1")]))
    assert frame["claimed_actor"].to_list() == ["Russian forces;Ukrainian forces"]


def test_best_term_keeps_the_whole_text_when_no_term_is_known() -> None:
    frame = pl.DataFrame({"t": ["удар|ракет", "foo|bar", None]})
    assert best_term(frame, "t", "viina_attack", "|").to_list() == ["ракет", "foo|bar", None]
