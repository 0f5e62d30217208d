"""VIINA one-per-day event files (``VIINA_<year>_REBUILD.csv``): one report per event row.

A VIINA event groups the reports of one type in one populated place on one day; its lineage
stays with it: ``outlet`` lists ``sources_matching``, ``urls`` lists ``source_urls`` (both
``;``-separated), ``text`` is the ``representative_text`` headline, and ``n_reports`` and
``event_ids_matching`` stay in ``raw``. ``event_id_1pd`` is both ``source_record_id`` and
``event_ref``; ``geonameid`` -> ``geonames_id``; ``asciiname`` -> place name, placed within
about 25 km of that populated place (precision 2). The type comes from ``attack_terms``
(word stems such as ``ракет`` or ``дрон``) through the ``viina_attack`` vocabulary, the most
specific stem winning; the claimed actor from the actor labels ``a_rus`` and ``a_ukr``;
the target from ``target_classes``. The third party's triage columns (``TriageStatus``,
``Stage1Triage``, ``location_bucket`` ...) are not used, only kept in ``raw``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from guarantor.evidence.reports import Source
from guarantor.io.formats.assemble import Layout, assemble
from guarantor.io.formats.base import Chunk
from guarantor.io.formats.canonical import merge_rejections
from guarantor.io.formats.chunking import ROW
from guarantor.io.formats.keys import RAW, raw_json
from guarantor.io.formats.parsing import TimeFormats
from guarantor.io.formats.readers import read_csv_batches
from guarantor.io.vocabulary import best_term

__all__ = ["VIINA_LAYOUT", "VIINA_REQUIRED", "ViinaImporter"]

VIINA_REQUIRED = (
    "event_id_1pd",
    "date",
    "n_reports",
    "event_ids_matching",
    "sources_matching",
    "attack_terms",
    "latitude",
    "longitude",
)
VIINA_LAYOUT = Layout(
    name="viina",
    times=TimeFormats(dates=("%Y%m%d", "%Y-%m-%d")),
    vocabulary="viina_attack",
    origin={
        "source_record_id": "event_id_1pd",
        "event_ref": "event_id_1pd",
        "observed_at": "date",
        "lat": "latitude",
        "lon": "longitude",
        "geonames_id": "geonameid",
        "place_name": "asciiname",
        "type": "attack_terms",
        "claimed_actor": "a_rus",
        "target": "target_classes",
        "text": "representative_text",
        "outlet": "sources_matching",
        "urls": "source_urls",
    },
    defaults={"releasability": "PUBLIC", "place_precision": "2"},
    term_is_original=False,
    time_fix="write the date as YYYYMMDD",
)
_ACTORS = (("a_rus", "Russian forces"), ("a_ukr", "Ukrainian forces"))


def _listed(column: str, frame: pl.DataFrame) -> pl.Expr:
    """A ``|``-separated VIINA list as a ``;``-separated one (null if the column is absent)."""
    if column not in frame.columns:
        return pl.lit(None, dtype=pl.Utf8)
    return pl.col(column).str.replace_all(r"\s*\|\s*", ";")


def _optional(column: str, frame: pl.DataFrame) -> pl.Expr:
    return pl.col(column) if column in frame.columns else pl.lit(None, dtype=pl.Utf8)


def _actors(frame: pl.DataFrame) -> pl.Expr:
    named = [
        pl.when(pl.col(c).str.strip_chars() == "1").then(pl.lit(words))
        for c, words in _ACTORS
        if c in frame.columns
    ]
    if not named:
        return pl.lit(None, dtype=pl.Utf8)
    return pl.concat_str(named, separator=";", ignore_nulls=True).replace("", None)


def _work(frame: pl.DataFrame) -> pl.DataFrame:
    originals = [c for c in frame.columns if c != ROW]
    terms = best_term(frame, "attack_terms", VIINA_LAYOUT.vocabulary, "|")
    return frame.with_columns(raw_json(originals)).select(
        pl.col(ROW),
        pl.col(RAW),
        pl.col("event_id_1pd").alias("source_record_id"),
        pl.col("event_id_1pd").alias("event_ref"),
        pl.col("date").alias("observed_at"),
        pl.col("latitude").alias("lat"),
        pl.col("longitude").alias("lon"),
        _optional("geonameid", frame).alias("geonames_id"),
        _optional("asciiname", frame).alias("place_name"),
        terms.alias("type"),
        _listed("attack_terms", frame).alias("type_original"),
        _actors(frame).alias("claimed_actor"),
        _listed("target_classes", frame).alias("target"),
        _optional("representative_text", frame).alias("text"),
        _listed("sources_matching", frame).alias("outlet"),
        _listed("source_urls", frame).alias("urls"),
    )


class ViinaImporter:
    name = "viina"

    def chunks(self, path: Path, *, source: Source, chunk_rows: int = 100_000) -> Iterator[Chunk]:
        for batch in read_csv_batches(path, chunk_rows=chunk_rows, required=VIINA_REQUIRED):
            reports, rejected = assemble(_work(batch.frame), VIINA_LAYOUT, source)
            yield Chunk(reports, merge_rejections(batch.rejections, rejected), batch.records)
