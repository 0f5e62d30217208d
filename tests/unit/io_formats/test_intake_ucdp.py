"""UCDP GED events become one report per cited article, aligned with outlets and headlines."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from guarantor.evidence.reports import REPORT_SCHEMA, Source
from guarantor.io.formats.base import Rejection
from guarantor.io.formats.ucdp import UcdpGedImporter

SOURCE = Source("ucdp", "UCDP GED", "media", "F")
COLUMNS = [
    "id",
    "type_of_violence",
    "side_a",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "where_prec",
    "where_coordinates",
    "latitude",
    "longitude",
    "date_prec",
    "date_start",
    "date_end",
    "best",
]


def event(**values: str) -> dict[str, str]:
    base = {
        "id": "1",
        "type_of_violence": "1",
        "side_a": "Government of Ukraine",
        "side_b": "DPR",
        "number_of_sources": "1",
        "source_article": '"Reuters News,2015-02-01,Headline"',
        "source_office": "Reuters News",
        "source_date": "2015-02-01",
        "source_headline": "Headline",
        "where_prec": "2",
        "where_coordinates": "Vuhlehirsk",
        "latitude": "48.3",
        "longitude": "38.3",
        "date_prec": "1",
        "date_start": "2015-02-01",
        "date_end": "2015-02-01",
        "best": "3",
    }
    return base | values


def write_ged(tmp_path: Path, events: list[dict[str, str]]) -> Path:
    path = tmp_path / "ged.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(events)
    return path


def run(path: Path, chunk_rows: int = 100_000) -> tuple[pl.DataFrame, list[Rejection], int]:
    chunks = list(UcdpGedImporter().chunks(path, source=SOURCE, chunk_rows=chunk_rows))
    frame = pl.concat([c.reports for c in chunks])
    assert dict(frame.schema) == dict(REPORT_SCHEMA)
    return frame, [r for c in chunks for r in c.rejections], sum(c.records for c in chunks)


def test_each_cited_article_becomes_one_report_of_the_event(tmp_path: Path) -> None:
    articles = (
        '"Agence France Presse,2014-05-04,Fierce battles in Ukraine; OSCE team freed";'
        '"Reuters News,2014-05-05,Second headline"'
    )
    path = write_ged(
        tmp_path,
        [
            event(
                id="153143",
                number_of_sources="2",
                source_article=articles,
                source_office="Agence France Presse;Reuters News",
                source_date="2014-05-04;2014-05-05",
                source_headline="Fierce battles in Ukraine; OSCE team freed;Second headline",
            )
        ],
    )
    frame, rejections, records = run(path)
    assert rejections == [] and records == 2
    assert frame.select("source_record_id", "event_ref", "outlet", "source_id", "text").rows() == [
        (
            "153143:1",
            "153143",
            "Agence France Presse",
            "media:agence-france-presse",
            "Fierce battles in Ukraine; OSCE team freed",
        ),
        ("153143:2", "153143", "Reuters News", "media:reuters-news", "Second headline"),
    ]
    assert frame["row_number"].to_list() == [1, 1]
    assert frame["raw"][0] == frame["raw"][1]
    assert json.loads(frame["raw"][0])["id"] == "153143"


def test_the_event_fields_are_mapped_onto_every_report(tmp_path: Path) -> None:
    path = write_ged(
        tmp_path,
        [event(date_prec="2", date_start="2015-02-01", date_end="2015-02-03", where_prec="4")],
    )
    report = run(path)[0].row(0, named=True)
    assert report["observed_at"] == datetime(2015, 2, 1, tzinfo=UTC)
    assert report["observed_until"] == datetime(2015, 2, 3, 23, 59, 59, 999_999, tzinfo=UTC)
    assert (report["time_precision"], report["place_precision"]) == (2, 4)
    assert (report["lat"], report["lon"], report["place_name"]) == (48.3, 38.3, "Vuhlehirsk")
    assert (report["type"], report["type_original"], report["weapon"]) == (
        "armed_clash",
        "state-based conflict",
        "unknown",
    )
    assert report["deaths"] == 3
    assert report["claimed_actor"] == "Government of Ukraine; DPR"
    assert (report["credibility"], report["releasability"]) == (6, "PUBLIC")
    assert report["reliability"] is None  # the outlet's grade, F until an analyst grades it


def test_when_the_office_list_is_shorter_the_outlet_comes_from_the_article(tmp_path: Path) -> None:
    articles = '"Reuters News,2015-02-01,One";"MemoryBook,2015-02-02,Two"'
    path = write_ged(tmp_path, [event(source_article=articles, source_office="Reuters News")])
    frame, _, records = run(path)
    assert records == 2
    assert frame.select("outlet", "text").rows() == [("Reuters News", "One"), ("MemoryBook", "Two")]


def test_an_event_that_cites_nothing_keeps_one_report_under_the_default_source(
    tmp_path: Path,
) -> None:
    path = write_ged(tmp_path, [event(source_article="", source_office="", source_headline="")])
    frame, _, records = run(path)
    assert records == 1
    assert frame.select("source_record_id", "source_id", "outlet").row(0) == ("1:1", "ucdp", None)


def test_an_event_with_a_bad_date_is_rejected_once_for_all_its_articles(tmp_path: Path) -> None:
    articles = '"Reuters News,2015-02-01,One";"Reuters News,2015-02-01,Two"'
    path = write_ged(
        tmp_path,
        [
            event(
                id="7",
                date_start="01.02.2015",
                source_article=articles,
                source_office="Reuters News;Reuters News",
            ),
            event(id="8"),
        ],
    )
    frame, rejections, records = run(path)
    assert frame["event_ref"].to_list() == ["8"] and records == 2
    (rejection,) = rejections
    assert (rejection.row_number, rejection.field, rejection.value) == (
        1,
        "date_start",
        "01.02.2015",
    )


def test_one_sided_violence_maps_to_violence_against_civilians(tmp_path: Path) -> None:
    frame, _, _ = run(write_ged(tmp_path, [event(type_of_violence="3")]))
    assert frame["type"].to_list() == ["violence_against_civilians"]


def test_keys_are_stable_and_differ_per_article(tmp_path: Path) -> None:
    articles = '"A,2015-02-01,Same";"A,2015-02-01,Same"'
    path = write_ged(tmp_path, [event(source_article=articles, source_office="A;A")])
    first, _, _ = run(path)
    again, _, _ = run(path, chunk_rows=1)
    assert first["report_key"].n_unique() == 2
    assert first["report_key"].to_list() == again["report_key"].to_list()
