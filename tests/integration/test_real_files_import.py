"""The importers on the real files in ../shared/data: every event accounted for.

These tests fail (never skip) when the folder is missing: a green run means the real data
was read.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import polars as pl
import pytest

from guarantor.evidence.reports import REPORT_SCHEMA, Source
from guarantor.io.formats.base import Chunk, Rejection
from guarantor.io.formats.registry import detect_format
from guarantor.io.formats.ucdp import UcdpGedImporter
from guarantor.io.formats.viina import ViinaImporter

pytestmark = pytest.mark.shared_data
Imported = tuple[pl.DataFrame, list[Rejection], int]

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
UCDP = DATA / "ucdp_ged_ukraine_2014-2022.csv"
VIINA = [DATA / "viina_derived" / f"VIINA_{year}_REBUILD.csv" for year in range(2022, 2026)]


@pytest.fixture(scope="module")
def data_folder() -> Path:
    if not DATA.is_dir():
        pytest.fail(
            f"the shared data folder {DATA} is missing: these tests read the real UCDP and "
            "VIINA files there; run them in a checkout that has ../shared/data beside it"
        )
    for path in [UCDP, *VIINA]:
        assert path.is_file(), f"{path} is missing from the shared data folder"
    return DATA


def collect(chunks: list[Chunk]) -> Imported:
    for chunk in chunks:
        assert dict(chunk.reports.schema) == dict(REPORT_SCHEMA)
        assert chunk.records == chunk.reports.height + len({r.row_number for r in chunk.rejections})
    reports = pl.concat([c.reports for c in chunks])
    return reports, [r for c in chunks for r in c.rejections], sum(c.records for c in chunks)


def explain(rejections: list[Rejection]) -> str:
    return "\n".join(f"row {r.row_number} {r.field}={r.value!r}: {r.expected}" for r in rejections)


def ucdp_events() -> list[dict[str, str]]:
    with UCDP.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def squeeze(text: str) -> str:
    return re.sub(r"\s*;\s*", ";", text.strip())


def cited_articles(event: dict[str, str]) -> list[str]:
    """The articles of an event, read with Python's csv module (';' between quoted items)."""
    text = event["source_article"]
    return next(csv.reader([text], delimiter=";", quotechar='"')) if text else []


@pytest.fixture(scope="module")
def ucdp(data_folder: Path) -> Imported:
    source = Source("ucdp", "UCDP GED", "media", "F")
    return collect(list(UcdpGedImporter().chunks(UCDP, source=source)))


def test_the_ucdp_file_is_told_as_ucdp_and_viina_files_as_viina(data_folder: Path) -> None:
    assert detect_format(UCDP) == "ucdp_ged"
    assert {detect_format(path) for path in VIINA} == {"viina"}


def test_every_ucdp_article_becomes_a_report_and_no_event_is_lost(ucdp: Imported) -> None:
    reports, rejections, records = ucdp
    events = ucdp_events()
    assert len(events) == 3_077
    articles = sum(len(cited_articles(e)) for e in events)
    assert articles == sum(int(e["number_of_sources"]) for e in events)
    assert rejections == [], explain(rejections)
    assert reports.height == records == articles
    assert reports["event_ref"].n_unique() == 3_077
    assert reports["report_key"].n_unique() == reports.height


def test_ucdp_outlets_and_headlines_align_with_each_article(ucdp: Imported) -> None:
    reports, _, _ = ucdp
    by_id = reports.group_by("event_ref", maintain_order=True).agg("outlet", "text")
    outlets = {row[0]: (row[1], row[2]) for row in by_id.iter_rows()}
    for event in ucdp_events():
        got_outlets, got_headlines = outlets[event["id"]]
        assert got_outlets == [o.strip() for o in event["source_office"].split(";")]
        assert squeeze(";".join(got_headlines)) == squeeze(event["source_headline"])
    semicolon = reports.filter(pl.col("event_ref") == "153143")["text"].to_list()
    assert semicolon[1] == "Fierce battles in Ukraine; OSCE team freed"


def test_ucdp_reads_the_same_in_small_chunks(ucdp: Imported) -> None:
    source = Source("ucdp", "UCDP GED", "media", "F")
    small, _, _ = collect(list(UcdpGedImporter().chunks(UCDP, source=source, chunk_rows=250)))
    assert small.equals(ucdp[0])


def test_every_viina_event_becomes_one_report(data_folder: Path) -> None:
    source = Source("viina", "VIINA 2.0", "media", "F")
    total = 0
    for path in VIINA:
        reports, rejections, records = collect(list(ViinaImporter().chunks(path, source=source)))
        assert rejections == [], f"{path.name}:\n{explain(rejections)}"
        events = pl.read_csv(path, infer_schema=False)
        assert reports.height == records == events.height
        assert reports["event_ref"].to_list() == events["event_id_1pd"].to_list()
        assert (
            reports["outlet"].to_list()
            == events["sources_matching"].str.replace_all(r"\|", ";").to_list()
        )
        assert reports["type"].null_count() == 0
        total += reports.height
    assert total == 3_578
