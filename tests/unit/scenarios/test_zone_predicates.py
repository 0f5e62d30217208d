"""Zone predicates on the real shipped zones: distances on the ground, both targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from guarantor.agreement.loader import load_agreement
from guarantor.agreement.model import ResolvedVersion
from guarantor.scenarios.compile import compile_expression
from guarantor.scenarios.frame import normalise_record, records_to_frame
from guarantor.scenarios.polars_target import to_polars
from guarantor.scenarios.stream_target import to_python
from guarantor.scenarios.zones import add_zone_columns, zone_index, zone_uses

MINSK = Path(__file__).parents[3] / "agreements" / "minsk-2015"

# Avdiivka, 2.5 km from the 2015 line; Sloviansk, about 60 km (distances from the cases)
AVDIIVKA = {"id": "avdiivka", "time": "2015-04-01T21:30:00+03:00", "lat": 48.1402, "lon": 37.7501}
SLOVIANSK = {"id": "sloviansk", "time": "2015-05-05T08:00:00+03:00", "lat": 48.8497, "lon": 37.5974}
KHARKIV = {"id": "kharkiv", "time": "2015-02-22T13:00:00+02:00", "lat": 49.9935, "lon": 36.2304}
NOWHERE = {"id": "nowhere", "time": "2015-02-22T13:00:00+02:00"}


@pytest.fixture(scope="module")
def minsk() -> ResolvedVersion:
    return load_agreement(MINSK).latest


def evaluate(version: ResolvedVersion, text: str, *records: dict[str, Any]) -> list[Any]:
    """``text`` on each record in both targets; they must agree exactly."""
    zones = [z.id for z in version.zones]
    node = compile_expression(text, {}, zones, condition=False)
    uses = zone_uses([node])
    index = zone_index(version, [z for z, _ in uses])
    frame = add_zone_columns(records_to_frame(records), index, uses)
    column = frame.with_columns(to_polars(node).alias("v"))
    by_id = dict(zip(column["incident_id"], column["v"], strict=True))
    batch = [by_id[r["id"]] for r in records]
    evaluator = to_python(node)
    stream = []
    for record in records:
        normal = normalise_record(record)
        normal.update(index.point(uses, normal["lon"], normal["lat"]))
        stream.append(evaluator(normal))
    assert batch == stream
    return batch


def test_a_place_near_the_2015_line_is_within_25_km_and_one_60_km_away_is_not(
    minsk: ResolvedVersion,
) -> None:
    near, far = evaluate(minsk, 'distance_km("line-of-contact")', AVDIIVKA, SLOVIANSK)
    assert near == pytest.approx(2.5, abs=1.0)
    assert far == pytest.approx(60.1, abs=1.5)
    within = evaluate(minsk, 'within_km("line-of-contact", 25)', AVDIIVKA, SLOVIANSK)
    assert within == [True, False]
    assert evaluate(minsk, 'within_km("line-of-contact", 70)', SLOVIANSK) == [True]


def test_in_zone_tests_the_shipped_oblast_boundaries(minsk: ResolvedVersion) -> None:
    inside = evaluate(minsk, 'in_zone("conflict-area")', AVDIIVKA, SLOVIANSK, KHARKIV)
    assert inside == [True, True, False]


def test_a_within_km_test_and_the_buffer_zone_of_the_same_width_agree(
    minsk: ResolvedVersion,
) -> None:
    text = 'within_km("line-of-contact", 25) == in_zone("security-zone-artillery")'
    assert evaluate(minsk, text, AVDIIVKA, SLOVIANSK, KHARKIV) == [True, True, True]


def test_a_place_inside_a_zone_is_at_distance_zero(minsk: ResolvedVersion) -> None:
    assert evaluate(minsk, 'distance_km("conflict-area")', AVDIIVKA) == [0.0]


def test_an_incident_without_coordinates_has_unknown_zone_values(minsk: ResolvedVersion) -> None:
    assert evaluate(minsk, 'in_zone("conflict-area")', NOWHERE) == [None]
    assert evaluate(minsk, 'distance_km("line-of-contact")', NOWHERE) == [None]
    assert evaluate(minsk, '!in_zone("conflict-area")', NOWHERE) == [None]
