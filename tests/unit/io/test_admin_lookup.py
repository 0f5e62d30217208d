"""Oblast and raion of any point, by point in polygon against the shipped geoBoundaries."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources

import polars as pl
import pytest
import shapely

from guarantor.agreement.geometry import admin_units
from guarantor.io.admin_lookup import NEAREST_KM, assign_admin, derive_admin1_codes
from guarantor.io.gazetteer import Gazetteer


def units_of(*points: tuple[float | None, float | None]) -> list[tuple[str | None, str | None]]:
    lat = pl.Series([p[0] for p in points], dtype=pl.Float64)
    lon = pl.Series([p[1] for p in points], dtype=pl.Float64)
    return list(assign_admin(lat, lon).iter_rows())


def test_donetsk_city_lies_in_donetsk_oblast() -> None:
    assert units_of((48.023, 37.80224))[0][0] == "Donetsk Oblast"


def test_lviv_lies_in_lviv_oblast() -> None:
    assert units_of((49.83826, 24.02324))[0][0] == "Lviv Oblast"


def test_kyiv_city_is_its_own_unit_and_raion() -> None:
    assert units_of((50.45466, 30.5238)) == [("Kyiv", "Kyiv")]


def test_a_point_in_the_azov_sea_a_few_km_off_mariupol_is_in_donetsk_oblast() -> None:
    assert units_of((47.03, 37.56))[0][0] == "Donetsk Oblast"


def test_a_point_just_outside_the_simplified_coast_takes_the_nearest_oblast() -> None:
    oblast = admin_units(1)["Donetsk Oblast"]
    near, far = shapely.Point(37.56, 46.72), shapely.Point(37.56, 46.60)
    assert not oblast.contains(near) and oblast.distance(near) * 111.32 < NEAREST_KM
    assert oblast.distance(far) * 111.32 > NEAREST_KM
    assert [unit for unit, _ in units_of((46.72, 37.56), (46.60, 37.56))] == [
        "Donetsk Oblast",
        None,
    ]


def test_a_point_in_poland_is_in_no_unit() -> None:
    assert units_of((50.04, 22.0)) == [(None, None)]  # Rzeszów


def test_null_and_non_finite_coordinates_stay_null_and_rows_keep_their_order() -> None:
    assert units_of(
        (None, None), (48.023, 37.80224), (48.0, None), (float("nan"), 30.0), (49.83826, 24.02324)
    ) == [
        (None, None),
        ("Donetsk Oblast", "Yasynuvata"),  # the raion layer has no separate unit for the city
        (None, None),
        (None, None),
        ("Lviv Oblast", "Horodok"),
    ]


def test_an_empty_input_gives_an_empty_frame() -> None:
    found = assign_admin(pl.Series([], dtype=pl.Float64), pl.Series([], dtype=pl.Float64))
    assert found.height == 0 and found.columns == ["admin1", "admin2"]


def test_raions_of_the_same_name_are_told_apart_by_their_oblast() -> None:
    assert units_of((46.673, 34.525), (46.952, 30.564)) == [
        ("Kherson Oblast", "Ivanivka"),
        ("Odessa Oblast", "Ivanivka"),
    ]


def test_repeated_points_get_the_same_units_as_single_ones() -> None:
    points = [(48.023, 37.80224), (49.83826, 24.02324), (None, None)]
    assert units_of(*(points * 1_000)) == units_of(*points) * 1_000


def test_a_raion_is_always_one_of_its_oblast() -> None:
    """Over every GeoNames place: a raion name appears with no more oblasts than there are
    raions of that name in the shipped layer (two Ivanivkas, in two oblasts)."""
    places = Gazetteer.shipped().places
    found = assign_admin(places["latitude"], places["longitude"]).drop_nulls()
    path = resources.files("guarantor").joinpath(
        "data", "boundaries", "adm2_pre2020_raions.geojson"
    )
    features = json.loads(path.read_text("utf-8"))["features"]
    raions_named = Counter(f["properties"]["shapeName"] for f in features)
    oblasts_per_raion = found.group_by("admin2").agg(pl.col("admin1").n_unique())
    for raion, oblasts in oblasts_per_raion.iter_rows():
        assert oblasts <= raions_named[raion], raion
    assert found.height > 0.95 * places.height


def test_codes_take_the_unit_most_of_their_points_fall_in() -> None:
    codes = pl.Series(["a", "a", "a", "b", "b"])
    units = pl.Series(["X", "X", "Y", "Y", None])
    votes = derive_admin1_codes(codes, units)
    assert votes.select("code", "unit", "votes").rows() == [("a", "X", 2), ("b", "Y", 1)]
    assert votes["share"].to_list() == pytest.approx([2 / 3, 1.0])


def test_lat_and_lon_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="give one of each"):
        assign_admin(pl.Series([1.0]), pl.Series([1.0, 2.0]))
