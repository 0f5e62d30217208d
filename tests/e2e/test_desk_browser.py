"""The desk in a real browser: Debian's Chromium driven by Playwright, against uvicorn serving
the app on a free loopback port over a real SQLite database.

The database is filled through the real services, as ``guarantor serve`` would find it: the
shipped Framework 2025 tabletop exercise and the real VIINA 2025 file are ingested, plus one
report marked ``REL TO us`` written here; everything is fused and evaluated against
``framework-2025``; users are added through :mod:`guarantor.services.users`.

Chromium comes from Debian (``scripts/browser.sh`` installs it; ``scripts/test.sh`` exports
``GUARANTOR_TEST_CHROMIUM``); Playwright never downloads a browser. Without Chromium the
tests fail and say how to install it.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from guarantor.agreement.diff import diff_versions
from guarantor.bootstrap.app import Application, build_application
from guarantor.evidence.reports import Source
from guarantor.services import desk, obligations
from guarantor.services import incidents as incident_service
from guarantor.services.agreements import load_agreement_folder
from guarantor.services.desk_views import IncidentFilter
from guarantor.services.intake import ingest
from guarantor.services.security import Principal
from guarantor.storage.desk_store import SqlDeskReader
from guarantor.web.app import create_app
from guarantor.web.map_svg import base_map
from web_session import PASSWORD, add_users

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = ROOT / "exercises" / "framework-2025-tabletop.csv"
VIINA = ROOT / "src" / "guarantor" / "data" / "records" / "VIINA_2025_REBUILD.csv"
SCREENSHOT = ROOT / "var" / "screenshots" / "dashboard.png"
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


def _chromium() -> str:
    path = os.environ.get("GUARANTOR_TEST_CHROMIUM", "").strip() or "/usr/bin/chromium"
    if not Path(path).is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"no Chromium executable at '{path}'. {HOW_TO_INSTALL}")
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fill(application: Application, folder: Path) -> None:
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


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("desk")
    application = build_application(
        database_url=f"sqlite:///{folder / 'desk.db'}",
        data_dir=folder,
        agreements_dir=ROOT / "agreements",
        secret_key="a-test-secret-key-that-is-long-enough-for-sessions",
    )
    _fill(application, folder)
    port = _free_port()
    config = uvicorn.Config(
        create_app(application), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail(f"uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", application)
    server.should_exit = True
    thread.join(timeout=10)
    application.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package playwright is missing; run `bash scripts/setup.sh`")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


def _signed_in(browser: object, site: Site, username: str, start: str = "/") -> object:
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


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_sign_in_then_the_dashboard_shows_the_map_with_markers(browser: object, site: Site) -> None:
    page = _signed_in(browser, site, "analyst.cell")
    markers = page.locator("svg.map circle[data-incident]")
    board = desk.dashboard(site.reader(), CELL, IncidentFilter())
    frame = base_map().projection.bounds
    inside = [m for m in board.markers if frame.contains(m.lon, m.lat)]
    assert markers.count() == len(inside) > 100
    assert page.locator("#total-markers").inner_text() == f"{len(inside):,}"
    assert page.locator("#total-incidents").inner_text() == f"{board.totals.incidents:,}"
    violated = page.locator("svg.map circle.violation[data-incident]").count()
    assert violated == sum(1 for m in inside if m.violated) > 0
    by_id = {m.incident_id: m for m in inside}
    some = by_id[markers.first.get_attribute("data-incident") or ""]
    prefix = "violation: " if some.violated else ""
    assert markers.first.locator("title").text_content() == (
        f"{prefix}{some.type}, {some.time:%Y-%m-%d %H:%M} UTC, {some.incident_id}"
    )
    assert page.locator("svg.map path.oblast").count() == 27
    assert page.locator("#per-oblast tbody tr").count() == len(board.per_oblast)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    width, height = _png_size(SCREENSHOT)
    assert width == VIEWPORT["width"] and height >= VIEWPORT["height"]
    assert SCREENSHOT.stat().st_size > 20_000  # a rendered page, not a blank one
    hit = page.locator("svg.map circle.violation[data-incident]").last  # drawn on top
    target = hit.get_attribute("data-incident")
    hit.click()
    page.wait_for_url(f"{site.url}/incidents/{target}")
    assert page.locator("#violations-h + ul.violations li").count() > 0


def test_keyboard_reaches_the_skip_link_first_and_it_moves_focus_to_main(
    browser: object, site: Site
) -> None:
    page = _signed_in(browser, site, "analyst.cell", "/obligations")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_an_analyst_confirms_an_incident_from_the_review_queue(browser: object, site: Site) -> None:
    page = _signed_in(browser, site, "analyst.cell", "/incidents?status=unverified")
    rows = page.locator("#queue tbody tr")
    assert rows.count() > 0
    link = rows.first.locator("th a")
    incident_id = link.inner_text()
    link.click()
    page.wait_for_url(f"{site.url}/incidents/{incident_id}")
    assert page.locator("#incident-status").inner_text() == "unverified"
    page.get_by_label("Why confirm (optional)").fill("seen on the drone feed")
    page.get_by_role("button", name="Confirm incident").click()
    page.locator("#status", has_text="Incident confirmed.").wait_for()
    assert page.locator("#incident-status").inner_text() == "confirmed"
    stored = desk.incident_detail(site.reader(), CELL, incident_id)
    assert stored.summary.status == "confirmed"
    assert any(d.kind == "confirm" for d in stored.decisions)


def test_a_coordinator_acknowledges_an_obligation_on_the_board(browser: object, site: Site) -> None:
    page = _signed_in(browser, site, "coord.cell", "/obligations")
    row = page.locator("tr[data-obligation]", has=page.get_by_role("button", name="Acknowledge"))
    assert row.count() > 0
    target = row.first
    obligation_id = target.get_attribute("data-obligation")
    assert obligation_id
    assert "overdue" in (target.get_attribute("class") or "")  # the exercise is in March 2026
    target.get_by_role("button", name="Acknowledge").click()
    page.locator("#status", has_text="Obligation acknowledged.").wait_for()
    again = page.locator(f'tr[data-obligation="{obligation_id}"] .badge')
    assert again.inner_text() == "acknowledged"
    store = site.application.obligation_store()
    assert obligations.current_statuses(store, [obligation_id]) == {obligation_id: "acknowledged"}


def _per_oblast(page: object) -> dict[str, int]:
    rows = page.locator("#per-oblast tbody tr")  # type: ignore[attr-defined]
    counts = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        counts[row.locator("th").inner_text()] = int(
            row.locator("td").first.inner_text().replace(",", "")
        )
    return counts


def test_a_liaison_never_sees_a_report_released_to_another_party(
    browser: object, site: Site
) -> None:
    cell = _signed_in(browser, site, "analyst.cell", f"/incidents?status=&q={SECRET_TOKEN}")
    cell_rows = cell.locator("#queue tbody tr")
    assert cell_rows.count() == 1, "the verification cell finds the marked report's incident"
    marked = cell_rows.first.locator("th a").inner_text()
    cell.goto(site.url + "/")
    cell_total = int(cell.locator("#total-incidents").inner_text().replace(",", ""))
    cell_oblasts = _per_oblast(cell)
    assert cell.locator(f'circle[data-incident="{marked}"]').count() == 1

    us = _signed_in(browser, site, "liaison.us", f"/incidents?status=&q={SECRET_TOKEN}")
    assert us.locator("#queue tbody tr th a").all_inner_texts() == [marked]  # released to us
    us.goto(f"{site.url}/incidents/{marked}")
    assert SECRET_TOKEN in us.content()

    ua = _signed_in(browser, site, "liaison.ua", f"/incidents?status=&q={SECRET_TOKEN}")
    assert ua.locator("#queue tbody tr").count() == 0
    assert ua.locator("#queue-total").inner_text().startswith("0 incidents")
    response = ua.goto(f"{site.url}/incidents/{marked}")
    assert response is not None and response.status == 404
    assert SECRET_TOKEN not in ua.content()
    ua.goto(site.url + "/")
    assert ua.locator(f'circle[data-incident="{marked}"]').count() == 0
    assert marked not in ua.content() and SECRET_TOKEN not in ua.content()
    ua_total = int(ua.locator("#total-incidents").inner_text().replace(",", ""))
    assert ua_total == cell_total - 1
    ua_oblasts = _per_oblast(ua)
    assert ua_oblasts.get("Kharkiv Oblast", 0) == cell_oblasts["Kharkiv Oblast"] - 1
    others = {k: v for k, v in cell_oblasts.items() if k != "Kharkiv Oblast"}
    assert {k: v for k, v in ua_oblasts.items() if k != "Kharkiv Oblast"} == others


def test_the_dashboard_filters_by_oblast(browser: object, site: Site) -> None:
    page = _signed_in(browser, site, "analyst.cell")
    donetsk = _per_oblast(page)["Donetsk Oblast"]
    page.get_by_label("Oblast", exact=True).select_option("Donetsk Oblast")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**oblast=Donetsk+Oblast**")
    assert int(page.locator("#total-incidents").inner_text()) == donetsk
    assert _per_oblast(page) == {"Donetsk Oblast": donetsk}
    page.goto(site.url + "/?type=shelling")
    shelling = _per_oblast(page)
    page.get_by_role("link", name="Donetsk Oblast").click()  # the row opens that oblast
    page.wait_for_url("**oblast=Donetsk+Oblast**")
    assert "type=shelling" in page.url
    assert _per_oblast(page) == {"Donetsk Oblast": shelling["Donetsk Oblast"]}


def test_the_agreement_browser_shows_clauses_rules_versions_and_a_diff(
    browser: object, site: Site
) -> None:
    minsk = load_agreement_folder(ROOT / "agreements" / "minsk-2015")
    page = _signed_in(browser, site, "liaison.ua", "/agreements")
    page.get_by_role("link", name=minsk.title).click()
    page.wait_for_url(f"{site.url}/agreements/minsk-2015")
    latest = minsk.latest
    assert page.locator("article.clause").count() == len(latest.clauses)
    first = latest.clauses[0]
    quote = page.locator(f"#clause-{first.id} blockquote").inner_text()
    assert quote == latest.render_clause(first.id)
    assert page.locator("#rules tbody tr").count() == len(latest.rules)
    page.get_by_label("Version", exact=True).select_option("2020-07-27")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**version=2020-07-27**")
    older = minsk.version("2020-07-27")
    assert page.locator("article.clause").count() == len(older.clauses)
    page.goto(f"{site.url}/agreements/minsk-2015/diff?from=2015-02-12&to=2022-02-22")
    changes = diff_versions(minsk.version("2015-02-12"), latest)
    assert page.locator("#diff-count").inner_text() == f"{len(changes)} changes."
    assert len(changes) > 0


UNLABELLED = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button'))
  .filter(c => c.labels.length === 0 && !c.getAttribute('aria-label') && !c.textContent.trim())
  .map(c => c.outerHTML)"""
DUPLICATE_IDS = """() => { const seen = new Set(), twice = [];
  document.querySelectorAll('[id]').forEach(e => {
    if (seen.has(e.id)) { twice.push(e.id); } seen.add(e.id); });
  return twice; }"""


def test_no_page_logs_an_error_or_breaks_the_content_security_policy(
    browser: object, site: Site
) -> None:
    page = _signed_in(browser, site, "coord.cell")
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    for path in ("/", "/incidents", "/obligations", "/agreements", "/agreements/minsk-2015/diff"):
        response = page.goto(site.url + path)
        assert response is not None and response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert page.evaluate(UNLABELLED) == [], f"{path}: controls without a label"
        assert page.evaluate(DUPLICATE_IDS) == [], f"{path}: ids used twice"
    first = page.locator("#queue tbody tr th a")
    page.goto(site.url + "/incidents?status=")
    first.first.click()
    page.wait_for_load_state()
    assert page.evaluate(UNLABELLED) == [] and page.evaluate(DUPLICATE_IDS) == []
    assert problems == []
    offsite = [url for url in requested if not url.startswith(site.url + "/")]
    assert offsite == []  # every asset is served by the desk itself: works with no network
    assert any(url.endswith("/static/desk.css") for url in requested)


def test_every_page_needs_sign_in_and_a_wrong_password_shows_the_form_again(
    browser: object, site: Site
) -> None:
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[attr-defined]
    page = context.new_page()
    for path in ("/", "/incidents", "/obligations", "/agreements/minsk-2015"):
        page.goto(site.url + path)
        assert page.url == f"{site.url}/sign-in?next={path}", path
    page.get_by_label("Username").fill("liaison.ua")
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    assert "the username or the password is wrong" in alert.inner_text()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Username").fill("liaison.ua")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/agreements/minsk-2015")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{site.url}/sign-in")
    page.goto(site.url + "/obligations")
    assert page.url == f"{site.url}/sign-in?next=/obligations"  # the session has ended
    context.close()


def _members(site: Site, incident_id: str) -> set[str]:
    detail = desk.incident_detail(site.reader(), CELL, incident_id)
    return {m.report_key for m in detail.members}


def test_an_analyst_merges_two_incidents_then_splits_a_report_off_again(
    browser: object, site: Site
) -> None:
    queue = desk.list_incidents(site.reader(), CELL, IncidentFilter(type="explosion"), None, 2)
    first, second = (i.incident_id for i in queue.items)
    reports = _members(site, first) | _members(site, second)
    page = _signed_in(browser, site, "analyst.cell", f"/incidents/{first}")
    page.get_by_label("Merge with incident ids").fill(second)
    page.get_by_label("Why merge (optional)").fill("one explosion, two write-ups")
    page.get_by_role("button", name="Merge incidents").click()
    page.locator("#status", has_text="Incidents merged.").wait_for()
    merged = page.url.rsplit("/", 1)[1]
    assert _members(site, merged) == reports
    assert page.locator("#members tbody tr").count() == len(reports)

    box = page.locator("#members tbody input[name=split]").first
    off = box.get_attribute("value") or ""
    box.check()
    page.get_by_role("button", name="Split incident").click()
    page.locator("#status", has_text="Incident split.").wait_for()
    holding = page.url.rsplit("/", 1)[1]
    rest = reports - {off}
    assert _members(site, holding) in ({off}, rest)  # the page shows one of the two
    apart = {
        i.incident_id
        for i in desk.list_incidents(site.reader(), CELL, IncidentFilter(), None, 500).items
        if _members(site, i.incident_id) & reports
    }
    assert len(apart) == 2  # the split-off report alone, the rest together
    assert any(_members(site, i) == {off} for i in apart)
    assert any(_members(site, i) == rest for i in apart)


def test_a_coordinator_waives_an_obligation_with_a_reason_and_a_liaison_gets_no_controls(
    browser: object, site: Site
) -> None:
    page = _signed_in(browser, site, "coord.cell", "/obligations?status=open")
    row = page.locator("tr[data-obligation]").last
    obligation_id = row.get_attribute("data-obligation") or ""
    row.get_by_label("Waive because").fill("the exercise ended before the deadline")
    row.get_by_role("button", name="Waive").click()
    page.locator("#status", has_text="Obligation waived.").wait_for()
    again = page.locator(f'tr[data-obligation="{obligation_id}"]')
    assert again.count() == 0  # the board still shows open ones only
    page.goto(site.url + "/obligations?status=waived")
    waived = page.locator(f'tr[data-obligation="{obligation_id}"]')
    assert waived.locator(".badge").inner_text() == "waived"
    assert "the exercise ended before the deadline" in waived.inner_text()
    store = site.application.obligation_store()
    assert obligations.current_statuses(store, [obligation_id]) == {obligation_id: "waived"}

    liaison = _signed_in(browser, site, "liaison.ua", "/incidents?status=")
    liaison.locator("#queue tbody tr th a").first.click()
    liaison.wait_for_load_state()
    assert liaison.get_by_role("button", name="Confirm incident").count() == 0
    liaison.goto(site.url + "/obligations")
    assert liaison.get_by_role("button", name="Acknowledge").count() == 0


def test_the_dashboard_filters_by_an_agreement_zone_made_of_oblasts(
    browser: object, site: Site
) -> None:
    page = _signed_in(browser, site, "analyst.cell", "/?agreement=minsk-2015")
    everywhere = _per_oblast(page)
    page.get_by_label("Zone").select_option("conflict-area")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**zone=conflict-area**")
    wanted = {k: v for k, v in everywhere.items() if k in ("Donetsk Oblast", "Luhansk Oblast")}
    assert _per_oblast(page) == wanted
    assert int(page.locator("#total-incidents").inner_text()) == sum(wanted.values())
    refused = page.goto(site.url + "/?zone=conflict-area")  # a zone needs its agreement
    assert refused is not None and refused.status == 422
