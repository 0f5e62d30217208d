"""Incident review in a real browser: an analyst confirms an incident from the queue, merges two
incidents and splits a report off again (see :mod:`e2e.desk_site` for the desk).
"""

from __future__ import annotations

from e2e.desk_site import CELL, Site, signed_in
from guarantor.services import desk
from guarantor.services.desk_views import IncidentFilter


def test_an_analyst_confirms_an_incident_from_the_review_queue(browser: object, site: Site) -> None:
    page = signed_in(browser, site, "analyst.cell", "/incidents?status=unverified")
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


def _members(site: Site, incident_id: str) -> set[str]:
    detail = desk.incident_detail(site.reader(), CELL, incident_id)
    return {m.report_key for m in detail.members}


def test_an_analyst_merges_two_incidents_then_splits_a_report_off_again(
    browser: object, site: Site
) -> None:
    queue = desk.list_incidents(site.reader(), CELL, IncidentFilter(type="explosion"), None, 2)
    first, second = (i.incident_id for i in queue.items)
    reports = _members(site, first) | _members(site, second)
    page = signed_in(browser, site, "analyst.cell", f"/incidents/{first}")
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
