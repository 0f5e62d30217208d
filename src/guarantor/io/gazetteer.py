"""Place names to coordinates with the shipped GeoNames gazetteer (populated places of Ukraine).

Names are compared after :func:`normalise_place_name`: one Cyrillic-to-Latin scheme (the
Ukrainian national romanisation of 2010, with the Russian letters added), so that Ukrainian,
Russian and Latin spellings of a name meet; GeoNames' alternate names supply the rest
("Kharkov" and "Харьков" are alternate names of Kharkiv). When the exact form finds nothing,
a looser form is tried that also merges the common transliteration variants (y/i/j, ya/ia,
kh/h, g/h, doubled letters, c for ts).

Resolution never guesses. A name resolves when it matches one place; when it matches several,
the oblast hint narrows them; when several remain, the one seat of administration (PPLA,
PPLA2, PPLC) among them is taken if there is exactly one; otherwise the name is ``ambiguous``
and the candidates are listed. A place's own name is preferred to another place's alternate
name (a village named "Donetske" over Donetsk city, which lists "Donetske" among its
alternate names), unless the hint rules the named places out. No province centroid is ever
returned for a place: what does not resolve keeps null coordinates.
"""

from __future__ import annotations

import gzip
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

import polars as pl

from guarantor.io import _oblast_names
from guarantor.io.admin_lookup import assign_admin

__all__ = [
    "RESOLUTIONS",
    "SEAT_CODES",
    "Gazetteer",
    "derive_admin1_codes",
    "loose_place_key",
    "normalise_place_name",
    "normalise_place_names",
]

RESOLUTIONS: Final = ("resolved", "ambiguous", "unknown", "empty")
SEAT_CODES: Final = frozenset({"PPLA", "PPLA2", "PPLC"})
_LISTED: Final = 5  # candidates named in the ``candidates`` text

_CYRILLIC: Final = {
    **dict(zip("абвгґдежзийклмнопрстуфхцчшщьъыэё", "abvhgdezzyiklmnoprstufkcsssyyeee", strict=True)),
    **{"є": "ie", "ж": "zh", "ї": "i", "й": "i", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh"},
    **{"щ": "shch", "ю": "iu", "я": "ia", "ь": "", "ъ": "", "ы": "y", "э": "e", "ё": "e"},
    # Latin letters that do not decompose into a base letter and an accent
    **{"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ı": "i", "ß": "ss", "þ": "th"},
    # scientific (ISO 9) transliteration of Cyrillic
    **{"š": "sh", "ž": "zh", "č": "ch", "ŝ": "shch"},
}
_INITIAL: Final = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
_TABLE: Final = str.maketrans(
    {**_CYRILLIC, **{c: "" for c in "'’ʼ`′ʹ‘´"}}  # apostrophes, like the soft sign, vanish
)
_WORD_INITIAL: Final = re.compile(r"(?<![^\W\d_])[єїйюя]")
_ACCENTS: Final = re.compile(r"[\u0300-\u036f]")
_SEPARATORS: Final = re.compile(r"[\W_]+")


def normalise_place_name(text: str) -> str:
    """The comparison form of a place name: lower-case ASCII words, single spaces.

    "Донецьк", "Донецк", "Donets'k" and "Donetsk" all become ``donetsk``;
    "Дебальцеве" and "Debal'tseve" become ``debaltseve``.
    """
    text = unicodedata.normalize("NFC", text).casefold()
    text = _WORD_INITIAL.sub(lambda m: _INITIAL[m.group()], text).translate(_TABLE)
    text = _ACCENTS.sub("", unicodedata.normalize("NFKD", text))
    return _SEPARATORS.sub(" ", text).strip()


_LOOSE: Final = (
    (re.compile(r"c(?!h)"), "ts"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"g"), "h"),
    (re.compile(r"[yj]"), "i"),
    (re.compile(r"i(?=[aeou])"), ""),
    (re.compile(r"(\w)\1+"), r"\1"),
)


def loose_place_key(key: str) -> str:
    """A normalised name with the usual transliteration variants merged (fallback matching)."""
    for pattern, replacement in _LOOSE:
        key = pattern.sub(replacement, key)
    return key


def normalise_place_names(names: pl.Series) -> pl.Series:
    """:func:`normalise_place_name` over a Series, computed once per distinct value."""
    distinct = names.drop_nulls().unique()
    keys = [normalise_place_name(text) for text in distinct.cast(pl.Utf8).to_list()]
    return names.cast(pl.Utf8).replace_strict(distinct, keys, default=None, return_dtype=pl.Utf8)


_TYPE_PREFIX: Final = re.compile(
    r"^(?:(?:urban type |urban )?(?:village|settlement|town|city) of |selyshche miskoho typu |"
    r"(?:smt|pgt|selo|sela|s|m|misto|mista|poselok|posiolok|selyshche|khutir|khutor|"
    r"village|town|city|settlement|vil|v) )"
)
_TYPE_SUFFIX: Final = re.compile(r" (?:village|town|city|settlement|selo|misto)$")


def _name_variants(key: str) -> list[str]:
    """The forms of a normalised name to try, in order: as given, then without type words."""
    stripped = _TYPE_SUFFIX.sub("", _TYPE_PREFIX.sub("", key))
    exact = [key] if stripped in ("", key) else [key, stripped]
    return exact + [loose_place_key(k) for k in exact]


@dataclass(frozen=True, slots=True)
class _Match:
    named: tuple[int, ...]  # places whose own name matches
    alternate: tuple[int, ...]  # places that list it only as an alternate name


def _read_shipped() -> pl.DataFrame:
    path = resources.files("guarantor").joinpath(
        "data", "gazetteer", "geonames_UA_populated_places.tsv.gz"
    )
    raw = gzip.decompress(path.read_bytes())
    columns = ["geonameid", "name", "asciiname", "alternatenames", "latitude", "longitude"]
    columns += ["feature_code", "admin1_code", "population"]
    frame = pl.read_csv(
        io.BytesIO(raw), separator="\t", quote_char=None, columns=columns, infer_schema=False
    )
    return frame.with_columns(
        pl.col("geonameid").cast(pl.Int64),
        pl.col("latitude", "longitude").cast(pl.Float64),
        pl.col("population").cast(pl.Int64, strict=False).fill_null(0),
        pl.col("alternatenames").fill_null(""),
    )


def derive_admin1_codes(places: pl.DataFrame) -> pl.DataFrame:
    """GeoNames admin1 code -> shipped ADM1 ``shapeName``, by majority of point in polygon.

    One row per code with the winning unit, its votes and its share of the code's places.
    GeoNames code ``00`` (no first-order unit known) is left out.
    """
    units = assign_admin(places["latitude"], places["longitude"])["admin1"]
    votes = (
        places.select("admin1_code")
        .with_columns(units.alias("unit"))
        .filter(pl.col("admin1_code") != "00", pl.col("unit").is_not_null())
        .group_by("admin1_code", "unit")
        .len("votes")
        .with_columns((pl.col("votes") / pl.col("votes").sum().over("admin1_code")).alias("share"))
    )
    return votes.sort("votes", descending=True).unique("admin1_code", keep="first").sort("admin1_code")


class Gazetteer:
    """The populated places of Ukraine, indexed by every normalised name they are known by."""

    def __init__(self, places: pl.DataFrame) -> None:
        codes = derive_admin1_codes(places)
        self.admin1_codes: Mapping[str, str] = dict(codes.select("admin1_code", "unit").iter_rows())
        by_code = places["admin1_code"].replace_strict(self.admin1_codes, default=None)
        by_point = assign_admin(places["latitude"], places["longitude"])["admin1"]
        self.places = places.with_columns(by_code.fill_null(by_point).alias("admin1"))
        self._named, self._alternate = _index(self.places)
        self._oblasts = _oblast_names.OblastNames(self._seats_by_unit())

    @classmethod
    def shipped(cls) -> Gazetteer:
        """The gazetteer of the shipped GeoNames file, built once per process."""
        return _shipped()

    def _seats_by_unit(self) -> dict[str, list[str]]:
        seats = self.places.filter(pl.col("feature_code").is_in(["PPLA", "PPLC"]))
        names: dict[str, list[str]] = defaultdict(list)
        for unit, name, alternates in seats.select("admin1", "name", "alternatenames").iter_rows():
            if unit is not None:
                names[unit] += [name, *alternates.split(",")]
        return names

    def lookup(self, name: str) -> tuple[int, ...] | _Match:
        """The rows of the places a name may mean (empty when it matches nothing)."""
        for key in _name_variants(normalise_place_name(name)):
            named, alternate = self._named.get(key, ()), self._alternate.get(key, ())
            if named or alternate:
                return _Match(named, tuple(i for i in alternate if i not in named))
        return ()

    def units_of_hint(self, hint: str | None) -> frozenset[str] | None:
        """The ADM1 ``shapeName``s an oblast hint may mean; None when it is not recognised."""
        return None if hint is None else self._oblasts.units(hint)

    def resolve(self, names: pl.Series, admin1_hints: pl.Series | None = None) -> pl.DataFrame:
        """``lat``, ``lon``, ``geonames_id``, ``resolution``, ``candidates`` for every name."""
        hints = pl.Series([None] * names.len(), dtype=pl.Utf8) if admin1_hints is None else admin1_hints
        if hints.len() != names.len():
            raise ValueError(f"{names.len()} names but {hints.len()} admin1 hints: give one per name")
        rows = pl.DataFrame({"name": names.cast(pl.Utf8), "hint": hints.cast(pl.Utf8)})
        pairs = rows.unique(maintain_order=False)
        results = [self._resolve_one(name, hint) for name, hint in pairs.iter_rows()]
        solved = pairs.with_columns(pl.DataFrame(results, schema=_RESULT_SCHEMA, orient="row"))
        return rows.join(solved, on=["name", "hint"], how="left", nulls_equal=True, maintain_order="left").drop(
            "name", "hint"
        )

    def _resolve_one(self, name: str | None, hint: str | None) -> tuple[object, ...]:
        if name is None or not normalise_place_name(name):
            return (None, None, None, "empty", None)
        match = self.lookup(name)
        if not isinstance(match, _Match):
            return (None, None, None, "unknown", None)
        units = self.units_of_hint(hint)
        chosen = self._narrow(match, units)
        if len(chosen) == 1:
            row = self.places.row(chosen[0], named=True)
            return (row["latitude"], row["longitude"], row["geonameid"], "resolved", None)
        everyone = match.named + match.alternate
        if not chosen:
            note = f"none in {' or '.join(sorted(units or ()))}; elsewhere: "
            return (None, None, None, "unknown", note + self._describe(everyone))
        note = "" if hint is None or units is not None else f"oblast hint {hint!r} not recognised; "
        return (None, None, None, "ambiguous", note + self._describe(chosen))

    def _narrow(self, match: _Match, units: frozenset[str] | None) -> tuple[int, ...]:
        for tier in (match.named, match.alternate):
            if units is not None:
                tier = tuple(i for i in tier if self.places["admin1"][i] in units)
            if tier:
                return self._seat_if_one(tier)
        return ()

    def _seat_if_one(self, rows: tuple[int, ...]) -> tuple[int, ...]:
        if len(rows) == 1:
            return rows
        seats = [i for i in rows if self.places["feature_code"][i] in SEAT_CODES]
        return (seats[0],) if len(seats) == 1 else rows

    def _describe(self, rows: Iterable[int]) -> str:
        rows = list(rows)
        listed = self.places[rows[:_LISTED]]
        text = "; ".join(
            f"{r['name']} ({r['admin1'] or 'oblast unknown'}, {r['latitude']:.4f} {r['longitude']:.4f}, "
            f"geonames {r['geonameid']})"
            for r in listed.iter_rows(named=True)
        )
        return text + (f"; and {len(rows) - _LISTED} more" if len(rows) > _LISTED else "")


_RESULT_SCHEMA: Final = {
    "lat": pl.Float64,
    "lon": pl.Float64,
    "geonames_id": pl.Int64,
    "resolution": pl.Utf8,
    "candidates": pl.Utf8,
}


def _index(places: pl.DataFrame) -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    """Normalised (and loose) name -> rows, for own names and for alternate names."""
    rows = places.with_row_index("row").select(
        "row",
        pl.concat_list("name", "asciiname").alias("named"),
        pl.col("alternatenames").str.split(",").alias("alternate"),
    )
    return _key_map(rows, "named"), _key_map(rows, "alternate")


def _key_map(rows: pl.DataFrame, column: str) -> dict[str, tuple[int, ...]]:
    names = rows.select("row", column).explode(column).filter(pl.col(column) != "")
    exact = names.with_columns(normalise_place_names(names[column]).alias("key"))
    distinct = exact["key"].unique()
    loose = pl.DataFrame({"key": distinct, "loose": [loose_place_key(k) for k in distinct.to_list()]})
    keyed = pl.concat(
        [
            exact.select("key", "row"),
            exact.join(loose, on="key").select(pl.col("loose").alias("key"), "row"),
        ]
    ).filter(pl.col("key") != "")
    grouped = keyed.unique().sort("row").group_by("key").agg("row")
    return {key: tuple(found) for key, found in grouped.iter_rows()}


@cache
def _shipped() -> Gazetteer:
    return Gazetteer(_read_shipped())
