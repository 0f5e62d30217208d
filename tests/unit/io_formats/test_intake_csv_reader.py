"""The chunked CSV reader: every record read is a row or a rejection, whatever the input."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from guarantor.io.formats.base import Rejection
from guarantor.io.formats.errors import IntakeError
from guarantor.io.formats.readers import ROW, CsvBatch, read_csv_batches, read_header


def read_all(
    path: Path, chunk_rows: int = 100_000, required: tuple[str, ...] = ()
) -> tuple[pl.DataFrame, list[Rejection], int, list[CsvBatch]]:
    batches = list(read_csv_batches(path, chunk_rows=chunk_rows, required=required))
    frames = [b.frame for b in batches]
    frame = pl.concat(frames) if frames else pl.DataFrame()
    rejections = [r for b in batches for r in b.rejections]
    return frame, rejections, sum(b.records for b in batches), batches


def write(tmp_path: Path, data: bytes | str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def test_a_plain_file_reads_every_column_as_text_with_row_numbers(tmp_path: Path) -> None:
    frame, rejections, records, _ = read_all(write(tmp_path, "a,b\n1,x\n2,\n"))
    assert frame.columns == ["a", "b", ROW]
    assert frame.rows() == [("1", "x", 1), ("2", "", 2)]
    assert rejections == [] and records == 2


def test_a_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path: Path) -> None:
    frame, _, _, _ = read_all(write(tmp_path, b"\xef\xbb\xbfa,b\n1,2\n"))
    assert frame.columns[:2] == ["a", "b"]


def test_a_quoted_newline_stays_in_its_field_and_the_record_counts_once(tmp_path: Path) -> None:
    path = write(tmp_path, 'a,b\n"line one\nline two",x\n"q ""quoted""",y\nlast,z\n')
    frame, rejections, records, _ = read_all(path)
    assert frame["a"].to_list() == ["line one\nline two", 'q "quoted"', "last"]
    assert frame[ROW].to_list() == [1, 2, 3]
    assert rejections == [] and records == 3


def test_crlf_line_endings_are_read_like_lf(tmp_path: Path) -> None:
    frame, _, _, _ = read_all(write(tmp_path, "a,b\r\n1,2\r\n3,4\r\n"))
    assert frame.select("a", "b").rows() == [("1", "2"), ("3", "4")]


def test_a_row_with_too_few_fields_is_rejected_with_its_row_number(tmp_path: Path) -> None:
    frame, rejections, records, _ = read_all(write(tmp_path, "a,b,c\n1,2,3\n4,5\n6,7,8\n"))
    assert frame[ROW].to_list() == [1, 3]
    assert [(r.row_number, r.value) for r in rejections] == [(2, "2 fields")]
    assert "3 fields" in rejections[0].expected
    assert rejections[0].raw == '["4", "5"]'
    assert records == 3


def test_a_row_with_too_many_fields_is_rejected_and_the_rest_read(tmp_path: Path) -> None:
    frame, rejections, records, _ = read_all(write(tmp_path, "a,b\n1,2\n3,4,5\n6,7\n"))
    assert frame["a"].to_list() == ["1", "6"]
    assert [(r.row_number, r.field, r.value) for r in rejections] == [(2, "(record)", "3 fields")]
    assert "quote" in rejections[0].fix
    assert records == 3


def test_blank_lines_are_not_records(tmp_path: Path) -> None:
    frame, rejections, records, _ = read_all(write(tmp_path, "a,b\n1,2\n\n3,4\n\n\n"))
    assert frame.rows() == [("1", "2", 1), ("3", "4", 2)]
    assert rejections == [] and records == 2


def test_an_empty_file_stops_with_the_expected_header(tmp_path: Path) -> None:
    with pytest.raises(IntakeError) as caught:
        read_all(write(tmp_path, b""))
    assert "the file is empty; expected a header row" in str(caught.value)
    assert caught.value.problems[0].code == "empty_file"


def test_a_file_of_blank_lines_is_empty_too(tmp_path: Path) -> None:
    with pytest.raises(IntakeError, match="blank lines"):
        read_all(write(tmp_path, "\n\r\n\n"))


def test_a_header_without_records_yields_no_record(tmp_path: Path) -> None:
    _, rejections, records, batches = read_all(write(tmp_path, "a,b\n"))
    assert batches == [] and records == 0 and rejections == []


def test_a_missing_required_column_names_all_required_and_a_near_name(tmp_path: Path) -> None:
    path = write(tmp_path, "observed,type\n2015-02-15,shelling\n")
    with pytest.raises(IntakeError) as caught:
        read_all(path, required=("observed_at", "type"))
    text = str(caught.value)
    assert "observed_at, type" in text
    assert "did you mean 'observed' -> 'observed_at'" in text
    assert caught.value.problems[0].code == "missing_column"


def test_a_column_named_twice_is_a_whole_file_error(tmp_path: Path) -> None:
    with pytest.raises(IntakeError, match="'a' twice"):
        read_all(write(tmp_path, "a,b,a\n1,2,3\n"))


def test_bytes_that_are_not_utf8_near_the_start_stop_the_file_with_the_offset(
    tmp_path: Path,
) -> None:
    before = b"a,b\n1,ok\n2,"
    data = before + "Обстріл".encode("cp1251") + b"\n"
    with pytest.raises(IntakeError) as caught:
        read_all(write(tmp_path, data))
    text = str(caught.value)
    assert f"byte offset {len(before)}" in text
    assert "iconv -f cp1251 -t utf-8" in text


def test_bytes_that_are_not_utf8_in_the_header_stop_the_file(tmp_path: Path) -> None:
    with pytest.raises(IntakeError, match="byte offset 2"):
        read_all(write(tmp_path, b"a," + "Дата".encode("cp1251") + b"\n1,2\n"))


def test_a_bad_byte_far_into_the_file_rejects_only_its_record(tmp_path: Path) -> None:
    good = "".join(f"{i},{'x' * 300}\n" for i in range(20_000))  # about 6 MB, past block one
    data = ("a,b\n" + good).encode() + b"20000,bad\xff\n" + b"20001,fine\n"
    frame, rejections, records, _ = read_all(write(tmp_path, data))
    assert records == 20_002 and frame.height == 20_001
    assert [(r.row_number, r.field) for r in rejections] == [(20_001, "b")]
    assert rejections[0].value == "bad\\xff"
    assert "iconv" in rejections[0].fix


def test_chunks_hold_exactly_chunk_rows_records_whatever_the_rejections(tmp_path: Path) -> None:
    lines = [f"{i},{i}" if i % 5 else f"{i}" for i in range(1, 31)]
    path = write(tmp_path, "a,b\n" + "\n".join(lines) + "\n")
    _, rejections, records, batches = read_all(path, chunk_rows=7)
    assert [b.records for b in batches] == [7, 7, 7, 7, 2]
    assert records == 30 and len(rejections) == 6
    for number, batch in enumerate(batches):
        rows = batch.frame[ROW].to_list() + [r.row_number for r in batch.rejections]
        assert sorted(rows) == list(range(number * 7 + 1, min(30, number * 7 + 7) + 1))


def test_a_large_file_reads_the_same_in_small_and_large_chunks(tmp_path: Path) -> None:
    rows = "".join(f'{i},"text {i}\nwith, comma",{i % 7}\n' for i in range(3_000))
    path = write(tmp_path, "a,b,c\n" + rows)
    small, _, _, _ = read_all(path, chunk_rows=7)
    large, _, _, _ = read_all(path, chunk_rows=100_000)
    assert small.equals(large)
    assert small.height == 3_000 and small[ROW].to_list() == list(range(1, 3_001))


def test_a_semicolon_separated_file_reads_with_its_separator(tmp_path: Path) -> None:
    path = write(tmp_path, "a;b\n1;x,y\n")
    batch = next(read_csv_batches(path, chunk_rows=10, separator=";"))
    assert batch.frame.select("a", "b").rows() == [("1", "x,y")]


def test_an_unclosed_quote_rejects_the_rest_as_one_record(tmp_path: Path) -> None:
    frame, rejections, records, _ = read_all(write(tmp_path, 'a,b\n1,2\n"3,4\n5,6\n'))
    assert frame["a"].to_list() == ["1"]
    assert [r.row_number for r in rejections] == [2]
    assert records == 2


def test_the_header_alone_can_be_read_for_format_detection(tmp_path: Path) -> None:
    assert read_header(write(tmp_path, b'\xef\xbb\xbf id ,"two, words"\n1,2\n')) == (
        "id",
        "two, words",
    )


def test_a_few_bad_rows_in_a_large_file_are_found_and_the_rest_read_in_order(
    tmp_path: Path,
) -> None:
    bad = {123, 25_000, 49_999}
    lines = []
    for i in range(1, 50_001):
        if i in bad:
            lines.append(f"{i},only-two")
        else:
            lines.append(f'{i},"note {i},\nsecond line",{i % 5}')
    path = write(tmp_path, "a,b,c\n" + "\n".join(lines) + "\n")
    frame, rejections, records, _ = read_all(path)
    assert records == 50_000
    assert [r.row_number for r in rejections] == sorted(bad)
    assert frame[ROW].to_list() == [i for i in range(1, 50_001) if i not in bad]
    assert frame["a"].to_list() == [str(i) for i in range(1, 50_001) if i not in bad]
    assert frame["b"][0] == "note 1,\nsecond line"
