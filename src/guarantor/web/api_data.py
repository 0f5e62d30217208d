"""The desk's read API (JSON): reports, sources, incidents, decisions, violations,
activations, obligations, dashboard and search.

Every route needs a signed-in user and answers only with what is released to the user's
party (:mod:`guarantor.services.desk`): an item that is not released is a 404 exactly like
an unknown one. Lists are paginated with ``?cursor=&limit=`` and answer
``{"items": [...], "next_cursor": ..., "total": ...}``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from guarantor.services import desk
from guarantor.services.desk import FilterInvalid
from guarantor.services.desk_views import (
    Dashboard,
    IncidentFilter,
    IncidentSummary,
    Page,
    ReportFilter,
)
from guarantor.services.security import Principal
from guarantor.storage.desk_store import SqlDeskReader
from guarantor.web.answer_cache import Answer, answer_cache, respond
from guarantor.web.api_models import (
    ActivationPage,
    DashboardOut,
    DecisionOut,
    IncidentDetailOut,
    IncidentPage,
    ObligationPage,
    ReportDetailOut,
    ReportPage,
    SearchOut,
    SourceOut,
    ViolationPage,
)
from guarantor.web.auth import current_principal
from guarantor.web.deps import application_of, now
from guarantor.web.zone_filter import zone_filter

__all__ = ["incident_filter", "reader", "router"]

router = APIRouter(prefix="/api", tags=["desk"])

Signed = Annotated[Principal, Depends(current_principal)]
Cursor = Annotated[
    str | None, Query(description="next_cursor of the previous page; omit for the first")
]
Limit = Annotated[int, Query(ge=1, le=desk.MAX_LIMIT, description="items per page")]
Agreement = Annotated[str | None, Query(description="agreement id, e.g. minsk-2015")]


async def reader(request: Request) -> SqlDeskReader:
    """A reader for this request (made on the event loop: it does no I/O until asked)."""
    return SqlDeskReader(application_of(request).engine)


Reader = Annotated[SqlDeskReader, Depends(reader)]

# The two busiest routes serialize their dataclasses straight to JSON (no validation pass:
# the values come from the service, typed); the response models still describe them.
_DASHBOARD: TypeAdapter[Dashboard] = TypeAdapter(Dashboard)
_INCIDENT_PAGE: TypeAdapter[Page[IncidentSummary]] = TypeAdapter(Page[IncidentSummary])


async def _cached(
    request: Request,
    reader: SqlDeskReader,
    principal: Principal,
    key: tuple[Any, ...],
    make: Callable[[], bytes],
) -> Response:
    """The answer to ``key`` asked with ``principal``'s visibility on the reader's data
    version, from the app's :class:`~guarantor.web.answer_cache.AnswerCache` (the same bytes
    are exact for every user with the same visibility; see that module). The reads run in
    one worker thread (one hop from the event loop, not one per step)."""

    def answer() -> Answer:
        seen = desk.visible(reader, principal, "incidents")
        full = (*key, reader.data_version(), seen)
        return answer_cache(request).get(full, make)

    return respond(request, await run_in_threadpool(answer))


def _times(flt: IncidentFilter) -> tuple[str | None, ...]:
    """The times as given (equal instants with other offsets print other cursors)."""
    return tuple(t.isoformat() if t else None for t in (flt.since, flt.until))


def _aware(name: str, value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise FilterInvalid(
            f"query.{name}: found {value.isoformat()} without a time zone; expected an ISO 8601 "
            f"time with its offset, e.g. 2015-02-15T00:00:00+02:00 or ...Z; fix: add the offset"
        )
    return value


def _zone(request: Request, agreement: str | None, zone: str | None) -> tuple[Any, Any]:
    """The oblasts or the shape of an agreement zone (see :mod:`guarantor.web.zone_filter`)."""
    if zone is None:
        return None, None
    if agreement is None:
        raise FilterInvalid(
            f"query.zone: zone '{zone}' needs the agreement it belongs to; fix: add "
            "?agreement=<id>, e.g. ?agreement=minsk-2015&zone=conflict-area"
        )
    from guarantor.web.api_agreements import loaded_agreement

    return zone_filter(loaded_agreement(request, agreement), zone)


def incident_filter(
    request: Request,
    since: Annotated[datetime | None, Query(description="from this time (inclusive)")] = None,
    until: Annotated[datetime | None, Query(description="before this time")] = None,
    zone: Annotated[str | None, Query(description="zone id of the agreement")] = None,
    agreement: Agreement = None,
    oblast: Annotated[str | None, Query(description="e.g. Donetsk Oblast")] = None,
    type: Annotated[str | None, Query(description="incident type, e.g. shelling")] = None,
    status: Annotated[str | None, Query(description="analyst status")] = None,
    q: Annotated[str | None, Query(description="words in place, type, actor or text")] = None,
) -> IncidentFilter:
    oblasts, shape = _zone(request, agreement, zone)
    return IncidentFilter(
        since=_aware("since", since),
        until=_aware("until", until),
        oblast=oblast,
        zone=zone,
        type=type,
        status=status,
        q=q,
        agreement_id=agreement,
        zone_oblasts=oblasts,
        zone_shape=shape,
    )


Filter = Annotated[IncidentFilter, Depends(incident_filter)]


# --- reports and sources --------------------------------------------------------------------


@router.get("/reports", summary="Reports released to you, newest first")
def reports_list(
    principal: Signed,
    reader: Reader,
    since: Annotated[datetime | None, Query()] = None,
    until: Annotated[datetime | None, Query()] = None,
    oblast: Annotated[str | None, Query()] = None,
    type: Annotated[str | None, Query()] = None,
    source: Annotated[str | None, Query(description="source id")] = None,
    q: Annotated[str | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = desk.DEFAULT_LIMIT,
) -> ReportPage:
    flt = ReportFilter(_aware("since", since), _aware("until", until), oblast, type, source, q)
    page = desk.list_reports(reader, principal, flt, cursor, limit)
    return ReportPage.model_validate(page)


@router.get("/reports/{report_key}", summary="One report")
def report_get(report_key: str, principal: Signed, reader: Reader) -> ReportDetailOut:
    return ReportDetailOut.model_validate(desk.report_detail(reader, principal, report_key))


@router.get("/sources", summary="Sources of the reports released to you")
def sources_list(principal: Signed, reader: Reader) -> list[SourceOut]:
    return [SourceOut.model_validate(s) for s in desk.list_sources(reader, principal)]


# --- incidents and decisions ----------------------------------------------------------------


@router.get(
    "/incidents", summary="Incidents released to you, newest first", response_model=IncidentPage
)
async def incidents_list(
    request: Request,
    principal: Signed,
    reader: Reader,
    flt: Filter,
    cursor: Cursor = None,
    limit: Limit = desk.DEFAULT_LIMIT,
) -> Response:
    def make() -> bytes:
        return _INCIDENT_PAGE.dump_json(desk.list_incidents(reader, principal, flt, cursor, limit))

    key = ("incidents", flt, _times(flt), cursor, limit)
    return await _cached(request, reader, principal, key, make)


@router.get("/incidents/{incident_id}", summary="One incident: reports, violations, decisions")
def incident_get(incident_id: str, principal: Signed, reader: Reader) -> IncidentDetailOut:
    return IncidentDetailOut.model_validate(desk.incident_detail(reader, principal, incident_id))


@router.get("/decisions", summary="Analyst decisions on reports released to you, in order")
def decisions_list(principal: Signed, reader: Reader) -> list[DecisionOut]:
    return [DecisionOut.model_validate(d) for d in desk.decisions(reader, principal)]


# --- results --------------------------------------------------------------------------------


@router.get("/violations", summary="Violations of incidents released to you")
def violations_list(
    principal: Signed,
    reader: Reader,
    flt: Filter,
    cursor: Cursor = None,
    limit: Limit = desk.DEFAULT_LIMIT,
) -> ViolationPage:
    page = desk.list_violations(reader, principal, flt.agreement_id, flt, cursor, limit)
    return ViolationPage.model_validate(page)


@router.get("/activations", summary="Scenario activations resting on incidents released to you")
def activations_list(
    principal: Signed,
    reader: Reader,
    agreement: Agreement = None,
    cursor: Cursor = None,
    limit: Limit = desk.DEFAULT_LIMIT,
) -> ActivationPage:
    page = desk.list_activations(reader, principal, agreement, cursor, limit)
    return ActivationPage.model_validate(page)


@router.get("/obligations", summary="Obligations with their current status, newest due first")
def obligations_list(
    principal: Signed,
    reader: Reader,
    agreement: Agreement = None,
    party: Annotated[str | None, Query(description="party id, e.g. ua")] = None,
    status: Annotated[
        str | None, Query(description="open, acknowledged, done, waived or overdue")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = desk.DEFAULT_LIMIT,
) -> ObligationPage:
    page = desk.list_obligations(reader, principal, agreement, party, status, cursor, limit, now())
    return ObligationPage.model_validate(page)


# --- dashboard and search -------------------------------------------------------------------


@router.get(
    "/dashboard",
    summary="Map markers, counts per day and oblast, totals",
    response_model=DashboardOut,
)
async def dashboard_get(
    request: Request, principal: Signed, reader: Reader, flt: Filter
) -> Response:
    def make() -> bytes:
        return _DASHBOARD.dump_json(desk.dashboard(reader, principal, flt))

    return await _cached(request, reader, principal, ("dashboard", flt, _times(flt)), make)


@router.get("/search", summary="Incidents and reports whose words contain q")
def search_get(
    principal: Signed,
    reader: Reader,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchOut:
    return SearchOut.model_validate(desk.search(reader, principal, q, limit))
