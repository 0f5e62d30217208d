"""Place names to coordinates with the shipped GeoNames gazetteer (populated places of Ukraine).

Names are compared after :func:`normalise_place_name` (:mod:`guarantor.io.place_names`):
one Cyrillic-to-Latin scheme (the Ukrainian national romanisation of 2010, with the Russian
letters added), so that Ukrainian, Russian and Latin spellings of a name meet; GeoNames'
alternate names supply the rest ("Kharkov" and "Харьков" are alternate names of Kharkiv).
When the name as given finds nothing, it is tried without a parenthesis, without a
settlement-type word ("smt", "село", "village of", "... town"), then in the looser form of
:func:`loose_place_key`.

Resolution never guesses (``resolution`` is one of :data:`RESOLUTIONS`):

- a name that matches no place is ``unknown``; a null or blank one is ``empty``;
- the places a name matches are narrowed to the oblast hint, if one is given; a hint that
  names no unit of Ukraine ("Rostov oblast") resolves nothing: the name is ``ambiguous``;
  a name found only outside the hinted oblast is ``unknown``, and ``candidates`` says where;
- of several, sections of a place, historical, abandoned and destroyed places
  (:data:`MINOR_CODES`) drop out if others remain: "Mariupol" in Donetsk Oblast is the city,
  not the city district Zirka that GeoNames also lists as "Mariupol";
- one place left: ``resolved``. Several: the seat of administration (:data:`SEAT_CODES`)
  among them is taken if there is exactly one, counting only the places that bear the name
  as their own when any does (Donetsk city lists "Oleksandrivka" and "Donetske" among its
  old names; villages bear them); "Kiev" and "Artemivsk" are nobody's own name, and go to
  the one seat, Kyiv and Bakhmut. Otherwise ``ambiguous``; ``candidates`` lists the places.

What does not resolve keeps null coordinates: a province centroid is never passed off as a
place. Resolving 1,000,000 names costs one pass per distinct (name, hint) pair.
"""

from __future__ import annotations

import gzip
import io
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

import polars as pl

from guarantor.io.admin_lookup import assign_admin, derive_admin1_codes
from guarantor.io.place_names import (
    loose_place_key,
    name_keys,
    normalise_place_name,
    normalise_place_names,
)

__all__ = [
    "MINOR_CODES",
    "RESOLUTIONS",
    "SEAT_CODES",
    "Gazetteer",
    "loose_place_key",
    "normalise_place_name",
    "normalise_place_names",
]

RESOLUTIONS: Final = ("resolved", "ambiguous", "unknown", "empty")
SEAT_CODES: Final = frozenset({"PPLA", "PPLA2", "PPLC"})
# sections of a place, historical, abandoned or destroyed places: a last resort
MINOR_CODES: Final = frozenset({"PPLX", "PPLH", "PPLQ", "PPLW"})
_LISTED: Final = 5  # candidates named in the ``candidates`` text

# Oblast hints: generic words are dropped and the rest is looked up among the units' names,
# the names of their seats (from GeoNames) and the adjectives below (Ukrainian, Russian).
_OBLAST_WORDS: Final = frozenset(["oblast", "oblasti", "obl", "region", "province", "rehion"])
_CITY_WORDS: Final = frozenset(["city", "misto", "mista", "m", "horod", "h", "town"])
_OTHER_WORDS: Final = (
    "autonomous republic of the avtonomna avtonomnaia avtonomnaya respublika respublyka "
    "respubliky ar special status republican zi spetsialnym statusom s osobym ukraine ukraina"
)
_HINT_WORDS: Final = _OBLAST_WORDS | _CITY_WORDS | frozenset(_OTHER_WORDS.split())
_ADJECTIVE: Final = re.compile(r"s?k(?:a|i|oi|oho|e)$")
_PARTS: Final = re.compile(r"[,;/|]")
_ALIASES: Final = {
    "Autonomous Republic of Crimea": "Крим, Крым, Кримська, Крымская, Krym, Qirim",
    "Cherkasy Oblast": "Черкаська, Черкасская, Cherkassy",
    "Chernihiv Oblast": "Чернігівська, Черниговская, Chernigov",
    "Chernivtsi Oblast": "Чернівецька, Черновицкая, Chernovtsy, Bukovyna, Буковина",
    "Dnipropetrovsk Oblast": "Дніпропетровська, Днепропетровская, Dnipro, Дніпровська",
    "Donetsk Oblast": "Донецька, Донецкая, Донеччина",
    "Ivano-Frankivsk Oblast": "Івано-Франківська, Ивано-Франковская, Prykarpattia",
    "Kharkiv Oblast": "Харківська, Харьковская, Харківщина",
    "Kherson Oblast": "Херсонська, Херсонская",
    "Khmelnytskyi Oblast": "Хмельницька, Хмельницкая",
    "Kirovohrad Oblast": "Кіровоградська, Кировоградская",
    "Kyiv Oblast": "Київська, Киевская, Київщина",
    "Luhansk Oblast": "Луганська, Луганская, Луганщина",
    "Lviv Oblast": "Львівська, Львовская, Львівщина",
    "Mykolaiv Oblast": "Миколаївська, Николаевская",
    "Odessa Oblast": "Одеська, Одесская, Odesa",
    "Poltava Oblast": "Полтавська, Полтавская",
    "Rivne Oblast": "Рівненська, Ровенская, Rovno",
    "Sevastopol": "Севастопольська",
    "Sumy Oblast": "Сумська, Сумская",
    "Ternopil Oblast": "Тернопільська, Тернопольская",
    "Vinnytsia Oblast": "Вінницька, Винницкая",
    "Volyn Oblast": "Волинська, Волынская, Волинь, Волынь",
    "Zakarpattia Oblast": "Закарпатська, Закарпатская, Закарпаття, Закарпатье, Transcarpathia",
    "Zaporizhia Oblast": "Запорізька, Запорожская, Zaporizhzhia",
    "Zhytomyr Oblast": "Житомирська, Житомирская",
}


def _hint_key(text: str) -> tuple[str, frozenset[str]]:
    """A hint's loose key without generic words, and the oblast or city words it had."""
    words = normalise_place_name(text).split()
    kept = " ".join(w for w in words if w not in _HINT_WORDS)
    return loose_place_key(kept), frozenset(words) & (_OBLAST_WORDS | _CITY_WORDS)


class _OblastNames:
    """Oblast hint (any language, with or without "oblast") -> the ADM1 units it may mean."""

    def __init__(self, units: list[str], seats: dict[str, list[str]]) -> None:
        self.keys: dict[str, set[str]] = defaultdict(set)
        self.city_units = frozenset(u for u in units if "Oblast" not in u and "Republic" not in u)
        base = {unit: _hint_key(unit)[0] for unit in units}
        for unit in units:
            self.keys[base[unit]].add(unit)
            for alias in _ALIASES.get(unit, "").split(", "):
                key = _hint_key(alias)[0]
                self.keys[key].add(unit)
                self.keys[_ADJECTIVE.sub("", key)].add(unit)
        for unit, (name, *alternates) in seats.items():  # Kyiv is the seat of two units
            meant = {unit} | {u for u, key in base.items() if key == _hint_key(name)[0]}
            for alias in (name, *alternates):
                self.keys[_hint_key(alias)[0]].update(meant)
        self.keys.pop("", None)

    @cache  # noqa: B019 - one instance per process, and hints repeat
    def units(self, hint: str) -> frozenset[str] | None:
        """None if the hint says nothing; else the units it may mean (empty: none known).
        "Donetsk oblast, Volnovakha raion" is read part by part."""
        parts = [self._units(part) for part in _PARTS.split(hint)]
        known = [part for part in parts if part]
        if known:
            return frozenset().union(*known)
        return frozenset() if any(part is not None for part in parts) else None

    def _units(self, hint: str) -> frozenset[str] | None:
        key, words = _hint_key(hint)
        if not key:
            return None
        found = frozenset(self.keys.get(key) or self.keys.get(_ADJECTIVE.sub("", key)) or ())
        if words & _OBLAST_WORDS:
            return found - self.city_units or found
        if words & _CITY_WORDS:
            return found & self.city_units or found
        return found


@dataclass(frozen=True, slots=True)
class _Index:
    """Name key -> place rows, for places' own names and for their alternate names."""

    named: dict[str, tuple[int, ...]]
    alternate: dict[str, tuple[int, ...]]
    loose_named: dict[str, tuple[int, ...]]
    loose_alternate: dict[str, tuple[int, ...]]


class Gazetteer:
    """The populated places of Ukraine, indexed by every normalised name they are known by.

    ``places`` has the GeoNames columns (``geonameid``, ``name``, ``asciiname``,
    ``alternatenames``, ``latitude``, ``longitude``, ``feature_code``, ``admin1_code``) and
    gains ``admin1``: the shipped ADM1 ``shapeName`` of the place's GeoNames admin1 code (a
    map derived from the data by point in polygon and majority, :attr:`admin1_codes`, with
    the votes in :attr:`admin1_votes`), or of its point when GeoNames gives no code (``00``).
    """

    def __init__(self, places: pl.DataFrame) -> None:
        by_point = assign_admin(places["latitude"], places["longitude"])["admin1"]
        votes = derive_admin1_codes(places["admin1_code"], by_point)
        self.admin1_votes = votes.filter(pl.col("code") != "00")  # 00: GeoNames does not know
        self.admin1_codes: dict[str, str] = dict(self.admin1_votes.select("code", "unit").rows())
        by_code = places["admin1_code"].replace_strict(self.admin1_codes, default=None)
        self.places = places.with_columns(by_code.fill_null(by_point).alias("admin1"))
        self._admin1: list[str | None] = self.places["admin1"].to_list()
        self._seat: list[bool] = self.places["feature_code"].is_in(list(SEAT_CODES)).to_list()
        self._capital: list[bool] = self.places["feature_code"].is_in(["PPLA", "PPLC"]).to_list()
        self._minor: list[bool] = self.places["feature_code"].is_in(list(MINOR_CODES)).to_list()
        self._point = self.places.select("latitude", "longitude", "geonameid").rows()
        self._index = _build_index(self.places)
        self._labels: list[str] = self.places.select(_LABEL).to_series().to_list()
        self._oblasts = _OblastNames(sorted(set(self.admin1_codes.values())), self._seats())

    @classmethod
    def shipped(cls) -> Gazetteer:
        """The gazetteer of the shipped GeoNames file, built once per process (a few s)."""
        return _shipped()

    def _seats(self) -> dict[str, list[str]]:
        seats = self.places.filter(pl.col("feature_code").is_in(["PPLA", "PPLC"]))
        rows = seats.select("admin1", "name", "alternatenames").iter_rows()
        return {unit: [name, *alternates.split(",")] for unit, name, alternates in rows if unit}

    def oblast_of_hint(self, hint: str | None) -> frozenset[str] | None:
        """The ADM1 ``shapeName``s an oblast hint may mean (English, Ukrainian or Russian, with
        or without "oblast"): None when it says nothing (null, blank, "Ukraine"), an empty set
        when it names no unit of Ukraine."""
        return None if hint is None else self._oblasts.units(hint)

    def matches(self, name: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Rows of the places named ``name``, and of those that have it as an alternate name."""
        exact, loose = name_keys(name)
        index = self._index
        for keys, named, alternate in (
            (exact, index.named, index.alternate),
            (loose, index.loose_named, index.loose_alternate),
        ):
            for key in keys:
                own, other = named.get(key, ()), alternate.get(key, ())
                if own or other:
                    return own, tuple(i for i in other if i not in own)
        return (), ()

    def resolve(self, names: pl.Series, admin1_hints: pl.Series | None = None) -> pl.DataFrame:
        """``lat``, ``lon``, ``geonames_id``, ``resolution``, ``candidates``: a row per name.

        ``admin1_hints`` (optional, aligned with ``names``) are oblasts in any of the forms
        :meth:`oblast_of_hint` knows. ``candidates`` describes, for an unresolved name, the
        places it may mean. Each distinct (name, hint) pair is resolved once.
        """
        if admin1_hints is None:
            admin1_hints = pl.Series([None] * names.len(), dtype=pl.Utf8)
        if admin1_hints.len() != names.len():
            raise ValueError(f"{names.len()} names and {admin1_hints.len()} hints: give one each")
        rows = pl.DataFrame({"name": names.cast(pl.Utf8), "hint": admin1_hints.cast(pl.Utf8)})
        pairs = rows.unique()
        solved = pl.DataFrame(
            [self._resolve_one(name, hint) for name, hint in pairs.iter_rows()],
            schema=_RESULT_SCHEMA,
            orient="row",
        )
        keyed = pl.concat([pairs, solved], how="horizontal")
        joined = rows.join(
            keyed, on=["name", "hint"], how="left", nulls_equal=True, maintain_order="left"
        )
        return joined.drop("name", "hint")

    def _resolve_one(self, name: str | None, hint: str | None) -> tuple[Any, ...]:
        if name is None or not normalise_place_name(name):
            return (None, None, None, "empty", None)
        named, alternate = self.matches(name)
        if not named and not alternate:
            return (None, None, None, "unknown", None)
        units = self.oblast_of_hint(hint)
        if units == frozenset():
            note = f"oblast {hint!r} is not one of Ukraine's; candidates: "
            return (None, None, None, "ambiguous", note + self._describe(named + alternate))
        chosen = [i for i in named + alternate if units is None or self._admin1[i] in units]
        if not chosen:
            note = f"none in {' or '.join(sorted(units or ()))}; elsewhere: "
            return (None, None, None, "unknown", note + self._describe(named + alternate))
        chosen = [i for i in chosen if not self._minor[i]] or chosen
        pool = [i for i in chosen if i in named] or chosen
        # Without an oblast hint only an oblast or national capital may win over namesakes;
        # a raion centre (PPLA2) wins only inside the hinted oblast (else 8% land wrong).
        seat = self._seat if units is not None else self._capital
        seats = [i for i in pool if seat[i]]
        if len(chosen) == 1 or len(seats) == 1:
            place = chosen[0] if len(chosen) == 1 else seats[0]
            return (*self._point[place], "resolved", None)
        return (None, None, None, "ambiguous", self._describe(chosen))

    def _describe(self, rows: Sequence[int]) -> str:
        text = "; ".join(self._labels[i] for i in rows[:_LISTED])
        return text + (f"; and {len(rows) - _LISTED} more" if len(rows) > _LISTED else "")


_LABEL: Final = pl.format(
    "{} ({}, {} {}, geonames {})",
    "name",
    pl.col("admin1").fill_null("no oblast"),
    pl.col("latitude").round(4),
    pl.col("longitude").round(4),
    "geonameid",
)
_RESULT_SCHEMA: Final = {
    "lat": pl.Float64,
    "lon": pl.Float64,
    "geonames_id": pl.Int64,
    "resolution": pl.Utf8,
    "candidates": pl.Utf8,
}


def _build_index(places: pl.DataFrame) -> _Index:
    rows = places.with_row_index("row").select(
        "row",
        pl.concat_list("name", "asciiname").alias("named"),
        pl.col("alternatenames").str.split(",").alias("alternate"),
    )
    named, loose_named = _key_maps(rows, "named")
    alternate, loose_alternate = _key_maps(rows, "alternate")
    return _Index(named, alternate, loose_named, loose_alternate)


def _key_maps(rows: pl.DataFrame, column: str) -> tuple[dict[str, tuple[int, ...]], ...]:
    """Exact key -> rows and loose key -> rows, for the names in ``column``."""
    names = rows.select("row", column).explode(column).drop_nulls()
    exact = names.select(normalise_place_names(names[column]).alias("key"), "row")
    distinct = exact["key"].unique()
    loose_of = pl.DataFrame({"key": distinct, "loose": [loose_place_key(k) for k in distinct]})
    loose = exact.join(loose_of, on="key").select(pl.col("loose").alias("key"), "row")
    return _to_dict(exact), _to_dict(loose)


def _to_dict(keyed: pl.DataFrame) -> dict[str, tuple[int, ...]]:
    grouped = keyed.filter(pl.col("key") != "").unique().sort("row").group_by("key").agg("row")
    return {key: tuple(found) for key, found in grouped.iter_rows()}


def _read_shipped() -> pl.DataFrame:
    path = resources.files("guarantor").joinpath(
        "data", "gazetteer", "geonames_UA_populated_places.tsv.gz"
    )
    columns = ["geonameid", "name", "asciiname", "alternatenames", "latitude", "longitude"]
    frame = pl.read_csv(
        io.BytesIO(gzip.decompress(path.read_bytes())),
        separator="\t",
        quote_char=None,
        columns=[*columns, "feature_code", "admin1_code"],
        infer_schema=False,
    )
    return frame.with_columns(
        pl.col("geonameid").cast(pl.Int64),
        pl.col("latitude", "longitude").cast(pl.Float64),
        pl.col("alternatenames").fill_null(""),
    )


@cache
def _shipped() -> Gazetteer:
    return Gazetteer(_read_shipped())
