import numpy as np
import polars as pl

from guarantor.evidence.fusion.similarity import (
    indexed_similarity,
    normalise_text,
    pair_similarity,
)


def normalised(*texts: str | None) -> list[str | None]:
    return pl.DataFrame({"t": list(texts)}).select(normalise_text("t"))["t"].to_list()


def test_ukrainian_russian_and_english_spellings_of_a_town_meet() -> None:
    assert len(set(normalised("Іловайськ", "Иловайск", "Ilovaisk", "Ilovaysk"))) == 1


def test_kharkiv_spellings_are_one_edit_apart() -> None:
    uk, ru, en = normalised("Харків", "Харьков", "Kharkiv")
    assert uk == en
    assert sum(a != b for a, b in zip(uk or "", ru or "", strict=True)) == 1


def test_punctuation_case_and_empty_text_are_normalised_away() -> None:
    assert normalised("Донецьк, АЕРОПОРТ — бій!", "   ", None) == [
        "doneck aeroport bii",
        None,
        None,
    ]


def test_similarity_is_null_where_either_text_is_missing() -> None:
    scores = pair_similarity(pl.Series(["a b", None, "x"]), pl.Series(["b a", "y", None]))
    assert scores.to_list() == [100.0, None, None]


def test_similarity_by_index_equals_similarity_of_the_gathered_pairs() -> None:
    texts = pl.Series(["a b", None, "x y z", "a b", "b a c", "x"])
    first = np.array([0, 0, 1, 2, 3, 4, 5, 0], dtype=np.int64)
    second = np.array([3, 1, 2, 5, 4, 0, 5, 2], dtype=np.int64)
    by_index = indexed_similarity(texts, first, second)
    gathered = pair_similarity(texts.gather(first), texts.gather(second))
    assert by_index.to_list() == gathered.to_list()
    assert by_index.to_list()[:3] == [100.0, None, None]
