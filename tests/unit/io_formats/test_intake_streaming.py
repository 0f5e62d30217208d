"""Intake streams: a file comes in chunks no bigger than asked, read ahead by one at most."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from guarantor.evidence.reports import Source
from guarantor.io.formats.canonical import CanonicalCsvImporter
from guarantor.services.intake_pipeline import read_ahead

SOURCE = Source("cell-d", "Sector D patrols", "patrol", "B")
ROWS = 30_000  # about 8 MB: more than the reader's 4 MiB blocks
CHUNK_ROWS = 7_000


def big_csv(tmp_path: Path) -> Path:
    path = tmp_path / "big.csv"
    note = "n" * 200
    lines = [f"r{i},2015-02-15T10:{i % 60:02d}:00Z,shelling,48.1,37.7,3,PUBLIC,{note}{i}\n"
             for i in range(ROWS)]  # fmt: skip
    path.write_text("source_record_id,observed_at,type,lat,lon,credibility,releasability,note\n"
                    + "".join(lines), encoding="utf-8")  # fmt: skip
    return path


def test_a_big_csv_comes_in_chunks_of_at_most_chunk_rows_records(tmp_path: Path) -> None:
    path = big_csv(tmp_path)
    assert path.stat().st_size > 4 << 20
    chunks = list(CanonicalCsvImporter().chunks(path, source=SOURCE, chunk_rows=CHUNK_ROWS))
    assert [c.records for c in chunks] == [7_000, 7_000, 7_000, 7_000, 2_000]
    assert all(c.reports.height == c.records and not c.rejections for c in chunks)
    rows = [n for c in chunks for n in c.reports["row_number"].to_list()]
    assert rows == list(range(1, ROWS + 1))
    assert chunks[4].reports["source_record_id"].to_list()[-1] == f"r{ROWS - 1}"


def test_read_ahead_keeps_the_order_and_stays_at_most_depth_plus_one_ahead() -> None:
    made: list[int] = []
    lock = threading.Lock()

    def produce() -> Iterator[int]:
        for n in range(200):
            with lock:
                made.append(n)
            yield n

    seen: list[int] = []
    with read_ahead(produce(), depth=2) as ready:
        for n in ready:
            with lock:
                ahead = len(made) - len(seen)
            assert ahead <= 2 + 2  # the one handed over, two waiting, one being made
            seen.append(n)
    assert seen == list(range(200))


def test_read_ahead_raises_the_producers_error_in_the_caller() -> None:
    def produce() -> Iterator[int]:
        yield 1
        raise ValueError("row 2: no time")

    seen: list[int] = []
    with pytest.raises(ValueError, match="row 2: no time"), read_ahead(produce()) as ready:
        seen.extend(ready)
    assert seen == [1]


def test_leaving_read_ahead_early_stops_the_producer_and_closes_it() -> None:
    closed = threading.Event()

    def produce() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    with pytest.raises(RuntimeError, match="write failed"), read_ahead(produce()) as ready:
        for n in ready:
            if n == 3:
                raise RuntimeError("write failed")
    assert closed.is_set()
