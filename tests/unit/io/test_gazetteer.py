"""Place names to coordinates with the shipped GeoNames gazetteer; resolution never guesses.

Every name and GeoNames id below was checked in the shipped
``geonames_UA_populated_places.tsv.gz``.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from guarantor.agreement.geometry import admin_unit_names
from guarantor.io.gazetteer import (
    RESOLUTIONS,
    Gazetteer,
    normalise_place_name,
    normalise_place_names,
)

DONETSK, KHARKIV, LVIV, KYIV, MARIUPOL = 709717, 706483, 702550, 703448, 701822
DEBALTSEVE, AVDIIVKA, SHCHASTYA, STANYTSYA = 710229, 713122, 694725, 692953
NOVOSELIVKA_LUHANSK = 809484  # the only Novoselivka in Luhansk Oblast (GeoNames admin1 14)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.shipped()


def resolve(
    gazetteer: Gazetteer, names: list[str | None], hints: list[str | None] | None = None
) -> pl.DataFrame:
    hint_series = None if hints is None else pl.Series(hints, dtype=pl.Utf8)
    return gazetteer.resolve(pl.Series(names, dtype=pl.Utf8), hint_series)


def one(gazetteer: Gazetteer, name: str, hint: str | None = None) -> dict[str, Any]:
    return resolve(gazetteer, [name], [hint]).row(0, named=True)


@pytest.mark.parametrize(
    ("spellings", "key"),
    [
        (["Донецьк", "Donets'k", "Donetsk", "Донецк", "Donets’k", "DONETSK"], "donetsk"),
        (["Дебальцеве", "Debaltseve", "Debal'tseve", "Debalʼtseve"], "debaltseve"),
        (["Харків", "Kharkiv"], "kharkiv"),
        (
            ["Станиця Луганська", "Stanytsia-Luhans'ka", "  stanytsia   luhanska "],
            "stanytsia luhanska",
        ),
        (["Київ", "Kyïv"], "kyiv"),
        (["Львів", "L'viv", "Lʹviv"], "lviv"),
    ],
)
def test_spellings_in_both_scripts_with_any_apostrophe_meet_in_one_key(
    spellings: list[str], key: str
) -> None:
    assert {normalise_place_name(s) for s in spellings} == {key}


def test_ukrainian_and_russian_letters_have_one_transliteration_each() -> None:
    assert normalise_place_name("Ґалаґан ЇЖАК Єнакієве") == "galagan yizhak yenakiieve"
    # one scheme for both languages: и is y, as in Ukrainian; ъ vanishes like ь
    assert normalise_place_name("Подъём, Ёлкино, Эмы") == "podem elkyno emy"
    assert normalise_place_name("Дебальцево") == "debaltsevo"


def test_the_series_form_normalises_each_distinct_name_and_keeps_nulls() -> None:
    names = pl.Series(["Донецьк", None, "Donets'k", "Донецьк"], dtype=pl.Utf8)
    assert normalise_place_names(names).to_list() == ["donetsk", None, "donetsk", "donetsk"]


@pytest.mark.parametrize("name", ["Донецьк", "Donets'k", "Donetsk", "Донецк"])
def test_donetsk_resolves_from_every_spelling(gazetteer: Gazetteer, name: str) -> None:
    found = one(gazetteer, name)
    assert (found["resolution"], found["geonames_id"]) == ("resolved", DONETSK)
    assert found["lat"] == pytest.approx(48.023) and found["lon"] == pytest.approx(37.80224)


@pytest.mark.parametrize("name", ["Харків", "Kharkiv", "Харьков", "Kharkov"])
def test_kharkiv_and_kharkov_resolve_to_kharkiv_through_alternate_names(
    gazetteer: Gazetteer, name: str
) -> None:
    assert one(gazetteer, name)["geonames_id"] == KHARKIV


@pytest.mark.parametrize("name", ["Дебальцеве", "Debaltseve", "Debal'tseve", "Debaltsevo"])
def test_debaltseve_spellings_resolve_to_the_donetsk_town_given_its_oblast(
    gazetteer: Gazetteer, name: str
) -> None:
    assert one(gazetteer, name, "Donetsk Oblast")["geonames_id"] == DEBALTSEVE
    # a village in Dnipropetrovsk Oblast has the same name: no guess without the oblast
    assert one(gazetteer, name)["resolution"] == "ambiguous"


@pytest.mark.parametrize(
    ("name", "hint", "geonames_id"),
    [
        ("Avdiivka", "Donetsk", AVDIIVKA),
        ("Авдеевка", "Донецкая область", AVDIIVKA),
        ("Shchastya", None, SHCHASTYA),
        ("Счастье", None, SHCHASTYA),
        ("Stanytsya Luhans'ka", None, STANYTSYA),
        ("Станиця Луганська", "Луганська область", STANYTSYA),
    ],
)
def test_places_of_the_line_of_contact_resolve(
    gazetteer: Gazetteer, name: str, hint: str | None, geonames_id: int
) -> None:
    assert one(gazetteer, name, hint)["geonames_id"] == geonames_id


@pytest.mark.parametrize(
    "hint",
    ["Luhansk Oblast", "Луганська область", "Луганская область", "Luhanskaya oblast'", "Luhansk"],
)
def test_a_name_shared_by_many_villages_resolves_with_an_oblast_hint_in_any_language(
    gazetteer: Gazetteer, hint: str
) -> None:
    found = one(gazetteer, "Novoselivka", hint)
    assert (found["resolution"], found["geonames_id"]) == ("resolved", NOVOSELIVKA_LUHANSK)
    assert one(gazetteer, "Новоселівка", hint)["geonames_id"] == NOVOSELIVKA_LUHANSK


def test_the_same_name_without_a_hint_is_ambiguous_and_lists_candidates(
    gazetteer: Gazetteer,
) -> None:
    found = one(gazetteer, "Novoselivka")
    assert found["resolution"] == "ambiguous"
    assert found["lat"] is None and found["lon"] is None and found["geonames_id"] is None
    assert "Novoselivka (" in found["candidates"] and "Oblast" in found["candidates"]
    assert "geonames " in found["candidates"] and "more" in found["candidates"]


def test_several_places_of_a_name_in_the_hinted_oblast_stay_ambiguous(gazetteer: Gazetteer) -> None:
    found = one(gazetteer, "Petrivka", "Донецька область")
    assert found["resolution"] == "ambiguous"
    assert "Petrivka (Donetsk Oblast" in found["candidates"]


def test_an_unknown_name_is_unknown_and_not_guessed(gazetteer: Gazetteer) -> None:
    found = one(gazetteer, "Xyzzyvillebergsk")
    assert (found["resolution"], found["lat"], found["geonames_id"]) == ("unknown", None, None)


def test_null_and_blank_names_are_empty(gazetteer: Gazetteer) -> None:
    found = resolve(gazetteer, [None, "", "  ", "--"])
    assert found["resolution"].to_list() == ["empty"] * 4
    assert found["lat"].null_count() == 4


def test_a_name_found_only_outside_the_hinted_oblast_is_unknown_and_says_where(
    gazetteer: Gazetteer,
) -> None:
    found = one(gazetteer, "Shchastya", "Donetsk Oblast")
    assert found["resolution"] == "unknown" and found["lat"] is None
    assert found["candidates"].startswith("none in Donetsk Oblast; elsewhere: Shchastya (Luhansk")


def test_a_hint_that_names_no_oblast_of_ukraine_resolves_nothing(gazetteer: Gazetteer) -> None:
    found = one(gazetteer, "Donetsk", "Rostov oblast")  # there is a Donetsk in Russia too
    assert found["resolution"] == "ambiguous" and found["lat"] is None
    assert "'Rostov oblast' is not one of Ukraine's" in found["candidates"]


def test_the_one_seat_of_administration_among_places_of_a_name_is_taken(
    gazetteer: Gazetteer,
) -> None:
    # three places are named Lviv; only the oblast centre is a seat (PPLA)
    assert one(gazetteer, "Lviv")["geonames_id"] == LVIV
    assert one(gazetteer, "Kiev")["geonames_id"] == KYIV  # PPLC


def test_a_seat_known_only_by_an_old_name_does_not_beat_villages_of_that_name(
    gazetteer: Gazetteer,
) -> None:
    # Donetsk city lists "Donetske" and "Oleksandrivka" among its alternate names
    assert one(gazetteer, "Donetske")["resolution"] == "ambiguous"
    assert one(gazetteer, "Oleksandrivka", "Donetsk Oblast")["resolution"] == "ambiguous"


def test_a_city_district_listed_under_a_city_name_does_not_make_the_city_ambiguous(
    gazetteer: Gazetteer,
) -> None:
    assert one(gazetteer, "Mariupol", "Donetsk oblast")["geonames_id"] == MARIUPOL
    # a hamlet in Kirovohrad Oblast is also named Mariupol, and neither is a seat
    assert one(gazetteer, "Mariupol")["resolution"] == "ambiguous"


@pytest.mark.parametrize(
    "name",
    ["smt Novoazovsk", "м. Щастя", "village of Shchastya", "Shchastya town", "Shchastya (Luhansk)"],
)
def test_a_settlement_type_word_or_a_parenthesis_is_dropped_when_that_helps(
    gazetteer: Gazetteer, name: str
) -> None:
    assert one(gazetteer, name)["resolution"] == "resolved"


@pytest.mark.parametrize(
    "hint",
    [
        "Donetsk",
        "Донецька область",
        "Donetsk Oblast",
        "Donetskaya oblast'",
        "Донецкая обл.",
        "Donets'ka",
    ],
)
def test_an_oblast_hint_means_the_same_unit_in_any_language(
    gazetteer: Gazetteer, hint: str
) -> None:
    assert gazetteer.oblast_of_hint(hint) == frozenset({"Donetsk Oblast"})


@pytest.mark.parametrize(
    ("hint", "units"),
    [
        ("Kyiv", {"Kyiv", "Kyiv Oblast"}),
        ("Kiev Special Republican city", {"Kyiv"}),
        ("м. Київ", {"Kyiv"}),
        ("Kiev oblast", {"Kyiv Oblast"}),
        ("Київська область", {"Kyiv Oblast"}),
        ("Автономная Республика Крым", {"Autonomous Republic of Crimea"}),
        ("Ровенская область", {"Rivne Oblast"}),
        ("Чернівецька область", {"Chernivtsi Oblast"}),
        ("Donetsk oblast, Volnovakha raion", {"Donetsk Oblast"}),
    ],
)
def test_kyiv_city_and_oblast_and_irregular_adjectives_are_told_apart(
    gazetteer: Gazetteer, hint: str, units: set[str]
) -> None:
    assert gazetteer.oblast_of_hint(hint) == frozenset(units)


def test_every_shipped_unit_is_meant_by_its_own_shape_name(gazetteer: Gazetteer) -> None:
    for name in admin_unit_names(1):
        assert name in (gazetteer.oblast_of_hint(name) or ()), name


def test_a_hint_that_says_nothing_is_no_hint_and_a_foreign_one_is_recognised_as_none(
    gazetteer: Gazetteer,
) -> None:
    assert gazetteer.oblast_of_hint(None) is None
    assert gazetteer.oblast_of_hint("  ") is None
    assert gazetteer.oblast_of_hint("Ukraine") is None
    assert gazetteer.oblast_of_hint("Rostov oblast") == frozenset()


def test_the_admin1_code_map_is_derived_from_the_places_and_covers_the_27_units(
    gazetteer: Gazetteer,
) -> None:
    codes = gazetteer.admin1_codes
    assert sorted(codes) == [f"{n:02d}" for n in range(1, 28)]
    assert sorted(codes.values()) == admin_unit_names(1)  # one code per unit, none left out
    # GeoNames gives Kyiv city and Sevastopol codes of their own, like geoBoundaries' units
    assert (codes["12"], codes["13"], codes["20"]) == ("Kyiv", "Kyiv Oblast", "Sevastopol")
    assert codes["11"] == "Autonomous Republic of Crimea"
    # a clear majority for every code: at least 97% of its places fall in its unit
    assert gazetteer.admin1_votes.filter(pl.col("share") < 0.95).is_empty()
    # "00" (8 places GeoNames could not place, one of them in Russia) is no code: by point
    assert "00" not in codes


def test_every_place_in_ukraine_has_its_oblast(gazetteer: Gazetteer) -> None:
    places = gazetteer.places
    assert places.height == 33_681
    missing = places.filter(pl.col("admin1").is_null())
    assert missing.height <= 8 and set(missing["admin1_code"]) == {"00"}


def test_resolve_gives_one_row_per_name_in_order_for_repeated_names(gazetteer: Gazetteer) -> None:
    names = ["Donetsk", "Novoselivka", None, "Lviv"] * 2_500
    hints = ["Donetsk", None, None, "Lviv Oblast"] * 2_500
    found = resolve(gazetteer, names, hints)
    assert found.columns == ["lat", "lon", "geonames_id", "resolution", "candidates"]
    assert found.height == 10_000
    assert found["geonames_id"].head(4).to_list() == [DONETSK, None, None, LVIV]
    assert found["geonames_id"].tail(4).to_list() == [DONETSK, None, None, LVIV]
    assert set(found["resolution"]) <= set(RESOLUTIONS)


def test_resolve_refuses_hints_that_do_not_line_up_with_the_names(gazetteer: Gazetteer) -> None:
    with pytest.raises(ValueError, match="2 names and 1 hints"):
        gazetteer.resolve(pl.Series(["a", "b"]), pl.Series(["Donetsk"]))
