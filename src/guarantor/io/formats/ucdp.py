"""UCDP GED: one report per source article cited by an event.

A UCDP event cites its sources in ``source_article`` as quoted items separated by ``;``
(``"Reuters News,2014-08-18,Headline";"..."``), with ``source_office``, ``source_date`` and
``source_headline`` aligned by position. Each article becomes one report:
``source_record_id`` is ``<id>:<n>`` (n from 1), ``event_ref`` the UCDP ``id``, ``outlet``
the article's office, ``source_id`` ``media:`` and the outlet's name in lowercase with
runs of other characters than letters and digits as ``-``, and ``text`` the headline.

Headlines may contain ``;`` (16 events of the 2014-2022 Ukraine file), so ``source_headline``
split on ``;`` can disagree with the articles: the headline is read from the article item
itself (``office,date,headline``). The outlet comes from ``source_office`` by position when it
has as many items as there are articles, otherwise from the article item.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from guarantor.evidence.reports import Source
from guarantor.io.formats.assemble import Layout, assemble
from guarantor.io.formats.base import Chunk, Rejection
from guarantor.io.formats.canonical import merge_rejections
from guarantor.io.formats.chunking import ROW
from guarantor.io.formats.keys import RAW, raw_json
from guarantor.io.formats.parsing import TimeFormats
from guarantor.io.formats.readers import read_csv_batches

__all__ = ["UCDP_LAYOUT", "UCDP_REQUIRED", "UcdpGedImporter", "media_source_id", "ucdp_articles"]

UCDP_REQUIRED = (
    "id",
    "type_of_violence",
    "date_start",
    "date_end",
    "date_prec",
    "where_prec",
    "latitude",
    "longitude",
    "best",
    "source_article",
    "source_office",
)
UCDP_LAYOUT = Layout(
    name="ucdp_ged",
    times=TimeFormats(dates=("%Y-%m-%d",), day_times=("%Y-%m-%d %H:%M:%S%.f",)),
    vocabulary="ucdp_type_of_violence",
    origin={
        "source_record_id": "id",
        "event_ref": "id",
        "observed_at": "date_start",
        "observed_until": "date_end",
        "time_precision": "date_prec",
        "place_precision": "where_prec",
        "lat": "latitude",
        "lon": "longitude",
        "deaths": "best",
        "type": "type_of_violence",
        "outlet": "source_office",
        "text": "source_article",
    },
    defaults={"releasability": "PUBLIC"},
    term_is_original=False,
    time_fix="write the date as YYYY-MM-DD",
)
_VIOLENCE = {"1": "state-based conflict", "2": "non-state conflict", "3": "one-sided violence"}
_ARTICLE = r"(?s)^(.*?),(\d{4}-\d{2}-\d{2}),(.*)$"


def media_source_id(outlet: pl.Expr) -> pl.Expr:
    """``media:`` + the outlet's name, lowercase, other runs than letters/digits as ``-``."""
    slug = outlet.str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]+", "-").str.strip_chars("-")
    return pl.when(slug.str.len_chars() > 0).then(pl.lit("media:") + slug)


def ucdp_articles(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per cited article of each event, with ``__n``, ``__article``, ``__outlet``
    and ``__headline``; an event that cites nothing keeps one row with nulls."""
    items = (
        pl.col("source_article")
        .str.strip_chars()
        .str.strip_prefix('"')
        .str.strip_suffix('"')
        .str.split('";"')
    )
    offices = pl.col("source_office").str.split(";")
    headlines = (
        pl.col("source_headline").str.split(";")
        if "source_headline" in frame.columns
        else pl.lit(None, pl.List(pl.Utf8))
    )
    listed = frame.with_columns(items.alias("__article"), offices.alias("__offices"))
    count = pl.col("__article").list.len()
    listed = listed.with_columns(
        pl.int_ranges(1, count + 1).alias("__n"),
        (pl.col("__offices").list.len() == count).alias("__aligned"),
        (headlines.list.len() == count if headlines is not None else pl.lit(False)).alias(
            "__hl_ok"
        ),
        (headlines if headlines is not None else pl.lit(None, pl.List(pl.Utf8))).alias("__hls"),
    )
    rows = listed.explode("__article", "__n")
    parts = pl.col("__article").str.extract_groups(_ARTICLE)
    position = pl.col("__n") - 1
    positional_office = pl.col("__offices").list.get(position, null_on_oob=True)
    positional_headline = pl.col("__hls").list.get(position, null_on_oob=True)
    rows = rows.with_columns(parts.alias("__parts")).with_columns(
        pl.when(pl.col("__aligned"))
        .then(positional_office)
        .otherwise(pl.col("__parts").struct.field("1"))
        .str.strip_chars()
        .alias("__outlet"),
        pl.coalesce(
            pl.col("__parts").struct.field("3"),
            pl.when(pl.col("__hl_ok")).then(positional_headline),
            pl.col("__article"),
        ).alias("__headline"),
    )
    return rows.drop("__offices", "__aligned", "__hl_ok", "__hls", "__parts")


def _work(batch: pl.DataFrame) -> pl.DataFrame:
    originals = [c for c in batch.columns if c != ROW]
    rows = ucdp_articles(batch.with_columns(raw_json(originals)))
    sides = [pl.col(c) for c in ("side_a", "side_b") if c in rows.columns]
    outlet = pl.col("__outlet").replace("", None)
    return rows.select(
        pl.col(ROW),
        pl.col(RAW),
        media_source_id(outlet).alias("source_id"),
        pl.concat_str([pl.col("id"), pl.col("__n").cast(pl.Utf8)], separator=":").alias(
            "source_record_id"
        ),
        pl.col("id").alias("event_ref"),
        pl.col("date_start").alias("observed_at"),
        pl.col("date_end").alias("observed_until"),
        pl.col("date_prec").alias("time_precision"),
        pl.col("where_prec").alias("place_precision"),
        pl.col("latitude").alias("lat"),
        pl.col("longitude").alias("lon"),
        (pl.col("where_coordinates") if "where_coordinates" in rows.columns else pl.lit(None))
        .cast(pl.Utf8)
        .alias("place_name"),
        pl.col("type_of_violence").alias("type"),
        pl.col("type_of_violence")
        .str.strip_chars()
        .replace_strict(_VIOLENCE, default=None)
        .alias("type_original"),
        pl.col("best").alias("deaths"),
        pl.concat_str(sides, separator="; ", ignore_nulls=True).alias("claimed_actor")
        if sides
        else pl.lit(None, pl.Utf8).alias("claimed_actor"),
        pl.col("__headline").alias("text"),
        outlet.alias("outlet"),
    )


def _once_per_row(rejections: list[Rejection]) -> list[Rejection]:
    """An event's articles fail together (on the event's fields): reject the event once."""
    seen: set[int] = set()
    kept = []
    for rejection in rejections:
        if rejection.row_number not in seen:
            seen.add(rejection.row_number)
            kept.append(rejection)
    return kept


class UcdpGedImporter:
    name = "ucdp_ged"

    def chunks(self, path: Path, *, source: Source, chunk_rows: int = 100_000) -> Iterator[Chunk]:
        for batch in read_csv_batches(path, chunk_rows=chunk_rows, required=UCDP_REQUIRED):
            reports, rejected = assemble(_work(batch.frame), UCDP_LAYOUT, source)
            rejections = merge_rejections(batch.rejections, _once_per_row(rejected))
            yield Chunk(reports, rejections, reports.height + len(rejections))
