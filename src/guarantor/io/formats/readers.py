"""Chunked CSV reading shared by the CSV importers: bounded memory, no record lost.

The file is cut into blocks of whole records (a newline outside double quotes ends a
record, so quoted newlines stay inside their field). Polars parses each block, every column
as text; a block Polars refuses, or one whose records do not all have as many fields as the
header, is parsed again with Python's ``csv`` module to find the records at fault, which
become rejections. Row numbers are 1-based data-record numbers: the header is not counted,
blank lines are not records, and a record with a quoted newline counts once.

Text must be UTF-8 (a byte-order mark is allowed). Bytes that are not UTF-8 in the first
4 MiB stop the whole file with an :class:`IntakeError` naming the byte offset: such a file
is in another encoding. Later, only the records with such bytes are rejected.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl

from guarantor.io.formats.base import Rejection
from guarantor.io.formats.chunking import ROW, Rechunker
from guarantor.io.formats.errors import IntakeError, intake_error

__all__ = ["ROW", "CsvBatch", "read_csv_batches", "read_header", "require_columns"]

_BOM = b"\xef\xbb\xbf"
_MIN_BLOCK = 4 << 20
_MAX_BLOCK = 64 << 20
_SPLIT_BYTES = 64 << 10
_STRICT_BYTES = 4 << 20  # bytes that are not UTF-8 this early: the file is in another encoding
_ICONV = "convert it to UTF-8, e.g. iconv -f cp1251 -t utf-8 in.csv > out.csv"


@dataclass(frozen=True, slots=True)
class CsvBatch:
    """Records of one chunk: good ones as text columns plus :data:`ROW`, bad ones rejected."""

    frame: pl.DataFrame
    rejections: list[Rejection]

    @property
    def records(self) -> int:
        return self.frame.height + len(self.rejections)


@dataclass(frozen=True, slots=True)
class _Header:
    names: tuple[str, ...]
    body_offset: int
    first: bytes  # the bytes read after the header, to start the body with


def read_header(path: Path, *, separator: str = ",") -> tuple[str, ...]:
    """The column names of a CSV file (the first record), for format detection."""
    with path.open("rb") as handle:
        return _read_header(handle, str(path), separator).names


def require_columns(names: Sequence[str], required: Sequence[str], display: str) -> None:
    """Raise an :class:`IntakeError` listing the required columns missing from ``names``."""
    missing = [c for c in required if c not in names]
    if not missing:
        return
    lowered = {n.lower(): n for n in names}
    hints = []
    for column in missing:
        close = difflib.get_close_matches(column.lower(), list(lowered), n=1, cutoff=0.6)
        if close:
            hints.append(f"'{lowered[close[0]]}' -> '{column}'")
    fix = "add the missing columns to the header"
    if hints:
        fix = "did you mean " + ", ".join(hints) + "? rename them, or " + fix
    raise intake_error(
        display,
        line=1,
        found="no column " + ", ".join(f"'{c}'" for c in missing) + " in the header",
        expected="the required columns " + ", ".join(required),
        fix=fix,
        code="missing_column",
    )


def read_csv_batches(
    path: Path,
    *,
    chunk_rows: int,
    required: Sequence[str] = (),
    separator: str = ",",
) -> Iterator[CsvBatch]:
    """The records of ``path`` in batches of ``chunk_rows`` records (the last may be
    shorter); raises :class:`IntakeError` for an empty file or a missing column."""
    display = str(path)
    with path.open("rb") as handle:
        header = _read_header(handle, display, separator)
        require_columns(header.names, required, display)
        rechunker = Rechunker(chunk_rows)
        parser = _BlockParser(header.names, separator, display)
        size = _block_size(header.first, chunk_rows)
        offset = header.body_offset
        for block in _record_blocks(handle, header.first, size):
            frame, rejections, count = parser.parse(block, offset)
            offset += len(block)
            for frame_part, rejected in rechunker.add(frame, rejections, count):
                yield CsvBatch(frame_part, rejected)
        for frame_part, rejected in rechunker.finish():
            yield CsvBatch(frame_part, rejected)


def _block_size(sample: bytes, chunk_rows: int) -> int:
    per_record = len(sample) / max(1, sample.count(b"\n"))
    return int(min(_MAX_BLOCK, max(_MIN_BLOCK, chunk_rows * per_record)))


def _read_header(handle: BinaryIO, display: str, separator: str) -> _Header:
    data = handle.read(_MIN_BLOCK)
    skipped = len(_BOM) if data.startswith(_BOM) else 0
    stripped = data[skipped:].lstrip(b"\r\n")
    skipped += len(data) - skipped - len(stripped)
    if not stripped.strip():
        raise intake_error(
            display,
            found="the file is empty" if not data.removeprefix(_BOM) else "blank lines only",
            expected="a header row naming the columns, then one row per record",
            fix="export the data again with its header row",
            code="empty_file",
        )
    end = _first_record_end(stripped)
    while end is None:
        more = handle.read(_MIN_BLOCK)
        if not more:
            end = len(stripped)
            break
        stripped += more
        end = _first_record_end(stripped)
    raw_header = stripped[:end]
    try:
        text = raw_header.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _encoding_error(display, skipped + exc.start, 1) from exc
    fields = next(csv.reader(io.StringIO(text, newline=""), delimiter=separator), [])
    names = _names(fields, display)
    return _Header(names, skipped + end, stripped[end:])


def _names(fields: list[str], display: str) -> tuple[str, ...]:
    names = tuple(f.strip() or f"column_{i + 1}" for i, f in enumerate(fields))
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise intake_error(
            display,
            line=1,
            found="the column name " + ", ".join(f"'{n}'" for n in repeated) + " twice",
            expected="each column name once in the header",
            fix="rename one of the repeated columns",
            code="duplicate_column",
        )
    return names


def _encoding_error(display: str, offset: int, line: int | None) -> IntakeError:
    return intake_error(
        display,
        line=line,
        found=f"bytes that are not UTF-8 at byte offset {offset}",
        expected="a UTF-8 text file (with or without a byte-order mark)",
        fix=_ICONV,
        code="encoding",
    )


def _first_record_end(data: bytes) -> int | None:
    """Index just after the first newline outside quotes, or None if there is none yet."""
    pos = data.find(b"\n")
    quotes = data.count(b'"', 0, max(pos, 0))
    while pos >= 0 and quotes % 2:
        following = data.find(b"\n", pos + 1)
        if following < 0:
            return None
        quotes += data.count(b'"', pos, following)
        pos = following
    return None if pos < 0 else pos + 1


def _last_record_end(data: bytes) -> int:
    """Index just after the last newline outside quotes (0 if there is none)."""
    pos = data.rfind(b"\n")
    if pos < 0:
        return 0
    quotes = data.count(b'"', 0, pos)
    while quotes % 2:
        previous = data.rfind(b"\n", 0, pos)
        if previous < 0:
            return 0
        quotes -= data.count(b'"', previous, pos)
        pos = previous
    return pos + 1


def _record_blocks(handle: BinaryIO, first: bytes, size: int) -> Iterator[bytes]:
    carry = first
    while True:
        data = handle.read(size)
        if not data:
            if carry:
                yield carry
            return
        buffer = carry + data
        cut = _last_record_end(buffer)
        if cut == 0:
            carry = buffer
            continue
        yield buffer[:cut]
        carry = buffer[cut:]


class _BlockParser:
    """Parses blocks of whole records: Polars first, Python's csv where Polars cannot."""

    def __init__(self, names: tuple[str, ...], separator: str, display: str) -> None:
        self.names = names
        self.schema = dict.fromkeys(names, pl.String)
        self.separator = separator
        self.display = display
        self.next_row = 1

    def parse(self, block: bytes, offset: int) -> tuple[pl.DataFrame, list[Rejection], int]:
        """(good records with :data:`ROW`, rejections, number of records) of one block."""
        first = self.next_row
        frames, rejections = self._part(block, offset)
        frames = [f for f in frames if f.height] or [self._empty()]
        frame = pl.concat(frames) if len(frames) > 1 else frames[0]
        return frame, rejections, self.next_row - first

    def _empty(self) -> pl.DataFrame:
        return pl.DataFrame(schema={**self.schema, ROW: pl.Int64})

    def _part(self, block: bytes, offset: int) -> tuple[list[pl.DataFrame], list[Rejection]]:
        """Polars on the whole part; where it fails, on each half (cut at a record end), down
        to parts of 64 KiB that Python's csv reads: one bad record slows only its own part."""
        body = block.rstrip(b"\r\n")
        if not body:
            return [], []
        fast = self._polars(body)
        if fast is not None:
            rows = pl.int_range(self.next_row, self.next_row + fast.height, eager=True)
            self.next_row += fast.height
            return [fast.with_columns(rows.cast(pl.Int64).alias(ROW))], []
        cut = _last_record_end(body[: len(body) // 2]) if len(body) > _SPLIT_BYTES else 0
        if cut == 0:
            frame, rejections = self._python(body, offset)
            self.next_row += frame.height + len(rejections)
            return [frame], rejections
        left_frames, left_rejections = self._part(body[:cut], offset)
        right_frames, right_rejections = self._part(body[cut:], offset + cut)
        return [*left_frames, *right_frames], [*left_rejections, *right_rejections]

    def _polars(self, body: bytes) -> pl.DataFrame | None:
        blank = body.startswith(b"\n") or b"\n\n" in body or b"\n\r\n" in body
        if len(self.names) < 2 and blank:
            return None  # a blank line is not a record; with two columns or more, the
            # separator count below sends blocks with blank lines to Python's csv
        try:
            frame = pl.read_csv(
                body,
                has_header=False,
                schema=self.schema,
                separator=self.separator,
                quote_char='"',
                empty_string_is_null=False,
                truncate_ragged_lines=False,
                raise_if_empty=False,
            )
        except (pl.exceptions.PolarsError, OSError):
            return None
        if frame.width != len(self.names) or not self._all_fields_present(body, frame):
            return None
        return frame

    def _all_fields_present(self, body: bytes, frame: pl.DataFrame) -> bool:
        """Polars pads short records; count the separators to be sure there are none."""
        if len(self.names) < 2:
            return True
        total = body.count(self.separator.encode())
        inside = 0
        if b'"' in body:
            counts = pl.all().str.count_matches(self.separator, literal=True)
            inside = frame.select(pl.sum_horizontal(counts).sum()).item() or 0
        return total - inside == (len(self.names) - 1) * frame.height

    def _python(self, body: bytes, offset: int) -> tuple[pl.DataFrame, list[Rejection]]:
        if offset < _STRICT_BYTES:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as exc:
                if offset + exc.start < _STRICT_BYTES:
                    raise _encoding_error(self.display, offset + exc.start, None) from exc
        text = body.decode("utf-8", errors="surrogateescape")
        csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.separator, strict=False)
        good: list[list[str]] = []
        numbers: list[int] = []
        rejections: list[Rejection] = []
        row = self.next_row - 1
        for fields in reader:
            if not fields:
                continue
            row += 1
            problem = self._problem(row, fields, offset)
            if problem is None:
                good.append(fields)
                numbers.append(row)
            else:
                rejections.append(problem)
        frame = pl.DataFrame(good, schema=self.schema, orient="row")
        return frame.with_columns(pl.Series(ROW, numbers, dtype=pl.Int64)), rejections

    def _problem(self, row: int, fields: list[str], offset: int) -> Rejection | None:
        width = len(self.names)
        if len(fields) != width:
            many = len(fields) > width
            return Rejection(
                row_number=row,
                field="(record)",
                value=f"{len(fields)} fields",
                expected=f"{width} fields, one per column of the header",
                fix=(
                    "quote values that contain the separator or a line break with double quotes"
                    if many
                    else "add the missing fields (empty ones too) or quote a value cut by a "
                    "line break"
                ),
                raw=json.dumps(_printable(fields), ensure_ascii=False),
            )
        for name, value in zip(self.names, fields, strict=True):
            if _undecodable(value):
                return Rejection(
                    row_number=row,
                    field=name,
                    value=_printable([value])[0],
                    expected="UTF-8 text",
                    fix=f"re-save the file as UTF-8 or {_ICONV}",
                    raw=json.dumps(
                        dict(zip(self.names, _printable(fields), strict=True)), ensure_ascii=False
                    ),
                )
        return None


def _undecodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _printable(fields: list[str]) -> list[str]:
    """Fields with undecodable bytes shown as \\xNN escapes."""
    return [
        f.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") for f in fields
    ]
