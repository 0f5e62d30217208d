"""Incident review pages: the queue (``/incidents``) and one incident (``/incidents/{id}``)
with every member report, its grades and membership evidence, the disagreements, the
violations with their explanations, the analyst decisions, and the review controls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from guarantor.evidence.incidents import ANALYST_STATUSES
from guarantor.services import desk
from guarantor.services.desk_views import IncidentFilter
from guarantor.services.security import Permission
from guarantor.web.map_svg import base_map
from guarantor.web.pages_common import SignedIn, day_start, incident_types, reader_of
from guarantor.web.templating import render

__all__ = ["NEEDS_REVIEW", "REVIEW_DEFAULT", "router"]

router = APIRouter(include_in_schema=False)

NEEDS_REVIEW = tuple(s for s in ANALYST_STATUSES if s in ("unverified", "disputed"))
REVIEW_DEFAULT = "needs-review"  # the queue opens on what waits for an analyst
ANY_STATUS = "any"
PAGE_SIZE = 50
Text = Annotated[str, Query(max_length=200)]


@router.get("/incidents", response_class=HTMLResponse)
def queue_page(
    request: Request,
    principal: SignedIn,
    status: Annotated[str, Query(max_length=40)] = REVIEW_DEFAULT,
    since: Text = "",
    until: Text = "",
    oblast: Text = "",
    type: Text = "",
    q: Text = "",
    cursor: Annotated[str, Query(max_length=400)] = "",
) -> HTMLResponse:
    flt = IncidentFilter(
        since=day_start(since, "since"),
        until=day_start(until, "until", next_day=True),
        oblast=oblast or None,
        type=type or None,
        status=None if status in ("", ANY_STATUS, REVIEW_DEFAULT) else status,
        statuses=NEEDS_REVIEW if status == REVIEW_DEFAULT else None,
        q=q or None,
    )
    page = desk.list_incidents(reader_of(request), principal, flt, cursor or None, PAGE_SIZE)
    filters = {
        "since": since,
        "until": until,
        "oblast": oblast,
        "type": type,
        "status": status,
        "q": q,
    }
    more = {k: v for k, v in filters.items() if v}
    return render(
        request,
        "incidents.html",
        principal,
        title="Incident review",
        page=page,
        filters=filters,
        next_query={**more, "cursor": page.next_cursor} if page.next_cursor else None,
        statuses=ANALYST_STATUSES,
        review_default=REVIEW_DEFAULT,
        any_status=ANY_STATUS,
        needs_review=NEEDS_REVIEW,
        oblasts=base_map().names,
        types=incident_types(),
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(request: Request, principal: SignedIn, incident_id: str) -> HTMLResponse:
    detail = desk.incident_detail(reader_of(request), principal, incident_id)
    return render(
        request,
        "incident.html",
        principal,
        title=f"Incident {detail.summary.incident_id}",
        detail=detail,
        incident=detail.summary,
        can_assess=principal.can(Permission.INCIDENTS_ASSESS),
    )
