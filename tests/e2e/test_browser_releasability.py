"""Releasability in a real browser: a report released to one party is never shown to another,
in the queue, the incident page, the map or the counts (see :mod:`e2e.desk_site`).
"""

from __future__ import annotations

from e2e.desk_site import SECRET_TOKEN, Site, per_oblast, signed_in


def test_a_liaison_never_sees_a_report_released_to_another_party(
    browser: object, site: Site
) -> None:
    cell = signed_in(browser, site, "analyst.cell", f"/incidents?status=&q={SECRET_TOKEN}")
    cell_rows = cell.locator("#queue tbody tr")
    assert cell_rows.count() == 1, "the verification cell finds the marked report's incident"
    marked = cell_rows.first.locator("th a").inner_text()
    cell.goto(site.url + "/")
    cell_total = int(cell.locator("#total-incidents").inner_text().replace(",", ""))
    cell_oblasts = per_oblast(cell)
    assert cell.locator(f'circle[data-incident="{marked}"]').count() == 1

    us = signed_in(browser, site, "liaison.us", f"/incidents?status=&q={SECRET_TOKEN}")
    assert us.locator("#queue tbody tr th a").all_inner_texts() == [marked]  # released to us
    us.goto(f"{site.url}/incidents/{marked}")
    assert SECRET_TOKEN in us.content()

    ua = signed_in(browser, site, "liaison.ua", f"/incidents?status=&q={SECRET_TOKEN}")
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
    ua_oblasts = per_oblast(ua)
    assert ua_oblasts.get("Kharkiv Oblast", 0) == cell_oblasts["Kharkiv Oblast"] - 1
    others = {k: v for k, v in cell_oblasts.items() if k != "Kharkiv Oblast"}
    assert {k: v for k, v in ua_oblasts.items() if k != "Kharkiv Oblast"} == others
