"""The desk's server-rendered pages (HTML; a little static JavaScript for the actions).

* ``/``: dashboard: map, timeline, counts per day and per oblast, filters;
* ``/incidents``, ``/incidents/{id}``: incident review (:mod:`.pages_incidents`);
* ``/obligations``: obligations board (:mod:`.pages_obligations`);
* ``/agreements/...``: agreement browser (:mod:`.pages_agreements`).

Every page needs a signed-in user (a browser without a session is sent to ``/sign-in``) and
shows only what the read service returns for that principal: releasability is applied there,
never here. Actions call the JSON API with ``fetch`` from ``static/desk.js`` (one path per
action), sending the CSRF token in the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from guarantor.services import desk
from guarantor.services.desk import FilterInvalid
from guarantor.services.desk_views import DayCount, IncidentFilter
from guarantor.web import pages_agreements, pages_incidents, pages_obligations
from guarantor.web.deps import application_of
from guarantor.web.map_svg import base_map, map_svg, on_map, timeline_svg
from guarantor.web.pages_common import (
    SignedIn,
    agreement_ids,
    day_start,
    incident_types,
    reader_of,
)
from guarantor.web.templating import render
from guarantor.web.zone_filter import zone_filter

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
router.include_router(pages_incidents.router)
router.include_router(pages_obligations.router)
router.include_router(pages_agreements.router)

MAP_TABLE_ROWS = 25
PAGE_MARKER_CAP = 1000  # keeps the page light; the caption states the cap when it bites
DAYS_BEFORE_MONTHS = 400  # a longer span is tabled by month


def count_rows(days: tuple[DayCount, ...]) -> tuple[str, list[DayCount]]:
    """The counts table under the timeline: per day, or per month over a long span."""
    if len(days) <= DAYS_BEFORE_MONTHS:
        return "Day (UTC)", list(days)
    months: dict[str, tuple[int, int]] = {}
    for d in days:
        incidents, violations = months.get(d.day[:7], (0, 0))
        months[d.day[:7]] = (incidents + d.incidents, violations + d.violations)
    return "Month (UTC)", [DayCount(m, i, v) for m, (i, v) in months.items()]


Text = Annotated[str, Query(max_length=200)]


def _zone(request: Request, agreement: str, zone: str) -> tuple[Any, Any]:
    """The oblasts or the shape of the chosen zone (see :mod:`guarantor.web.zone_filter`)."""
    if not zone:
        return None, None
    if not agreement:
        raise FilterInvalid(
            f"the zone '{zone}' needs its agreement (none is chosen); fix: choose the "
            "agreement, apply, then choose one of its zones"
        )
    return zone_filter(pages_agreements.loaded(request, agreement), zone, field="zone")


@router.get("/", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    principal: SignedIn,
    since: Text = "",
    until: Text = "",
    oblast: Text = "",
    type: Text = "",
    agreement: Text = "",
    zone: Text = "",
) -> HTMLResponse:
    zones = pages_agreements.zones_of(request, agreement) if agreement else {}
    oblasts, shape = _zone(request, agreement, zone)
    flt = IncidentFilter(
        since=day_start(since, "since"),
        until=day_start(until, "until", next_day=True),
        oblast=oblast or None,
        type=type or None,
        agreement_id=agreement or None,
        zone=zone or None,
        zone_oblasts=oblasts,
        zone_shape=shape,
    )
    board = desk.dashboard(reader_of(request), principal, flt, cap=PAGE_MARKER_CAP)
    caption = (
        f"Showing the {board.marker_cap} most recent."
        if board.markers_capped
        else "Every matching incident with a place is shown."
    )
    per_oblast = sorted(board.per_oblast, key=lambda o: (-o.incidents, o.oblast or ""))
    period, counts = count_rows(board.per_day)
    filters = {
        "since": since,
        "until": until,
        "oblast": oblast,
        "type": type,
        "agreement": agreement,
        "zone": zone,
    }
    kept = {k: v for k, v in filters.items() if v and k != "oblast"}
    oblast_links = {
        row.oblast: "/?" + urlencode({**kept, "oblast": row.oblast})
        for row in per_oblast
        if row.oblast
    }
    return render(
        request,
        "dashboard.html",
        principal,
        title="Dashboard",
        board=board,
        map=map_svg(board.markers, caption=caption),
        timeline=timeline_svg(board.per_day),
        caption=caption,
        per_oblast=per_oblast,
        recent=board.markers[:MAP_TABLE_ROWS],
        on_map=len(on_map(board.markers)),
        period=period,
        counts=counts,
        filters=filters,
        oblast_links=oblast_links,
        oblasts=base_map().names,
        zones=sorted(zones.values(), key=lambda z: z.name),
        types=incident_types(),
        agreements=agreement_ids(application_of(request).agreements_dir),
    )
