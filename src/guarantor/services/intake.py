"""The intake use case: a file of reports in, a committed batch out, nothing lost.

For every chunk an importer yields: fill coordinates from place names (never guessing),
attach oblast and raion only as far as the precision allows, validate the whole frame,
then write it in the batch's one transaction. Counts always satisfy
``read == accepted + rejected + duplicate``. The CLI and the API both call :func:`ingest`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from guarantor.evidence.reports import Source
from guarantor.evidence.validation import split_valid
from guarantor.services.intake_pipeline import read_ahead
from guarantor.services.intake_ports import (
    AdminAssigner,
    BatchInfo,
    Chunk,
    Importer,
    PlaceResolver,
    Rejection,
    ReportStore,
    rejections_frame,
)

__all__ = ["BatchSummary", "Geocoder", "file_sha256", "geocode", "ingest"]

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Geocoder:
    resolver: PlaceResolver
    assign_admin: AdminAssigner


@dataclass(frozen=True, slots=True)
class BatchSummary:
    batch_id: str
    file_name: str
    format: str
    read: int
    accepted: int
    rejected: int
    duplicate: int
    warnings: int
    seconds: float

    @property
    def balanced(self) -> bool:
        return self.read == self.accepted + self.rejected + self.duplicate


def file_sha256(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _empty_warnings() -> pl.DataFrame:
    return rejections_frame([])


def geocode(frame: pl.DataFrame, geocoder: Geocoder) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Coordinates from place names where none were given; units by point in polygon.

    Returns the frame and warnings for names that could not be resolved (the report is kept,
    without a place: "unresolved" is reported, never guessed).
    """
    needs = frame["lat"].is_null() & frame["place_name"].is_not_null()
    warnings = _empty_warnings()
    if needs.any():
        todo = frame.filter(needs)
        found = geocoder.resolver.resolve(todo["place_name"], todo["admin1"])
        resolved = found["resolution"] == "resolved"
        filled = todo.with_columns(
            pl.when(resolved).then(found["lat"]).otherwise(None).alias("lat"),
            pl.when(resolved).then(found["lon"]).otherwise(None).alias("lon"),
            pl.when(resolved)
            .then(found["geonames_id"])
            .otherwise(pl.col("geonames_id"))
            .alias("geonames_id"),
            pl.when(resolved)
            .then(pl.col("place_precision").fill_null(1))
            .otherwise(pl.col("place_precision"))
            .alias("place_precision"),
        )
        frame = pl.concat([frame.filter(~needs), filled]).sort("row_number", maintain_order=True)
        unresolved = todo.with_columns(found["resolution"], found["candidates"]).filter(~resolved)
        warnings = unresolved.select(
            pl.col("row_number"),
            pl.lit("place_name").alias("field"),
            pl.col("place_name").alias("value"),
            pl.format(
                "a place name the gazetteer resolves to one place ({})", pl.col("resolution")
            ).alias("expected"),
            pl.format(
                "give the oblast or coordinates; candidates: {}",
                pl.col("candidates").fill_null("none"),
            ).alias("fix"),
            pl.col("raw"),
        )
    units = geocoder.assign_admin(frame["lat"], frame["lon"])
    precision = frame["place_precision"].fill_null(1)
    frame = frame.with_columns(
        pl.when(precision <= 4).then(units["admin1"]).otherwise(pl.col("admin1")).alias("admin1"),
        pl.when(precision <= 3).then(units["admin2"]).otherwise(None).alias("admin2"),
    )
    return frame, warnings


def _with_source_defaults(frame: pl.DataFrame, sources: dict[str, Source]) -> pl.DataFrame:
    if not sources:
        return frame
    grades = pl.DataFrame(
        {"source_id": list(sources), "_grade": [s.reliability for s in sources.values()]}
    )
    joined = frame.join(grades, on="source_id", how="left", maintain_order="left")
    return joined.with_columns(pl.col("reliability").fill_null(pl.col("_grade"))).drop("_grade")


def _new_sources(frame: pl.DataFrame, known: dict[str, Source], default: Source) -> list[Source]:
    """Sources named by the records that are not yet known: outlets become media sources
    whose reliability cannot be judged (F) until an analyst grades them."""
    created = []
    for source_id in frame["source_id"].unique().drop_nulls().to_list():
        if source_id in known or source_id == default.id:
            continue
        kind = "media" if source_id.startswith("media:") else default.kind
        created.append(Source(source_id, source_id.removeprefix("media:"), kind, "F"))
    return created


def _rejected_records(rejections: list[Rejection]) -> int:
    """Input records an importer rejected (it may give several rejections for one record)."""
    return len({r.row_number for r in rejections})


@dataclass(frozen=True, slots=True)
class _Prepared:
    """One chunk ready to be written: the sources it names first, then its rows."""

    sources: list[Source]
    valid: pl.DataFrame
    rejections: pl.DataFrame
    warnings: pl.DataFrame
    records: int
    rejected: int


def _prepare(
    chunks: Iterator[Chunk], known: dict[str, Source], source: Source, geocoder: Geocoder,
    now: datetime | None,
) -> Iterator[_Prepared]:  # fmt: skip
    """Every chunk geocoded and validated, with the sources it names that are new so far."""
    known = dict(known)
    for chunk in chunks:
        new = _new_sources(chunk.reports, known, source)
        known.update({s.id: s for s in new})
        frame = _with_source_defaults(chunk.reports, known)
        frame, warnings = geocode(frame, geocoder)
        valid, invalid = split_valid(frame, now or datetime.now(UTC))
        yield _Prepared(
            new,
            valid,
            pl.concat([rejections_frame(chunk.rejections), invalid]),
            warnings,
            chunk.records,
            _rejected_records(chunk.rejections) + frame.height - valid.height,
        )


def ingest(
    path: Path,
    importer: Importer,
    source: Source,
    store: ReportStore,
    geocoder: Geocoder,
    *,
    chunk_rows: int = 100_000,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> BatchSummary:
    """Import ``path`` as one batch. The next chunk is read, geocoded and validated in a
    thread while the current one is written (:func:`read_ahead`); the writing, and so the
    batch's one transaction, stays in the calling thread."""
    started = datetime.now(UTC)
    digest, size = file_sha256(path)
    info = BatchInfo(str(uuid.uuid4()), str(path), digest, size, importer.name, source.id, started)
    read = accepted = rejected = duplicate = warned = 0
    with store.batch(info) as writer:
        known = store.known_sources()
        writer.ensure_sources([source])
        known[source.id] = source
        chunks = importer.chunks(path, source=source, chunk_rows=chunk_rows)
        with read_ahead(_prepare(chunks, known, source, geocoder, now)) as ready:
            for part in ready:
                writer.ensure_sources(part.sources)
                added, dupes = writer.write(part.valid, part.rejections, part.warnings)
                read += part.records
                accepted += added
                duplicate += dupes
                rejected += part.rejected
                warned += part.warnings.height
                if progress is not None:
                    progress(part.records)
        writer.commit(read, accepted, rejected, duplicate)
    seconds = (datetime.now(UTC) - started).total_seconds()
    return BatchSummary(
        info.batch_id,
        str(path),
        importer.name,
        read,
        accepted,
        rejected,
        duplicate,
        warned,
        seconds,
    )
