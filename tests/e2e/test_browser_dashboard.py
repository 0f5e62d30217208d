"""The dashboard in a real browser: the map with its markers, the counts per oblast, and the
filters by oblast, type and agreement zone (see :mod:`e2e.desk_site` for the desk).
"""

from __future__ import annotations

import struct
from pathlib import Path

from e2e.desk_site import CELL, ROOT, VIEWPORT, Site, per_oblast, signed_in
from guarantor.services import desk
from guarantor.services.desk_views import IncidentFilter
from guarantor.web.map_svg import base_map

SCREENSHOT = ROOT / "var" / "screenshots" / "dashboard.png"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_sign_in_then_the_dashboard_shows_the_map_with_markers(browser: object, site: Site) -> None:
    page = signed_in(browser, site, "analyst.cell")
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


def test_the_dashboard_filters_by_oblast(browser: object, site: Site) -> None:
    page = signed_in(browser, site, "analyst.cell")
    donetsk = per_oblast(page)["Donetsk Oblast"]
    page.get_by_label("Oblast", exact=True).select_option("Donetsk Oblast")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**oblast=Donetsk+Oblast**")
    assert int(page.locator("#total-incidents").inner_text()) == donetsk
    assert per_oblast(page) == {"Donetsk Oblast": donetsk}
    page.goto(site.url + "/?type=shelling")
    shelling = per_oblast(page)
    page.get_by_role("link", name="Donetsk Oblast").click()  # the row opens that oblast
    page.wait_for_url("**oblast=Donetsk+Oblast**")
    assert "type=shelling" in page.url
    assert per_oblast(page) == {"Donetsk Oblast": shelling["Donetsk Oblast"]}


def test_the_dashboard_filters_by_an_agreement_zone_made_of_oblasts(
    browser: object, site: Site
) -> None:
    page = signed_in(browser, site, "analyst.cell", "/?agreement=minsk-2015")
    everywhere = per_oblast(page)
    page.get_by_label("Zone").select_option("conflict-area")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**zone=conflict-area**")
    wanted = {k: v for k, v in everywhere.items() if k in ("Donetsk Oblast", "Luhansk Oblast")}
    assert per_oblast(page) == wanted
    assert int(page.locator("#total-incidents").inner_text()) == sum(wanted.values())
    refused = page.goto(site.url + "/?zone=conflict-area")  # a zone needs its agreement
    assert refused is not None and refused.status == 422
