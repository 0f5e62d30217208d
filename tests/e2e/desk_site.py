"""The desk the browser tests drive: uvicorn serving the app on a free loopback port over a
real SQLite database, and the helpers the tests share (sign in, counts per oblast).

The database is filled through the real services, as ``guarantor serve`` would find it: the
shipped Framework 2025 tabletop exercise and the real VIINA 2025 file are ingested, plus one
report marked ``REL TO us`` written here; everything is fused and evaluated against
``framework-2025``; users are added through :mod:`guarantor.services.users`.

Chromium comes from Debian (``scripts/browser.sh`` installs it; ``scripts/test.sh`` exports
``GUARANTOR_TEST_CHROMIUM``); Playwright never downloads a browser. Without Chromium the
tests fail and say how to install it. The fixtures ``site`` and ``browser`` are in this
folder's ``conftest.py``: each test module gets a desk of its own, filled afresh.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from guarantor.bootstrap.app import Application
from guarantor.evidence.reports import Source
from guarantor.services import incidents as incident_service
from guarantor.services.agreements import load_agreement_folder
from guarantor.services.intake import ingest
from guarantor.services.security import Principal
from guarantor.storage.desk_store import SqlDeskReader
from web_session import PASSWORD, add_users

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = ROOT / "exercises" / "framework-2025-tabletop.csv"
VIINA = ROOT / "src" / "guarantor" / "data" / "records" / "VIINA_2025_REBUILD.csv"
SECRET_TOKEN = "zx-marked-for-us-only"  # a word only the marked report's text holds
VIEWPORT = {"width": 1366, "height": 768}
HOW_TO_INSTALL = (
    "Debian's Chromium is needed by the browser tests; install it with "
    "`bash scripts/browser.sh` (it runs `apt-get install -y chromium`), or set "
    "GUARANTOR_TEST_CHROMIUM to a Chromium executable; `bash scripts/test.sh` does this"
)
MARKED_CSV = (
    "source_record_id,observed_at,time_precision,lat,lon,place_precision,place_name,type,"
    "severity,deaths,injured,releasability,text\n"
    "marked-1,2026-03-12T10:00:00+02:00,1,49.9935,36.2304,1,Kharkiv,shelling,3,0,1,"
    f"REL TO us,Report released to the US only: shelling near the centre ({SECRET_TOKEN}).\n"
)
USERS = {
    "analyst.cell": (None, ("analyst",)),
    "coord.cell": (None, ("coordinator",)),
    "liaison.ua": ("ua", ("liaison",)),
    "liaison.us": ("us", ("liaison",)),
}


def chromium() -> str:
    path = os.environ.get("GUARANTOR_TEST_CHROMIUM", "").strip() or "/usr/bin/chromium"
    if not Path(path).is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"no Chromium executable at '{path}'. {HOW_TO_INSTALL}")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fill(application: Application, folder: Path) -> None:
    """Ingest, fuse, evaluate and add users through the services."""
    application.migrate()
    marked = folder / "marked.csv"
    marked.write_text(MARKED_CSV, encoding="utf-8")
    store = application.report_store()
    for path, source in (
        (EXERCISE, Source("tabletop", "Tabletop exercise injects", "patrol", "B")),
        (VIINA, Source("viina", "VIINA", "media", "C")),
        (marked, Source("us-liaison-cell", "US liaison cell", "patrol", "B")),
    ):
        assert path.is_file(), f"the real data file {path} is missing"
        importer = application.importer(path, None, None)
        summary = ingest(path, importer, source, store, application.geocoder())
        assert summary.accepted > 0, f"{path.name}: nothing accepted ({summary})"
    incident_service.fuse_all(application.report_source(), application.incident_store())
    agreement = load_agreement_folder(application.agreements_dir / "framework-2025")
    incident_service.evaluate(application.incident_store(), agreement)
    add_users(application.engine, ((name, party, roles) for name, (party, roles) in USERS.items()))


@dataclass(frozen=True)
class Site:
    url: str
    application: Application

    def reader(self) -> SqlDeskReader:
        return SqlDeskReader(self.application.engine)


CELL = Principal(user_id=0, party=None, roles=frozenset({"analyst"}), username="check")


def signed_in(browser: object, site: Site, username: str, start: str = "/") -> object:
    """A page of a new browser context, signed in as ``username`` through the sign-in form."""
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(site.url + start)
    assert "/sign-in" in page.url, f"{start} did not send an anonymous browser to sign in"
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    wanted = site.url + start
    page.wait_for_url(lambda url: url == wanted)  # back where it started, query kept
    return page


def per_oblast(page: object) -> dict[str, int]:
    rows = page.locator("#per-oblast tbody tr")  # type: ignore[attr-defined]
    counts = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        counts[row.locator("th").inner_text()] = int(
            row.locator("td").first.inner_text().replace(",", "")
        )
    return counts
