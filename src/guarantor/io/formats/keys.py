"""The raw record kept verbatim, and the report key that is stable across re-imports.

``report_key`` is the first 32 hex digits (128 bits) of SHA-256 over ``source_id``, the unit
separator ``\\x1f`` and ``source_record_id`` when the record has one, else its ``raw`` JSON.
SHA-256 is fixed by its standard, so keys never change with a library version (Polars'
own ``hash`` may). Hashing runs in Python's ``hashlib``, about 1 µs per record here.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import polars_hash as plh

__all__ = ["KEY_SEPARATOR", "RAW", "raw_json", "report_keys"]

RAW = "__raw"
KEY_SEPARATOR = "\x1f"


def raw_json(columns: Sequence[str]) -> pl.Expr:
    """A JSON object of ``columns`` (name -> value), in their order, built by Polars."""
    return pl.struct([pl.col(c) for c in columns]).struct.json_encode().alias(RAW)


def report_keys(source_id: pl.Series, record_id: pl.Series, raw: pl.Series) -> pl.Series:
    """The report key of each record (see the module docstring)."""
    basis = pl.concat_str(
        [source_id, pl.lit(KEY_SEPARATOR), pl.coalesce(record_id, raw)], ignore_nulls=False
    ).alias("basis")
    digest = plh.col("basis").chash.sha2_256().str.slice(0, 32)
    return pl.select(basis).select(digest.alias("report_key")).to_series()
