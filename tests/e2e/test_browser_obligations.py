"""The obligations board in a real browser: a coordinator acknowledges and waives obligations, a
liaison gets no controls (see :mod:`e2e.desk_site` for the desk).
"""

from __future__ import annotations

from e2e.desk_site import Site, signed_in
from guarantor.services import obligations


def test_a_coordinator_acknowledges_an_obligation_on_the_board(browser: object, site: Site) -> None:
    page = signed_in(browser, site, "coord.cell", "/obligations")
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


def test_a_coordinator_waives_an_obligation_with_a_reason_and_a_liaison_gets_no_controls(
    browser: object, site: Site
) -> None:
    page = signed_in(browser, site, "coord.cell", "/obligations?status=open")
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

    liaison = signed_in(browser, site, "liaison.ua", "/incidents?status=")
    liaison.locator("#queue tbody tr th a").first.click()
    liaison.wait_for_load_state()
    assert liaison.get_by_role("button", name="Confirm incident").count() == 0
    liaison.goto(site.url + "/obligations")
    assert liaison.get_by_role("button", name="Acknowledge").count() == 0
