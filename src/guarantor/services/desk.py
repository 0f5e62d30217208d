"""The desk's read service: lists, details, dashboard and search, with releasability applied.

Policy (the desk contract): the verification cell sees everything; a party principal sees a
report or incident iff :func:`~guarantor.services.security.released_to` its ``releasability``
(an incident's is already the most restrictive of its members'); a violation iff its
incident is visible; an activation or obligation iff every incident it rests on is visible.
Everything returned, totals and counts included, is computed over visible items only, and a
not-visible item raises :class:`~guarantor.errors.NotFound` exactly like an unknown one.

Filtering is fast: the distinct markings of a table are few, so the released ones are
computed here and storage filters with ``releasability IN (...)`` (:class:`Visible`).
Lists are keyset-paginated newest first on (time, id) with opaque cursors
(:mod:`.desk_cursor`).

This module holds the incident and report lists, the dashboard and search, and re-exports
the rest of the service, so that callers use ``desk.<name>`` for all of it: queries and
releasability in :mod:`.desk_queries`, paging in :mod:`.desk_paging`, details in
:mod:`.desk_details`, violations, activations and obligations in :mod:`.desk_results`.
"""

from __future__ import annotations

from collections.abc import Iterator

from guarantor.services.desk_cursor import fingerprint
from guarantor.services.desk_details import decisions, incident_detail, report_detail
from guarantor.services.desk_paging import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    FilterInvalid,
    Listing,
    check_limit,
)
from guarantor.services.desk_ports import DeskReader, IncidentQuery, ReportQuery
from guarantor.services.desk_queries import incident_query, report_query, visible
from guarantor.services.desk_results import (
    OBLIGATION_STATUSES,
    OPEN_STATUSES,
    export_violations,
    list_activations,
    list_obligations,
    list_violations,
)
from guarantor.services.desk_views import (
    Dashboard,
    DayCount,
    IncidentFilter,
    IncidentSummary,
    OblastCount,
    Page,
    ReportFilter,
    ReportSummary,
    SearchResult,
    SourceView,
    Totals,
)
from guarantor.services.security import Principal

__all__ = [
    "DEFAULT_LIMIT",
    "MARKER_CAP",
    "MAX_LIMIT",
    "OBLIGATION_STATUSES",
    "OPEN_STATUSES",
    "FilterInvalid",
    "dashboard",
    "decisions",
    "export_incidents",
    "export_violations",
    "incident_detail",
    "list_activations",
    "list_incidents",
    "list_obligations",
    "list_reports",
    "list_sources",
    "list_violations",
    "report_detail",
    "search",
    "visible",
]

MARKER_CAP = 2000


def _incidents(reader: DeskReader, query: IncidentQuery) -> Listing[IncidentSummary]:
    return Listing(
        "incidents",
        lambda after, n: reader.incident_page(query, after, n),
        lambda: reader.count_incidents(query),
        lambda i: (i.time, i.incident_id),
    )


def _reports(reader: DeskReader, query: ReportQuery) -> Listing[ReportSummary]:
    return Listing(
        "reports",
        lambda after, n: reader.report_page(query, after, n),
        lambda: reader.count_reports(query),
        lambda r: (r.observed_at, r.report_key),
    )


def list_incidents(
    reader: DeskReader,
    principal: Principal,
    flt: IncidentFilter,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[IncidentSummary]:
    """Visible incidents matching ``flt``, newest first."""
    query = incident_query(reader, principal, flt)
    return _incidents(reader, query).page(fingerprint(flt), cursor, limit)


def export_incidents(
    reader: DeskReader, principal: Principal, flt: IncidentFilter
) -> Iterator[IncidentSummary]:
    """Every visible incident matching ``flt``, newest first, read in chunks (the filter is
    checked now, before the first item is asked for)."""
    return _incidents(reader, incident_query(reader, principal, flt)).every()


def list_reports(
    reader: DeskReader,
    principal: Principal,
    flt: ReportFilter,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[ReportSummary]:
    """Visible reports matching ``flt``, newest first."""
    query = report_query(reader, principal, flt)
    return _reports(reader, query).page(fingerprint(flt), cursor, limit)


def list_sources(reader: DeskReader, principal: Principal) -> list[SourceView]:
    """Sources with at least one visible report, and how many (visible) each has."""
    return reader.sources(visible(reader, principal, "reports"))


def dashboard(
    reader: DeskReader, principal: Principal, flt: IncidentFilter, cap: int = MARKER_CAP
) -> Dashboard:
    """Map markers (most recent first, at most ``cap``), counts per day and oblast, totals;
    over visible incidents and their violations only."""
    query = incident_query(reader, principal, flt)
    markers = reader.markers(query, cap + 1)
    days = reader.per_day(query)
    oblasts = reader.per_oblast(query)
    return Dashboard(
        markers=tuple(markers[:cap]),
        marker_cap=cap,
        markers_capped=len(markers) > cap,
        per_day=tuple(DayCount(day, i, v) for day, i, v in days),
        per_oblast=tuple(OblastCount(oblast, i, v) for oblast, i, v in oblasts),
        totals=Totals(incidents=sum(i for _, i, _ in days), violations=sum(v for _, _, v in days)),
    )


def search(reader: DeskReader, principal: Principal, q: str, limit: int = 20) -> SearchResult:
    """Visible incidents and reports whose words contain ``q`` (newest first)."""
    text = q.strip()
    if not text:
        raise FilterInvalid(
            "the search text is empty; expected a word or a phrase; fix: pass ?q=<text>"
        )
    incidents = reader.incident_page(
        incident_query(reader, principal, IncidentFilter(q=text)), None, check_limit(limit)
    )
    reports = reader.report_page(
        report_query(reader, principal, ReportFilter(q=text)), None, check_limit(limit)
    )
    return SearchResult(incidents=tuple(incidents), reports=tuple(reports), limit=limit)
