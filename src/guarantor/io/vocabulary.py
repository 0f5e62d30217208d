"""Foreign words for incident types, mapped to our type ids and weapon classes.

The table ``guarantor/data/vocabularies/types.csv`` has the columns
``vocabulary,term,type,weapon``: in ``vocabulary`` (``acled``, ``ucdp_type_of_violence``,
``viina_attack``, ``guarantor`` for our own ids), ``term`` means our incident ``type`` and
implies the weapon class ``weapon`` (empty: the term says nothing about a weapon). A row with
an empty ``type`` is a known term outside the ceasefire taxonomy (an ACLED protest). Terms
match case-insensitively, ignoring surrounding spaces. Where a record carries several terms
(VIINA's ``attack_terms``), the row that comes first in the table wins: rows are ordered
from the most specific (missile, drone) to the least (fire, damage).

Mapping is a join, not a loop over records.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Final

import polars as pl

from guarantor.errors import ConfigurationError

__all__ = [
    "KNOWN",
    "TERM_FIX",
    "TYPE",
    "TYPE_IDS",
    "VOCABULARY_FILE",
    "WEAPON",
    "WEAPON_CLASSES",
    "best_term",
    "lookup_types",
    "terms",
    "vocabulary_names",
    "vocabulary_table",
]

TYPE_IDS: Final = (
    "shelling",
    "armed_clash",
    "small_arms_fire",
    "sniper_fire",
    "drone_strike",
    "air_strike",
    "missile_strike",
    "explosion",
    "mine_ied",
    "violence_against_civilians",
    "offensive_operation",
    "reconnaissance_sabotage",
    "heavy_weapons_presence",
    "freedom_of_movement_restriction",
    "troop_presence",
)
WEAPON_CLASSES: Final = (
    "small_arms",
    "artillery_below_100mm",
    "artillery_100mm_plus",
    "mlrs",
    "heavy_mlrs_tactical_missile",
    "tank",
    "mortar",
    "uav",
    "aircraft",
    "missile",
    "unknown",
)
VOCABULARY_FILE: Final = "src/guarantor/data/vocabularies/types.csv"
TERM_FIX: Final = f"add a row to {VOCABULARY_FILE} or a value map in your mapping file"
TYPE: Final = "__type"
WEAPON: Final = "__weapon"
KNOWN: Final = "__known"
_KEY = "__term_key"
_RANK = "__rank"


@lru_cache(maxsize=1)
def vocabulary_table() -> pl.DataFrame:
    """The checked table, with a match key (lowercase term) and a rank (row order)."""
    data = resources.files("guarantor").joinpath("data/vocabularies/types.csv").read_bytes()
    table = pl.read_csv(data, infer_schema=False).with_columns(
        pl.col("vocabulary", "term").str.strip_chars(),
        pl.col("type", "weapon").str.strip_chars().replace("", None),
    )
    table = table.with_columns(
        _key(pl.col("term")).alias(_KEY), pl.int_range(pl.len()).alias(_RANK)
    )
    _check(table)
    return table


def _key(term: pl.Expr) -> pl.Expr:
    return term.str.strip_chars().str.to_lowercase()


def _check(table: pl.DataFrame) -> None:
    problems: list[str] = []
    if table.columns[:4] != ["vocabulary", "term", "type", "weapon"]:
        problems.append(f"columns {table.columns[:4]} instead of vocabulary,term,type,weapon")
    bad_types = table.filter(pl.col("type").is_not_null() & ~pl.col("type").is_in(TYPE_IDS))
    problems += [
        f"unknown type '{t}' for '{r}'" for r, t in bad_types.select("term", "type").rows()
    ]
    bad_weapons = table.filter(
        pl.col("weapon").is_not_null() & ~pl.col("weapon").is_in(WEAPON_CLASSES)
    )
    problems += [
        f"unknown weapon '{w}' for '{r}'" for r, w in bad_weapons.select("term", "weapon").rows()
    ]
    repeated = table.filter(pl.struct("vocabulary", _KEY).is_duplicated())
    problems += [
        f"term '{t}' twice in '{v}'" for v, t in repeated.select("vocabulary", "term").rows()
    ]
    if problems:
        raise ConfigurationError(
            f"{VOCABULARY_FILE} is broken: "
            + "; ".join(problems)
            + f". Types must be one of {', '.join(TYPE_IDS)}; weapons one of "
            + ", ".join(WEAPON_CLASSES)
        )


def vocabulary_names() -> tuple[str, ...]:
    return tuple(vocabulary_table()["vocabulary"].unique(maintain_order=True).to_list())


def terms(vocabulary: str) -> tuple[str, ...]:
    """The terms of ``vocabulary`` that map to a type, in table order."""
    table = vocabulary_table()
    rows = table.filter((pl.col("vocabulary") == vocabulary) & pl.col("type").is_not_null())
    return tuple(rows["term"].to_list())


def _rows(vocabulary: str) -> pl.DataFrame:
    return vocabulary_table().filter(pl.col("vocabulary") == vocabulary)


def lookup_types(frame: pl.DataFrame, term: str, vocabulary: str) -> pl.DataFrame:
    """``frame`` with :data:`KNOWN` (true where the term has a row, else null), :data:`TYPE`
    (null for a known term outside the taxonomy) and :data:`WEAPON`, by a left join."""
    table = _rows(vocabulary).select(
        _KEY, pl.col("type").alias(TYPE), pl.col("weapon").alias(WEAPON), pl.lit(True).alias(KNOWN)
    )
    keyed = frame.with_columns(_key(pl.col(term)).alias(_KEY))
    return keyed.join(table, on=_KEY, how="left", maintain_order="left").drop(_KEY)


def best_term(frame: pl.DataFrame, column: str, vocabulary: str, separator: str) -> pl.Series:
    """For ``separator``-joined terms, the one whose row comes first in the table; the
    whole text where none has a row (it is then rejected as an unknown term)."""
    table = _rows(vocabulary).select(_KEY, _RANK)
    indexed = frame.select(pl.col(column)).with_row_index("__i")
    exploded = indexed.with_columns(pl.col(column).str.split(separator).alias("__t")).explode("__t")
    ranked = exploded.with_columns(_key(pl.col("__t")).alias(_KEY)).join(
        table, on=_KEY, how="inner"
    )
    best = ranked.group_by("__i").agg(pl.col("__t").sort_by(_RANK).first().alias("__best"))
    joined = indexed.join(best, on="__i", how="left", maintain_order="left")
    return joined.select(pl.coalesce("__best", column).alias(column)).to_series()
