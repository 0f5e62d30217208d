"""ACLED exports, current and older, from files the tests write (ACLED data may not ship)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from guarantor.evidence.reports import REPORT_SCHEMA, Source
from guarantor.io.formats.acled import AcledImporter
from guarantor.io.formats.base import Rejection
from guarantor.io.formats.errors import IntakeError
from guarantor.io.formats.registry import detect_format
from guarantor.io.vocabulary import vocabulary_table

SOURCE = Source("acled", "ACLED", "partner_intelligence", "B")
CURRENT = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
OLDER = ["data_id", "iso3", "event_id_no_cnty", *CURRENT]


def acled_event(**values: str) -> dict[str, str]:
    base = {
        "event_id_cnty": "UKR1",
        "event_date": "2022-02-24",
        "year": "2022",
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Shelling/artillery/missile attack",
        "actor1": "Military Forces of Russia (2000-)",
        "actor2": "Military Forces of Ukraine",
        "country": "Ukraine",
        "admin1": "Donetsk",
        "location": "Avdiivka",
        "latitude": "48.1394",
        "longitude": "37.7497",
        "geo_precision": "1",
        "source": "Ukrainska Pravda; Suspilne",
        "source_scale": "National",
        "notes": "On 24 February 2022, Russian forces shelled Avdiivka.",
        "fatalities": "2",
        "timestamp": "1645800000",
        "data_id": "9001",
        "iso3": "UKR",
        "event_id_no_cnty": "1",
    }
    return base | values


def write_acled(tmp_path: Path, rows: list[dict[str, str]], columns: list[str] = CURRENT) -> Path:
    path = tmp_path / "acled_export.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run(path: Path) -> tuple[pl.DataFrame, list[Rejection], int]:
    chunks = list(AcledImporter().chunks(path, source=SOURCE))
    frame = pl.concat([c.reports for c in chunks])
    assert dict(frame.schema) == dict(REPORT_SCHEMA)
    return frame, [r for c in chunks for r in c.rejections], sum(c.records for c in chunks)


def day(year: int, month: int, dd: int, end: bool = False) -> datetime:
    if end:
        return datetime(year, month, dd, 23, 59, 59, 999_999, tzinfo=UTC)
    return datetime(year, month, dd, tzinfo=UTC)


def test_a_current_export_gives_one_report_per_event(tmp_path: Path) -> None:
    path = write_acled(tmp_path, [acled_event()])
    assert detect_format(path) == "acled"
    frame, rejections, records = run(path)
    assert rejections == [] and records == 1
    report = frame.row(0, named=True)
    assert (report["source_record_id"], report["event_ref"]) == ("UKR1", "UKR1")
    assert (report["observed_at"], report["observed_until"]) == (
        day(2022, 2, 24),
        day(2022, 2, 24, True),
    )
    assert (report["type"], report["type_original"]) == (
        "shelling",
        "Shelling/artillery/missile attack",
    )
    assert (report["lat"], report["lon"], report["place_name"]) == (48.1394, 37.7497, "Avdiivka")
    assert report["outlet"] == "Ukrainska Pravda;Suspilne"
    assert report["deaths"] == 2
    assert report["claimed_actor"] == "Military Forces of Russia (2000-)"
    assert report["target"] == "Military Forces of Ukraine"
    assert report["text"].startswith("On 24 February 2022")
    assert (report["source_id"], report["credibility"]) == ("acled", 6)
    assert report["releasability"] is None


def test_an_older_export_with_day_first_dates_and_times_is_read(tmp_path: Path) -> None:
    rows = [
        acled_event(event_date="24/02/2022 00:00:00"),
        acled_event(event_id_cnty="UKR2", event_date="25 February 2022"),
    ]
    frame, rejections, _ = run(write_acled(tmp_path, rows, OLDER))
    assert rejections == []
    assert frame["observed_at"].to_list() == [day(2022, 2, 24), day(2022, 2, 25)]


def test_precision_codes_become_ucdp_codes_and_widen_the_span(tmp_path: Path) -> None:
    rows = [
        acled_event(
            event_id_cnty="W", event_date="2022-03-16", time_precision="2", geo_precision="2"
        ),
        acled_event(
            event_id_cnty="M", event_date="2022-03-15", time_precision="3", geo_precision="3"
        ),
    ]
    frame, _, _ = run(write_acled(tmp_path, rows))
    week, month = frame.rows(named=True)
    assert (week["time_precision"], week["place_precision"]) == (3, 2)
    assert (week["observed_at"], week["observed_until"]) == (
        day(2022, 3, 13),
        day(2022, 3, 19, True),
    )
    assert (month["time_precision"], month["place_precision"]) == (4, 4)
    assert (month["observed_at"], month["observed_until"]) == (
        day(2022, 3, 1),
        day(2022, 3, 31, True),
    )


def test_a_precision_code_acled_does_not_have_is_rejected(tmp_path: Path) -> None:
    _, rejections, _ = run(write_acled(tmp_path, [acled_event(geo_precision="5")]))
    assert [(r.field, r.value) for r in rejections] == [("geo_precision", "5")]
    assert "1, 2 or 3" in rejections[0].expected


def test_a_date_in_no_documented_form_is_rejected_naming_event_date(tmp_path: Path) -> None:
    _, rejections, records = run(write_acled(tmp_path, [acled_event(event_date="2022/02/24")]))
    assert records == 1
    (rejection,) = rejections
    assert (rejection.field, rejection.value) == ("event_date", "2022/02/24")
    assert "2015-02-15" in rejection.expected and "15/02/2015" in rejection.expected


def test_a_protest_is_rejected_as_outside_the_ceasefire_taxonomy(tmp_path: Path) -> None:
    row = acled_event(event_type="Protests", sub_event_type="Peaceful protest")
    _, rejections, _ = run(write_acled(tmp_path, [row]))
    (rejection,) = rejections
    assert (rejection.field, rejection.value) == ("sub_event_type", "Peaceful protest")
    assert "taxonomy" in rejection.expected


def test_an_unknown_sub_event_type_is_rejected_with_the_vocabulary_fix(tmp_path: Path) -> None:
    _, rejections, _ = run(write_acled(tmp_path, [acled_event(sub_event_type="Laser attack")]))
    (rejection,) = rejections
    assert rejection.value == "Laser attack"
    assert "Air/drone strike" in rejection.expected
    assert "types.csv" in rejection.fix


def test_an_export_without_its_event_id_column_stops(tmp_path: Path) -> None:
    columns = [c for c in CURRENT if c != "event_id_cnty"] + ["event_id"]
    with pytest.raises(IntakeError, match="event_id_cnty"):
        run(write_acled(tmp_path, [acled_event(event_id="x")], columns))


def test_every_acled_event_and_sub_event_type_has_a_vocabulary_row() -> None:
    documented = [
        "Battles",
        "Violence against civilians",
        "Protests",
        "Riots",
        "Strategic developments",
        "Explosions/Remote violence",
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
        "Sexual violence",
        "Attack",
        "Abduction/forced disappearance",
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
        "Violent demonstration",
        "Mob violence",
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ]
    table = vocabulary_table().filter(pl.col("vocabulary") == "acled")
    assert sorted(set(documented) - set(table["term"].to_list())) == []
