"""The obligations board (``/obligations``): per party, what the agreement's directives ask
of it, due and overdue highlighted, with acknowledge / done / waive controls."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from guarantor.services import desk
from guarantor.services.desk_views import ObligationView
from guarantor.services.security import Permission
from guarantor.web.deps import application_of, now
from guarantor.web.pages_common import SignedIn, agreement_ids, reader_of
from guarantor.web.templating import render

__all__ = ["DUE_SOON", "router"]

router = APIRouter(include_in_schema=False)

DUE_SOON = timedelta(hours=24)
BOARD_LIMIT = 100  # a page of the board; "More obligations" pages on
STATUSES = ("open", "acknowledged", "done", "waived", "overdue")
Text = Annotated[str, Query(max_length=200)]


def _by_party(items: tuple[ObligationView, ...]) -> list[tuple[str, list[ObligationView]]]:
    groups: dict[str, list[ObligationView]] = defaultdict(list)
    for item in items:
        groups[item.party or "no party"].append(item)
    for rows in groups.values():  # soonest due first within a party
        rows.sort(key=lambda o: (o.due is None, o.due, o.obligation_id))
    return sorted(groups.items())


@router.get("/obligations", response_class=HTMLResponse)
def obligations_page(
    request: Request,
    principal: SignedIn,
    agreement: Text = "",
    party: Text = "",
    status: Text = "",
    cursor: Annotated[str, Query(max_length=400)] = "",
) -> HTMLResponse:
    moment = now()
    page = desk.list_obligations(
        reader_of(request),
        principal,
        agreement or None,
        party or None,
        status or None,
        cursor or None,
        BOARD_LIMIT,
        moment,
    )
    filters = {"agreement": agreement, "party": party, "status": status}
    more = {k: v for k, v in filters.items() if v}
    return render(
        request,
        "obligations.html",
        principal,
        title="Obligations",
        page=page,
        parties=_by_party(page.items),
        due_soon=moment + DUE_SOON,
        overdue=sum(1 for o in page.items if o.overdue),
        filters=filters,
        statuses=STATUSES,
        agreements=agreement_ids(application_of(request).agreements_dir),
        can_update=principal.can(Permission.OBLIGATIONS_UPDATE),
        next_query={**more, "cursor": page.next_cursor} if page.next_cursor else None,
    )
