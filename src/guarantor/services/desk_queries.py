"""From what a user asked for to what the desk's reader is asked: the markings released to
the principal (:func:`visible`), whether given items are all released, and the
:class:`~guarantor.services.desk_ports.IncidentQuery` or
:class:`~guarantor.services.desk_ports.ReportQuery` of a filter.

The distinct markings of a table are few, so the released ones are computed here and
storage filters with ``releasability IN (...)`` (:class:`Visible`).
"""

from __future__ import annotations

from collections.abc import Sequence

from guarantor.services.desk_paging import FilterInvalid
from guarantor.services.desk_ports import (
    DeskReader,
    IncidentQuery,
    MarkedTable,
    ReportQuery,
    Visible,
    ZoneShape,
)
from guarantor.services.desk_views import IncidentFilter, ReportFilter
from guarantor.services.security import Principal, released_to

__all__ = ["incident_query", "released_ids", "report_query", "rests_on_visible", "visible"]


def visible(reader: DeskReader, principal: Principal, table: MarkedTable) -> Visible | None:
    """The markings of ``table`` released to ``principal``; None for the cell (everything)."""
    if principal.in_cell:
        return None
    released = tuple(
        v for v in reader.markings(table) if v is not None and released_to(principal, v)
    )
    return Visible(released, null=released_to(principal, None))


def released_ids(principal: Principal, markings: dict[str, str | None], ids: Sequence[str]) -> bool:
    """Whether every id is stored and released (unknown ids fail closed for a party)."""
    if principal.in_cell:
        return True
    return all(i in markings and released_to(principal, markings[i]) for i in ids)


def rests_on_visible(
    reader: DeskReader, principal: Principal, groups: list[tuple[str, ...]]
) -> list[bool]:
    """For each group of incident ids, whether all of them are visible to ``principal``."""
    if principal.in_cell:
        return [True] * len(groups)
    markings = reader.incident_markings(sorted({i for g in groups for i in g}))
    return [released_ids(principal, markings, g) for g in groups]


def incident_query(reader: DeskReader, principal: Principal, flt: IncidentFilter) -> IncidentQuery:
    """The query of ``flt`` over the incidents visible to ``principal``; its zone becomes
    oblasts (a zone made of oblasts) or a shape (any other zone)."""
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


def report_query(reader: DeskReader, principal: Principal, flt: ReportFilter) -> ReportQuery:
    """The query of ``flt`` over the reports visible to ``principal``."""
    return ReportQuery(
        visible=visible(reader, principal, "reports"),
        since=flt.since,
        until=flt.until,
        oblast=flt.oblast or None,
        type=flt.type or None,
        source_id=flt.source_id or None,
        q=(flt.q or "").strip() or None,
    )
