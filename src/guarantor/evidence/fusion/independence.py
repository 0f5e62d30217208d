"""Independent sources: who said it, and which reports are echoes of one another.

Two reports of one incident are *echoes* (one source, not two) when they come from the same
organisation (``Reuters News`` and ``Reuters Pictures`` are Reuters: see the shipped alias
table ``guarantor/data/outlets.csv``), share a URL, carry near-identical informative text,
or when one cites the other's organisation ("..., citing Reuters"). Echoes are collapsed
with connected components; the number of independent sources of an incident is the number
of echo groups among its members.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from io import BytesIO

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from guarantor.evidence.fusion.similarity import fold, latin_text

__all__ = [
    "citations",
    "echo_groups",
    "load_outlets",
    "normalise_url",
    "organisations",
    "outlet_key",
]

_GENERIC = (
    r"\b(news|newswire|wire|pictures|photos|video|world|service|general|facebook|twitter|"
    r"telegram|instagram|youtube|online|the|official|account|accout|page|channel|on|agency|s)\b"
)


def outlet_key(column: str | pl.Expr) -> pl.Expr:
    """An outlet's name reduced for lookup: Latin, folded, without generic words."""
    reduced = latin_text(column).str.replace_all(_GENERIC, " ")
    key = fold(reduced.str.replace_all(r"\s+", " ").str.strip_chars())
    return pl.when(key.str.len_chars() > 0).then(key).otherwise(None)


@lru_cache(maxsize=1)
def _alias_table() -> pl.DataFrame:
    data = resources.files("guarantor").joinpath("data", "outlets.csv").read_bytes()
    table = pl.read_csv(BytesIO(data), comment_prefix="#", schema_overrides={"cite": pl.Int8})
    return table.with_columns(key=outlet_key("alias")).select(
        "key", "alias", "organisation", "kind", "cite"
    )


def load_outlets() -> pl.DataFrame:
    """The shipped alias table, one row per ``key`` (see :func:`outlet_key`)."""
    return _alias_table().unique("key", keep="first", maintain_order=True)


def _fuzzy_organisations(unmatched: list[str], table: pl.DataFrame) -> dict[str, str]:
    """Misspelt names (``MeoryBook``) and names with extra words, matched to the table."""
    keys = table["key"].to_list()
    found: dict[str, str] = {}
    for name in unmatched:  # unique unknown outlet names: a handful, never one per report
        best = process.extractOne(name, keys, scorer=fuzz.ratio, score_cutoff=88)
        if best is None:
            best = process.extractOne(
                name,
                [k for k in keys if " " in k],
                scorer=fuzz.token_set_ratio,
                score_cutoff=100,
            )
        if best is not None:
            found[name] = str(best[0])
    return found


def organisations(outlets: pl.Series) -> pl.DataFrame:
    """For each distinct outlet name: its ``organisation`` and ``kind`` (null if unknown)."""
    table = load_outlets()
    names = pl.DataFrame({"outlet": outlets.drop_nulls().unique().sort()}).with_columns(
        key=outlet_key("outlet")
    )
    matched = names.join(table.select("key", "organisation", "kind"), on="key", how="left")
    unmatched = matched.filter(pl.col("organisation").is_null() & pl.col("key").is_not_null())
    fuzzy = _fuzzy_organisations(unmatched["key"].unique().sort().to_list(), table)
    if fuzzy:
        guessed = pl.DataFrame(
            {"key": list(fuzzy), "alias_key": list(fuzzy.values())},
            schema={"key": pl.Utf8, "alias_key": pl.Utf8},
        ).join(
            table.select(pl.col("key").alias("alias_key"), "organisation", "kind"), on="alias_key"
        )
        matched = matched.join(guessed.drop("alias_key"), on="key", how="left", suffix="_fuzzy")
        matched = matched.with_columns(
            organisation=pl.coalesce("organisation", "organisation_fuzzy"),
            kind=pl.coalesce("kind", "kind_fuzzy"),
        )
    return matched.select(
        "outlet",
        organisation=pl.coalesce("organisation", "key", fold(latin_text("outlet"))),
        kind=pl.col("kind"),
    )


def normalise_url(column: str | pl.Expr) -> pl.Expr:
    """``;``-separated URLs as identities (a list): no scheme, ``www.``/``m.``, fragment,
    tracking parameters or trailing ``/``."""
    expr = pl.col(column) if isinstance(column, str) else column
    scheme, prefix = r"[a-z][a-z0-9+.-]*://", r"(www|m|mobile|amp)\."
    # What starts a URL is removed at the start and after each ";" in two passes, and a
    # trailing "?", "&" or "/" before each ";" and at the end: patterns with an anchor or a
    # literal first character are much cheaper to search than "(^|;)" and "(;|$)".
    text = (
        expr.str.to_lowercase()
        .str.replace_all(r"\s+", "")
        .str.replace(f"^{scheme}", "")
        .str.replace_all(f";{scheme}", ";")
        .str.replace(f"^{prefix}", "")
        .str.replace_all(f";{prefix}", ";")
        .str.replace_all(r"#[^;]*", "")
        .str.replace_all(r"(utm_[a-z]+|fbclid|gclid)=[^&;]*&?", "")
        .str.replace_all(r"[?&/]+;", ";")
        .str.replace(r"[?&/]+$", "")
    )
    return text.str.split(";").list.filter(pl.element().str.len_chars() > 3)


def citations(normalised_text: pl.Expr) -> pl.Expr:
    """Organisations a report's (normalised) text names as distinctive aliases (a list)."""
    table = _alias_table().filter(pl.col("cite") == 1)
    names = table.select(fold(latin_text("alias")).alias("name"), "organisation").unique(
        "name", keep="first", maintain_order=True
    )
    mapping = dict(zip(names["name"], names["organisation"], strict=True))
    padded = pl.lit(" ") + normalised_text + pl.lit(" ")
    found = padded.str.extract_many([f" {name} " for name in mapping], overlapping=True)
    lookup = {f" {name} ": org for name, org in mapping.items()}
    return found.list.eval(pl.element().replace_strict(lookup, default=None)).list.unique(
        maintain_order=True
    )


def _star_edges(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Edges from each member of a group to the group's first member (for components)."""
    return (
        frame.drop_nulls(by)
        .with_columns(first=pl.col("idx").min().over(by))
        .filter(pl.col("idx") != pl.col("first"))
        .select(pl.col("idx").alias("a"), pl.col("first").alias("b"))
    )


def echo_groups(
    members: pl.DataFrame, similar: pl.DataFrame, size: int
) -> np.ndarray[tuple[int], np.dtype[np.int64]]:
    """The echo group of each report (an array over ``idx``).

    ``members``: idx, incident (any id), organisation, urls (list), echo_text (normalised
    informative text or null), cites (list of organisations). ``similar``: a, b index pairs
    whose texts are near-identical.
    """
    members = members.select("idx", "incident", "organisation", "urls", "echo_text", "cites")
    edges = [
        _star_edges(members, ["incident", "organisation"]),
        _star_edges(members.explode("urls"), ["incident", "urls"]),
        _star_edges(members, ["incident", "echo_text"]),
        similar.select(pl.col("a").cast(pl.Int64), pl.col("b").cast(pl.Int64)),
    ]
    cited = members.select("idx", "incident", pl.col("cites").alias("organisation")).explode(
        "organisation"
    )
    edges.append(
        cited.drop_nulls("organisation")
        .join(members.select("idx", "incident", "organisation"), on=["incident", "organisation"])
        .filter(pl.col("idx") != pl.col("idx_right"))
        .select(pl.col("idx").alias("a"), pl.col("idx_right").alias("b"))
    )
    both = pl.concat([e.cast(pl.Int64) for e in edges])
    a, b = both["a"].to_numpy(), both["b"].to_numpy()
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(size, size))
    labels: np.ndarray[tuple[int], np.dtype[np.int64]] = connected_components(
        graph, directed=False
    )[1].astype(np.int64)
    return labels
