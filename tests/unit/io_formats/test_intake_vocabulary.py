"""The vocabulary table maps foreign words to our type ids and weapon classes, by a join."""

from __future__ import annotations

import polars as pl

from guarantor.io.vocabulary import (
    KNOWN,
    TYPE,
    TYPE_IDS,
    WEAPON,
    WEAPON_CLASSES,
    lookup_types,
    terms,
    vocabulary_names,
    vocabulary_table,
)


def test_the_table_has_the_four_documented_columns_and_checks_out() -> None:
    table = vocabulary_table()
    assert table.columns[:4] == ["vocabulary", "term", "type", "weapon"]
    assert set(table["type"].drop_nulls()) <= set(TYPE_IDS)
    assert set(table["weapon"].drop_nulls()) <= set(WEAPON_CLASSES)


def test_every_vocabulary_the_importers_use_is_present() -> None:
    assert {"guarantor", "acled", "ucdp_type_of_violence", "viina_attack"} <= set(
        vocabulary_names()
    )


def test_our_own_type_ids_map_to_themselves() -> None:
    assert terms("guarantor") == TYPE_IDS


def test_ucdp_violence_types_one_to_three_have_rows() -> None:
    assert terms("ucdp_type_of_violence") == ("1", "2", "3")


def test_every_viina_attack_stem_of_the_real_files_has_a_row() -> None:
    stems = [
        "удар",
        "вибух",
        "ракет",
        "атак",
        "знищ",
        "уничтож",
        "пожеж",
        "дрон",
        "взрыв",
        "пошкодж",
        "безпілот",
        "пожар",
        "поврежд",
        "беспилот",
        "drone",
        "fire",
        "destroy",
    ]
    assert set(stems) <= set(terms("viina_attack"))


def test_lookup_is_a_left_join_that_keeps_order_and_marks_unknown_terms() -> None:
    frame = pl.DataFrame({"type": ["Peaceful protest", "nonsense", " grenade ", None]})
    found = lookup_types(frame, "type", "acled")
    assert found["type"].to_list() == frame["type"].to_list()
    assert found.select(KNOWN, TYPE, WEAPON).rows() == [
        (True, None, None),
        (None, None, None),
        (True, "explosion", "unknown"),
        (None, None, None),
    ]
