"""Any other CSV, through a column-mapping file (:mod:`guarantor.io.formats.mapping`).

Their columns are renamed to report fields, their values replaced by the value maps
(matched without regard to case or surrounding spaces; unmatched values pass unchanged),
times read with the mapping's ``date_formats`` (a local time without offset is in the
mapping's ``timezone``; a date without time is that whole local day), and the type looked up
in the mapping's vocabulary (our own type ids unless it names another). The value of their
type (and weapon) column before mapping is kept as ``type_original`` (``weapon_original``).
Rejections name their columns.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl

from guarantor.evidence.reports import Source
from guarantor.io.formats.assemble import Layout, assemble
from guarantor.io.formats.base import Chunk
from guarantor.io.formats.canonical import RFC3339, merge_rejections
from guarantor.io.formats.chunking import ROW
from guarantor.io.formats.keys import RAW, raw_json
from guarantor.io.formats.mapping import ColumnMapping, date_kind, load_mapping
from guarantor.io.formats.parsing import TimeFormats
from guarantor.io.formats.readers import read_csv_batches

__all__ = ["MappingCsvImporter", "mapped_layout"]

_ORIGINALS = {"type": "type_original", "weapon": "weapon_original"}


def mapped_layout(mapping: ColumnMapping) -> Layout:
    """The layout a mapping describes."""
    if mapping.date_formats:
        kinds = [(date_kind(f), f) for f in mapping.date_formats]
        times = TimeFormats(
            dates=tuple(f for k, f in kinds if k == "date"),
            naive=tuple(f for k, f in kinds if k == "naive"),
            aware=tuple(f for k, f in kinds if k == "aware"),
            timezone=mapping.timezone,
        )
    else:
        times = RFC3339
    return Layout(
        name="mapped_csv",
        times=times,
        vocabulary=mapping.vocabulary,
        origin=mapping.origin(),
        defaults=dict(mapping.defaults),
        term_is_original=False,
        time_fix="write the time in one of the date_formats of the mapping file, or add its "
        "form to date_formats",
    )


def _mapped_value(field: str, table: dict[str, str]) -> pl.Expr:
    key = pl.col(field).str.strip_chars().str.to_lowercase()
    lowered = {k.strip().lower(): v for k, v in table.items()}
    return (
        pl.when(key.is_in(list(lowered)))
        .then(key.replace_strict(lowered, default=None, return_dtype=pl.Utf8))
        .otherwise(pl.col(field))
        .alias(field)
    )


def mapped_work(frame: pl.DataFrame, mapping: ColumnMapping) -> pl.DataFrame:
    """The working frame of a batch: report fields from their columns, values mapped."""
    originals = [c for c in frame.columns if c != ROW]
    renamed = [pl.col(theirs).alias(ours) for theirs, ours in mapping.columns.items()]
    if mapping.record_id is not None:
        renamed.append(pl.col(mapping.record_id).alias("source_record_id"))
    work = frame.with_columns(raw_json(originals)).select(pl.col(ROW), pl.col(RAW), *renamed)
    keep = [
        pl.col(field).alias(original)
        for field, original in _ORIGINALS.items()
        if field in work.columns and original not in work.columns
    ]
    work = work.with_columns(keep)
    maps = [_mapped_value(f, t) for f, t in mapping.values.items() if f in work.columns]
    return work.with_columns(maps)


class MappingCsvImporter:
    """Imports a CSV file through the mapping file at ``mapping_path``."""

    name = "mapped_csv"

    def __init__(self, mapping_path: Path) -> None:
        self.mapping_path = mapping_path
        self.mapping = load_mapping(mapping_path)
        self.layout = mapped_layout(self.mapping)

    def chunks(self, path: Path, *, source: Source, chunk_rows: int = 100_000) -> Iterator[Chunk]:
        required = list(self.mapping.columns)
        if self.mapping.record_id is not None:
            required.append(self.mapping.record_id)
        batches = read_csv_batches(
            path, chunk_rows=chunk_rows, required=required, separator=self.mapping.separator
        )
        for batch in batches:
            work = mapped_work(batch.frame, self.mapping)
            reports, rejected = assemble(work, self.layout, source)
            yield Chunk(reports, merge_rejections(batch.rejections, rejected), batch.records)
