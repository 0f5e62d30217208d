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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from guarantor.errors import GuarantorError, NotFound
from guarantor.services.desk_cursor import decode_cursor, encode_cursor, fingerprint
from guarantor.services.desk_ports import (
    DeskReader,
    IncidentQuery,
    Key,
    MarkedTable,
    ReportQuery,
    Visible,
    ZoneShape,
)
from guarantor.services.desk_views import (
    ActivationView,
    Dashboard,
    DayCount,
    DecisionView,
    IncidentDetail,
    IncidentFilter,
    IncidentSummary,
    OblastCount,
    ObligationView,
    Page,
    ReportDetail,
    ReportFilter,
    ReportSummary,
    SearchResult,
    SourceView,
    Totals,
    ViolationView,
)
from guarantor.services.security import Principal, released_to

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

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MARKER_CAP = 2000
OPEN_STATUSES = ("open", "acknowledged")
OBLIGATION_STATUSES = ("open", "acknowledged", "done", "waived", "overdue")
T = TypeVar("T")


class FilterInvalid(GuarantorError):
    """A list filter that cannot be applied (an unknown zone, a bad limit)."""

    code = "filter_invalid"
    http_status = 422


# --- releasability --------------------------------------------------------------------------


def visible(reader: DeskReader, principal: Principal, table: MarkedTable) -> Visible | None:
    """The markings of ``table`` released to ``principal``; None for the cell (everything)."""
    if principal.in_cell:
        return None
    released = tuple(
        v for v in reader.markings(table) if v is not None and released_to(principal, v)
    )
    return Visible(released, null=released_to(principal, None))


def _released_ids(
    principal: Principal, markings: dict[str, str | None], ids: Sequence[str]
) -> bool:
    """Whether every id is stored and released (unknown ids fail closed for a party)."""
    if principal.in_cell:
        return True
    return all(i in markings and released_to(principal, markings[i]) for i in ids)


# --- paging ---------------------------------------------------------------------------------


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise FilterInvalid(
            f"limit {limit} is out of range; expected 1 to {MAX_LIMIT}; fix: ask for at most "
            f"{MAX_LIMIT} items per page and follow next_cursor"
        )
    return limit


def _page(
    kind: str,
    filter_print: str,
    fetch: Callable[[Key | None, int], list[T]],
    count: Callable[[], int],
    key: Callable[[T], Key],
    cursor: str | None,
    limit: int,
) -> Page[T]:
    after = decode_cursor(cursor, kind, filter_print) if cursor else None
    rows = fetch(after, _limit(limit) + 1)
    items = tuple(rows[:limit])
    next_cursor = None
    if len(rows) > limit:
        time, item_id = key(items[-1])
        next_cursor = encode_cursor(kind, filter_print, time, item_id)
    return Page(items=items, next_cursor=next_cursor, total=count())


def _page_in_memory(
    kind: str,
    filter_print: str,
    items: list[T],
    key: Callable[[T], Key],
    cursor: str | None,
    limit: int,
) -> Page[T]:
    ordered = sorted(items, key=key, reverse=True)

    def fetch(after: Key | None, n: int) -> list[T]:
        rest = [i for i in ordered if after is None or key(i) < after]
        return rest[:n]

    return _page(kind, filter_print, fetch, lambda: len(ordered), key, cursor, limit)


_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def _time_or_epoch(value: datetime | None) -> datetime:
    return value if value is not None else _EPOCH


# --- incidents ------------------------------------------------------------------------------


def _incident_query(reader: DeskReader, principal: Principal, flt: IncidentFilter) -> IncidentQuery:
    oblasts: tuple[str, ...] | None = (flt.oblast,) if flt.oblast else None
    inside: ZoneShape | None = None
    if flt.zone is not None:
        if flt.zone_oblasts is not None:
            zone = tuple(flt.zone_oblasts)
            oblasts = zone if oblasts is None else tuple(o for o in oblasts if o in zone)
        elif flt.zone_shape is not None:
            inside = ZoneShape(f"{flt.agreement_id}:{flt.zone}", flt.zone_shape)
        else:
            raise FilterInvalid(
                f"zone '{flt.zone}' was not resolved to its oblasts or its shape; expected a "
                "zone of the agreement given with it; fix: give ?agreement= with the zone"
            )
    return IncidentQuery(
        visible=visible(reader, principal, "incidents"),
        since=flt.since,
        until=flt.until,
        oblasts=oblasts,
        type=flt.type or None,
        status=flt.status or None,
        statuses=flt.statuses,
        q=(flt.q or "").strip() or None,
        agreement_id=flt.agreement_id or None,
        inside=inside,
    )


def list_incidents(
    reader: DeskReader,
    principal: Principal,
    flt: IncidentFilter,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[IncidentSummary]:
    """Visible incidents matching ``flt``, newest first."""
    query = _incident_query(reader, principal, flt)
    return _page(
        "incidents",
        fingerprint(flt),
        lambda after, n: reader.incident_page(query, after, n),
        lambda: reader.count_incidents(query),
        lambda i: (i.time, i.incident_id),
        cursor,
        limit,
    )


def incident_detail(reader: DeskReader, principal: Principal, incident_id: str) -> IncidentDetail:
    """The incident with its member reports, violations and the analyst decisions on it;
    :class:`NotFound` when unknown or not visible."""
    detail = reader.incident(incident_id, visible(reader, principal, "incidents"))
    if detail is None:
        raise NotFound(
            f"no incident '{incident_id}'; expected the id of an incident listed by "
            "GET /api/incidents; fix: check the id"
        )
    members = tuple(m for m in detail.members if released_to(principal, m.releasability))
    keys = {m.report_key for m in members}
    on_it = [d for d in decisions(reader, principal) if keys & set(_decision_keys(d))]
    return IncidentDetail(
        summary=detail.summary,
        time_until=detail.time_until,
        time_precision=detail.time_precision,
        place_precision=detail.place_precision,
        sector=detail.sector,
        calibre_mm=detail.calibre_mm,
        target=detail.target,
        count=detail.count,
        disagreements=detail.disagreements,
        members=members,
        violations=detail.violations,
        decisions=tuple(on_it),
    )


def _decision_keys(decision: DecisionView) -> list[str]:
    record = decision.record
    keys: list[str] = []
    for name in ("report_key", "first", "second"):
        if name in record:
            keys.append(str(record[name]))
    keys.extend(str(k) for k in record.get("report_keys", ()))
    for group in record.get("groups", ()):
        keys.extend(str(k) for k in group)
    return keys


def decisions(reader: DeskReader, principal: Principal) -> list[DecisionView]:
    """Analyst decisions, in order, that name only reports visible to ``principal``."""
    every = reader.decisions()
    if principal.in_cell:
        return every
    markings = reader.report_markings(sorted({k for d in every for k in _decision_keys(d)}))
    return [d for d in every if _released_ids(principal, markings, _decision_keys(d))]


# --- reports and sources --------------------------------------------------------------------


def _report_query(reader: DeskReader, principal: Principal, flt: ReportFilter) -> ReportQuery:
    return ReportQuery(
        visible=visible(reader, principal, "reports"),
        since=flt.since,
        until=flt.until,
        oblast=flt.oblast or None,
        type=flt.type or None,
        source_id=flt.source_id or None,
        q=(flt.q or "").strip() or None,
    )


def list_reports(
    reader: DeskReader,
    principal: Principal,
    flt: ReportFilter,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[ReportSummary]:
    """Visible reports matching ``flt``, newest first."""
    query = _report_query(reader, principal, flt)
    return _page(
        "reports",
        fingerprint(flt),
        lambda after, n: reader.report_page(query, after, n),
        lambda: reader.count_reports(query),
        lambda r: (r.observed_at, r.report_key),
        cursor,
        limit,
    )


def report_detail(reader: DeskReader, principal: Principal, report_key: str) -> ReportDetail:
    """The report; :class:`NotFound` when unknown or not visible. Its incident is named only
    when that incident is visible too."""
    found = reader.report(report_key, visible(reader, principal, "reports"))
    if found is None:
        raise NotFound(
            f"no report '{report_key}'; expected the key of a report listed by "
            "GET /api/reports; fix: check the key"
        )
    incident_id = found.incident_id
    if incident_id is not None and not principal.in_cell:
        markings = reader.incident_markings([incident_id])
        if not _released_ids(principal, markings, [incident_id]):
            incident_id = None
    return ReportDetail(summary=found.summary, fields=found.fields, incident_id=incident_id)


def list_sources(reader: DeskReader, principal: Principal) -> list[SourceView]:
    """Sources with at least one visible report, and how many (visible) each has."""
    return reader.sources(visible(reader, principal, "reports"))


# --- results --------------------------------------------------------------------------------


def list_violations(
    reader: DeskReader,
    principal: Principal,
    agreement_id: str | None,
    flt: IncidentFilter,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[ViolationView]:
    """Violations of visible incidents (of ``agreement_id``, or every agreement)."""
    query = _incident_query(reader, principal, flt)
    query = replace(query, agreement_id=agreement_id)
    return _page(
        "violations",
        fingerprint(agreement_id, flt),
        lambda after, n: reader.violation_page(query, after, n),
        lambda: reader.count_violations(query),
        lambda v: (v.incident_time, _violation_id(v)),
        cursor,
        limit,
    )


def _violation_id(v: ViolationView) -> str:
    return f"{v.incident_id}|{v.rule_id}|{v.revision}|{v.agreement_id}"


def _rests_on_visible(
    reader: DeskReader, principal: Principal, groups: list[tuple[str, ...]]
) -> list[bool]:
    if principal.in_cell:
        return [True] * len(groups)
    markings = reader.incident_markings(sorted({i for g in groups for i in g}))
    return [_released_ids(principal, markings, g) for g in groups]


def _activation_rests_on(a: ActivationView) -> tuple[str, ...]:
    return a.contributing + ((a.incident_id,) if a.incident_id else ())


def list_activations(
    reader: DeskReader,
    principal: Principal,
    agreement_id: str | None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[ActivationView]:
    """Activations whose contributing incidents are all visible, newest first."""
    every = reader.activations(agreement_id)
    shown = _rests_on_visible(reader, principal, [_activation_rests_on(a) for a in every])
    items = [a for a, ok in zip(every, shown, strict=True) if ok]
    return _page_in_memory(
        "activations",
        fingerprint(agreement_id),
        items,
        lambda a: (_time_or_epoch(a.time), f"{a.activation_id}|{a.agreement_id}"),
        cursor,
        limit,
    )


def list_obligations(
    reader: DeskReader,
    principal: Principal,
    agreement_id: str | None,
    party: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
    now: datetime,
) -> Page[ObligationView]:
    """Obligations resting on visible incidents only, with their current status (the latest
    update, else ``open``) and ``overdue`` (due before ``now`` while open or acknowledged);
    soonest due first is the page order's reverse: newest due first."""
    if status is not None and status not in OBLIGATION_STATUSES:
        raise FilterInvalid(
            f"query.status: found '{status}'; expected one of {', '.join(OBLIGATION_STATUSES)}; "
            "fix: use one of those or leave status out"
        )
    every = reader.obligations(agreement_id, party)
    shown = _rests_on_visible(reader, principal, [o.contributing for o in every])
    items = []
    for obligation, ok in zip(every, shown, strict=True):
        if not ok:
            continue
        overdue = (
            obligation.due is not None
            and obligation.due < now
            and obligation.status in OPEN_STATUSES
        )
        if status and obligation.status != status and not (status == "overdue" and overdue):
            continue
        items.append(_with_overdue(obligation, overdue))
    return _page_in_memory(
        "obligations",
        fingerprint(agreement_id, party, status),
        items,
        lambda o: (_time_or_epoch(o.due), f"{o.obligation_id}|{o.agreement_id}"),
        cursor,
        limit,
    )


def _with_overdue(o: ObligationView, overdue: bool) -> ObligationView:
    return replace(o, overdue=overdue)


# --- exports ------------------------------------------------------------------------------

EXPORT_CHUNK = 5000


def _chunks(fetch: Callable[[Key | None, int], list[T]], key: Callable[[T], Key]) -> Iterator[T]:
    after: Key | None = None
    while True:
        rows = fetch(after, EXPORT_CHUNK)
        yield from rows
        if len(rows) < EXPORT_CHUNK:
            return
        after = key(rows[-1])


def export_incidents(
    reader: DeskReader, principal: Principal, flt: IncidentFilter
) -> Iterator[IncidentSummary]:
    """Every visible incident matching ``flt``, newest first, read in chunks (the filter is
    checked now, before the first item is asked for)."""
    query = _incident_query(reader, principal, flt)
    return _chunks(
        lambda after, n: reader.incident_page(query, after, n), lambda i: (i.time, i.incident_id)
    )


def export_violations(
    reader: DeskReader, principal: Principal, flt: IncidentFilter
) -> Iterator[ViolationView]:
    """Every violation of a visible incident matching ``flt`` (of ``flt.agreement_id``)."""
    query = _incident_query(reader, principal, flt)
    return _chunks(
        lambda after, n: reader.violation_page(query, after, n),
        lambda v: (v.incident_time, _violation_id(v)),
    )


# --- dashboard and search -------------------------------------------------------------------


def dashboard(
    reader: DeskReader, principal: Principal, flt: IncidentFilter, cap: int = MARKER_CAP
) -> Dashboard:
    """Map markers (most recent first, at most ``cap``), counts per day and oblast, totals;
    over visible incidents and their violations only."""
    query = _incident_query(reader, principal, flt)
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
        _incident_query(reader, principal, IncidentFilter(q=text)), None, _limit(limit)
    )
    reports = reader.report_page(
        _report_query(reader, principal, ReportFilter(q=text)), None, _limit(limit)
    )
    return SearchResult(incidents=tuple(incidents), reports=tuple(reports), limit=limit)
