"""Reading JSON Lines and GeoJSON into batches of text columns, like the CSV reader.

JSON Lines: one JSON object per line, read ``chunk_rows`` lines at a time; the row number is
the line number (blank lines are skipped but counted as lines). A batch is decoded by Polars
at once; a batch Polars cannot decode (a line that is not a JSON object, nested values,
mixed types) is decoded line by line to reject only the lines at fault. Values become text:
numbers (``48.1``, ``3``), ``true``/``false``, nested values as JSON text.
``raw`` is the line itself.

GeoJSON: a FeatureCollection, read whole (the format has no record boundaries; for very
large files use JSON Lines or CSV). The row number is the feature's 1-based position;
``raw`` is the feature as JSON. A Point geometry gives ``lat``/``lon``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from guarantor.io.formats.base import Rejection
from guarantor.io.formats.chunking import ROW
from guarantor.io.formats.errors import intake_error
from guarantor.io.formats.keys import RAW
from guarantor.io.formats.readers import CsvBatch

__all__ = ["GEOMETRY_PROBLEM", "read_geojson_batches", "read_jsonl_batches"]

GEOMETRY_PROBLEM = "__geometry_problem"
_ICONV = "convert it to UTF-8, e.g. iconv -f cp1251 -t utf-8 in.jsonl > out.jsonl"


def read_jsonl_batches(path: Path, *, chunk_rows: int) -> Iterator[CsvBatch]:
    """Batches of ``chunk_rows`` lines: text columns, :data:`ROW` and :data:`RAW`."""
    display = str(path)
    with path.open("rb") as handle:
        numbered = ((n, line) for n, line in enumerate(handle, start=1) if line.strip())
        first = True
        while batch := list(itertools.islice(numbered, chunk_rows)):
            yield _jsonl_batch(batch, display, first)
            first = False
        if first:
            raise _empty(display, "JSON object per line")


def _empty(display: str, expected: str) -> Exception:
    return intake_error(
        display,
        found="the file is empty",
        expected=f"one {expected}",
        fix="export the data again",
        code="empty_file",
    )


def _jsonl_batch(batch: list[tuple[int, bytes]], display: str, first: bool) -> CsvBatch:
    numbers: list[int] = []
    lines: list[str] = []
    rejections: list[Rejection] = []
    for number, line in batch:
        data = line[3:] if number == 1 and line.startswith(b"\xef\xbb\xbf") else line
        try:
            lines.append(data.decode("utf-8").strip())
            numbers.append(number)
        except UnicodeDecodeError as exc:
            if first:
                raise intake_error(
                    display,
                    line=number,
                    found=f"bytes that are not UTF-8 at byte {exc.start} of the line",
                    expected="a UTF-8 text file",
                    fix=_ICONV,
                    code="encoding",
                ) from exc
            text = data.decode("utf-8", "backslashreplace").strip()
            rejections.append(_bad_line(number, text, "UTF-8 text", _ICONV))
    frame = _decode_fast(lines, numbers)
    if frame is None:
        frame, more = _decode_slow(lines, numbers)
        rejections.extend(more)
    return CsvBatch(frame, sorted(rejections, key=lambda r: r.row_number))


def _decode_fast(lines: list[str], numbers: list[int]) -> pl.DataFrame | None:
    if not lines:
        return None
    try:
        decoded = pl.Series(lines).str.json_decode(infer_schema_length=None)
    except pl.exceptions.PolarsError:
        return None
    if not isinstance(decoded.dtype, pl.Struct) or decoded.null_count():
        return None
    frame = decoded.struct.unnest()
    if any(isinstance(d, pl.List | pl.Struct | pl.Array | pl.Object) for d in frame.dtypes):
        return None
    frame = frame.with_columns(pl.all().cast(pl.Utf8))
    return frame.with_columns(
        pl.Series(ROW, numbers, dtype=pl.Int64), pl.Series(RAW, lines, dtype=pl.Utf8)
    )


def _decode_slow(lines: list[str], numbers: list[int]) -> tuple[pl.DataFrame, list[Rejection]]:
    records: list[dict[str, str | None]] = []
    kept: list[int] = []
    raws: list[str] = []
    rejections: list[Rejection] = []
    for number, line in zip(numbers, lines, strict=True):
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            rejections.append(
                _bad_line(number, line, "a JSON object", f"fix the JSON near character {exc.pos}")
            )
            continue
        if not isinstance(value, dict):
            rejections.append(_bad_line(number, line, "a JSON object", "put the record in {...}"))
            continue
        records.append({str(k): _text(v) for k, v in value.items()})
        kept.append(number)
        raws.append(line)
    return _records_frame(records, kept, raws), rejections


def _records_frame(
    records: list[dict[str, str | None]], numbers: list[int], raws: list[str]
) -> pl.DataFrame:
    names = list(dict.fromkeys(k for r in records for k in r))
    columns = {n: pl.Series(n, [r.get(n) for r in records], dtype=pl.Utf8) for n in names}
    return pl.DataFrame(
        [
            *columns.values(),
            pl.Series(ROW, numbers, dtype=pl.Int64),
            pl.Series(RAW, raws, dtype=pl.Utf8),
        ]
    )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _bad_line(number: int, line: str, expected: str, fix: str) -> Rejection:
    shown = line if len(line) <= 200 else line[:197] + "..."
    return Rejection(number, "(record)", shown, expected, fix, line)


def read_geojson_batches(path: Path, *, chunk_rows: int) -> Iterator[CsvBatch]:
    """Batches of features: property columns, ``lat``/``lon`` from Point geometries,
    :data:`GEOMETRY_PROBLEM` (text where the geometry is not a Point), ROW and RAW."""
    display = str(path)
    features = _features(path, display)
    for start in range(0, len(features), chunk_rows):
        part = features[start : start + chunk_rows]
        yield _geojson_batch(part, start + 1)


def _features(path: Path, display: str) -> list[Any]:
    data = path.read_bytes()
    if not data.strip():
        raise _empty(display, "GeoJSON FeatureCollection")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise intake_error(
            display,
            found=f"bytes that are not UTF-8 at byte offset {exc.start}",
            expected="a UTF-8 text file",
            fix=_ICONV.replace("jsonl", "geojson"),
            code="encoding",
        ) from exc
    except json.JSONDecodeError as exc:
        raise intake_error(
            display,
            line=exc.lineno,
            found=f"JSON that does not parse ({exc.msg}, column {exc.colno})",
            expected='a GeoJSON FeatureCollection, e.g. {"type": "FeatureCollection", '
            '"features": [...]}',
            fix="fix the JSON at this position",
            code="json_syntax",
        ) from exc
    if not isinstance(document, dict) or not isinstance(document.get("features"), list):
        raise intake_error(
            display,
            found="JSON that is not a FeatureCollection",
            expected='{"type": "FeatureCollection", "features": [...]}',
            fix="wrap the features in a FeatureCollection",
            code="not_geojson",
        )
    return list(document["features"])


def _geojson_batch(features: list[Any], first_row: int) -> CsvBatch:
    records: list[dict[str, str | None]] = []
    raws: list[str] = []
    for feature in features:
        raws.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
        properties = feature.get("properties") if isinstance(feature, dict) else None
        record = {str(k): _text(v) for k, v in (properties or {}).items()}
        record.update(_point(feature))
        records.append(record)
    numbers = list(range(first_row, first_row + len(features)))
    return CsvBatch(_records_frame(records, numbers, raws), [])


def _point(feature: Any) -> dict[str, str | None]:
    """lat/lon of a Point, or the problem with the feature's geometry."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return {GEOMETRY_PROBLEM: "not a GeoJSON Feature"}
    geometry = feature.get("geometry")
    if geometry is None:
        return {}
    kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind != "Point":
        return {GEOMETRY_PROBLEM: f"a {kind} geometry"}
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return {GEOMETRY_PROBLEM: f"a Point with coordinates {coordinates!r}"}
    return {"lon": _text(coordinates[0]), "lat": _text(coordinates[1])}
