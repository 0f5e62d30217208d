"""Place names in one comparison form, so that Ukrainian, Russian and Latin spellings meet.

:func:`normalise_place_name` applies one Cyrillic-to-Latin scheme (the Ukrainian national
romanisation of 2010, with the Russian letters added), casefolds, drops accents and
apostrophes and keeps words separated by single spaces. :func:`loose_place_key` merges the
common transliteration variants (a fallback), and :func:`name_keys` lists the keys the
gazetteer tries for a name, in order.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

import polars as pl

__all__ = ["loose_place_key", "name_keys", "normalise_place_name", "normalise_place_names"]

_TRANSLIT: Final = {
    **dict(zip("абвгґдезиіїйклмнопрстуфыэё", "abvhgdezyiiiklmnoprstufyee", strict=True)),
    **{"є": "ie", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},
    **{"ю": "iu", "я": "ia", "ь": "", "ъ": ""},
    # scientific (ISO 9) letters, and Latin letters that do not decompose into letter + accent
    **{"š": "sh", "ž": "zh", "č": "ch", "ŝ": "shch", "ł": "l", "ø": "o", "æ": "ae", "đ": "d"},
    **{"ı": "i", "œ": "oe", "þ": "th"},
    **dict.fromkeys("'’ʼ`′ʹ‘´ʻ", ""),  # apostrophes vanish, like the soft sign
}
_TABLE: Final = str.maketrans(_TRANSLIT)
_INITIAL: Final = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_WORD_INITIAL: Final = re.compile(r"(?<![^\W\d_])[єїйюя]")
_ACCENTS: Final = re.compile(r"[\u0300-\u036f]")
_SEPARATORS: Final = re.compile(r"[\W_]+")


def normalise_place_name(text: str) -> str:
    """The comparison form of a name: casefolded ASCII words separated by single spaces.

    "Донецьк", "Донецк", "Donets'k" and "Donetsk" all become ``donetsk``; "Дебальцеве" and
    "Debal'tseve" become ``debaltseve``; hyphens become spaces.
    """
    if text.isascii():  # most names: nothing to transliterate, no accents
        text = text.lower().translate(_TABLE)
    else:
        text = unicodedata.normalize("NFC", text).casefold()
        text = _WORD_INITIAL.sub(lambda m: _INITIAL[m.group()], text).translate(_TABLE)
        text = _ACCENTS.sub("", unicodedata.normalize("NFKD", text))
    return _SEPARATORS.sub(" ", text).strip()


_TS: Final = re.compile(r"c(?!h)")  # Donec'k
_GLIDE: Final = re.compile(r"i(?=[aeou])")  # ya/ia/ja, yu/iu, ye/ie
_DOUBLE: Final = re.compile(r"(\w)\1+")  # Odessa, Avdiivka
_LOOSE_LETTERS: Final = str.maketrans({"g": "h", "y": "i", "j": "i"})  # Lugansk, Gorlovka


def loose_place_key(key: str) -> str:
    """A normalised name with the common transliteration variants merged (a fallback)."""
    if "c" in key:
        key = _TS.sub("ts", key)
    key = key.replace("kh", "h").translate(_LOOSE_LETTERS)
    return _DOUBLE.sub(r"\1", _GLIDE.sub("", key))


def normalise_place_names(names: pl.Series) -> pl.Series:
    """:func:`normalise_place_name` over a Series, computed once per distinct value."""
    text = names.cast(pl.Utf8)
    distinct = text.drop_nulls().unique()
    keys = [normalise_place_name(value) for value in distinct.to_list()]
    return text.replace_strict(distinct, keys, default=None, return_dtype=pl.Utf8)


_TYPE_PREFIX: Final = re.compile(
    r"^(?:(?:urban type )?(?:village|settlement|town|city) of |selyshche miskoho typu |"
    r"poselok horodskoho typa |(?:smt|pht|pgt|selo|s|m|h|g|misto|horod|poselok|selyshche|"
    r"khutir|khutor|village|town|city|settlement|vil|v) )"
)
_TYPE_SUFFIX: Final = re.compile(r" (?:village|town|city|settlement|selo|misto)$")
_PARENTHESES: Final = re.compile(r"\([^)]*\)")


def name_keys(text: str) -> tuple[list[str], list[str]]:
    """Exact and loose keys to try, in order: as given, without a parenthesis
    ("Hranitne (Volnovakha raion)"), then without settlement-type words."""
    forms = [normalise_place_name(text), normalise_place_name(_PARENTHESES.sub(" ", text))]
    forms += [_TYPE_SUFFIX.sub("", _TYPE_PREFIX.sub("", form)) for form in forms]
    exact = [form for form in dict.fromkeys(forms) if form]
    return exact, list(dict.fromkeys(loose_place_key(form) for form in exact))
