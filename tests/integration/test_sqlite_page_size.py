"""A new SQLite file gets 16 KiB pages; an existing file keeps its own and works as before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from test_report_bulk import write_batch
from test_report_store import make_reports

from guarantor.storage import SqlReportStore, make_engine, upgrade
from guarantor.storage.engine import SQLITE_PAGE_SIZE


def page_size(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("PRAGMA page_size").fetchone()[0])


def test_a_new_database_file_gets_the_big_pages(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    assert SQLITE_PAGE_SIZE == 16384
    assert page_size(path) == SQLITE_PAGE_SIZE
    store = SqlReportStore(engine)
    write_batch(store, make_reports(50))
    assert store.count_reports() == 50
    engine.dispose()


def test_an_existing_file_with_small_pages_keeps_them_and_works(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA page_size=4096")
        connection.execute("CREATE TABLE made_before (x INTEGER)")
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    store = SqlReportStore(engine)
    write_batch(store, make_reports(50))
    write_batch(store, make_reports(20, first=50))
    assert page_size(path) == 4096
    assert store.count_reports() == 70
    engine.dispose()
