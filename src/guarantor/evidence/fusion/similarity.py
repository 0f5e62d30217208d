"""Text for matching: normalised, transliterated, compared by token measures.

Ukrainian and Russian Cyrillic are transliterated to Latin (one table for both, close to the
Ukrainian national system), then *folded* so that the usual spellings of one name meet:
``Іловайськ``, ``Иловайск``, ``Ilovaisk`` and ``Ilovaysk`` all become ``ilovaisk``;
``Харків``, ``Харьков`` and ``Kharkiv`` become ``garkiv``/``garkov`` (one edit apart). The
folded text is for comparison only and is never shown. Similarity is rapidfuzz's
``token_set_ratio`` (0..100) over pairs, computed in batches on ``workers`` threads.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

__all__ = [
    "CYRILLIC_TO_LATIN",
    "fold",
    "indexed_similarity",
    "latin_text",
    "normalise_text",
    "normalised_tokens",
    "pair_similarity",
    "token_count",
]

CYRILLIC_TO_LATIN: Final = {
    "щ": "shch", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "є": "ie", "ю": "iu",
    "я": "ia", "ё": "e", "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "ъ": "", "ы": "y",
    "ь": "", "э": "e",
}  # fmt: skip
# Spelling variants folded together, longest first: kh/h/g, ts/tz/c, y/i/j, sh/ch, zh/z.
_FOLDS: Final = {
    "shch": "s", "kh": "g", "zh": "z", "ts": "c", "tz": "c", "ch": "c", "sh": "s", "h": "g",
    "y": "i", "j": "i", "w": "v", "x": "ks",
}  # fmt: skip


def latin_text(column: str | pl.Expr) -> pl.Expr:
    """Lower case, Cyrillic transliterated, apostrophes dropped, other marks as spaces."""
    expr = pl.col(column) if isinstance(column, str) else column
    latin = expr.str.to_lowercase().str.replace_many(
        list(CYRILLIC_TO_LATIN), list(CYRILLIC_TO_LATIN.values())
    )
    return (
        latin.str.replace_all(r"['’ʼ`]", "").str.replace_all(r"[^a-z0-9]+", " ").str.strip_chars()
    )


def fold(latin: pl.Expr) -> pl.Expr:
    """Fold spelling variants of transliterated names together (for comparison only)."""
    return latin.str.replace_many(list(_FOLDS), list(_FOLDS.values()))


def normalise_text(column: str | pl.Expr, chars: int = 300) -> pl.Expr:
    """Latin, folded, single spaces, at most ``chars`` characters; empty and null are null."""
    cleaned = fold(latin_text(column)).str.slice(0, chars)
    return pl.when(cleaned.str.len_chars() > 0).then(cleaned).otherwise(None)


def token_count(normalised: pl.Expr) -> pl.Expr:
    """Tokens of a normalised text (0 for null)."""
    return normalised.str.count_matches(r"\S+").fill_null(0)


def normalised_tokens(normalised: pl.Expr) -> pl.Expr:
    """:func:`token_count` of a text made by :func:`normalise_text` (or a prefix of one),
    counting its single spaces: it never starts with a space and has no two in a row, but a
    prefix may end with one."""
    spaces = normalised.str.count_matches(" ", literal=True)
    trailing = normalised.str.ends_with(" ").cast(pl.UInt32)
    return (spaces + 1 - trailing).fill_null(0)


def pair_similarity(first: pl.Series, second: pl.Series, workers: int = 2) -> pl.Series:
    """``token_set_ratio`` of each pair (0..100, Float64); null where either text is missing."""
    both = (first.is_not_null() & second.is_not_null()).to_numpy()
    result = np.full(len(first), np.nan)
    if both.any():
        scores = process.cpdist(
            first.filter(both).to_list(),
            second.filter(both).to_list(),
            scorer=fuzz.token_set_ratio,
            workers=workers,
        )
        result[both] = np.asarray(scores, dtype=np.float64)
    return pl.Series("text_similarity", result, dtype=pl.Float64).fill_nan(None)


def indexed_similarity(
    texts: pl.Series, first: np.ndarray, second: np.ndarray, workers: int = 2
) -> pl.Series:
    """:func:`pair_similarity` of ``texts[first[i]]`` and ``texts[second[i]]``.

    The texts become Python strings once each, not once per pair they appear in; identical
    texts score 100 without being compared.
    """
    values = texts.to_numpy()
    present = texts.is_not_null().to_numpy()
    both = present[first] & present[second]
    result = np.full(len(first), np.nan)
    left, right = values[first[both]], values[second[both]]
    scores = np.full(len(left), 100.0)
    differ = np.flatnonzero(left != right)
    if len(differ):
        found = process.cpdist(
            left[differ], right[differ], scorer=fuzz.token_set_ratio, workers=workers
        )
        scores[differ] = np.asarray(found, dtype=np.float64)
    result[both] = scores
    return pl.Series("text_similarity", result, dtype=pl.Float64).fill_nan(None)
