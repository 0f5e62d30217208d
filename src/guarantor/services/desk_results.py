"""The desk's lists of results: violations (of visible incidents), activations and
obligations (resting on visible incidents only), with an obligation's current status and
whether it is overdue.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

from guarantor.services.desk_cursor import fingerprint
from guarantor.services.desk_paging import (
    DEFAULT_LIMIT,
    FilterInvalid,
    Listing,
    in_memory,
    time_or_epoch,
)
from guarantor.services.desk_ports import DeskReader, IncidentQuery, violation_key
from guarantor.services.desk_queries import incident_query, rests_on_visible
from guarantor.services.desk_views import (
    ActivationView,
    IncidentFilter,
    ObligationView,
    Page,
    ViolationView,
)
from guarantor.services.security import Principal

__all__ = [
    "OBLIGATION_STATUSES",
    "OPEN_STATUSES",
    "export_violations",
    "list_activations",
    "list_obligations",
    "list_violations",
]

OPEN_STATUSES = ("open", "acknowledged")
OBLIGATION_STATUSES = ("open", "acknowledged", "done", "waived", "overdue")


def _violations(reader: DeskReader, query: IncidentQuery) -> Listing[ViolationView]:
    return Listing(
        "violations",
        lambda after, n: reader.violation_page(query, after, n),
        lambda: reader.count_violations(query),
        violation_key,
    )


def list_violations(
    reader: DeskReader,
    principal: Principal,
    agreement_id: str | None,
    flt: IncidentFilter,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[ViolationView]:
    """Violations of visible incidents (of ``agreement_id``, or every agreement)."""
    query = replace(incident_query(reader, principal, flt), agreement_id=agreement_id)
    return _violations(reader, query).page(fingerprint(agreement_id, flt), cursor, limit)


def export_violations(
    reader: DeskReader, principal: Principal, flt: IncidentFilter
) -> Iterator[ViolationView]:
    """Every violation of a visible incident matching ``flt`` (of ``flt.agreement_id``)."""
    return _violations(reader, incident_query(reader, principal, flt)).every()


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
    shown = rests_on_visible(reader, principal, [_activation_rests_on(a) for a in every])
    items = [a for a, ok in zip(every, shown, strict=True) if ok]
    listing = in_memory(
        "activations",
        items,
        lambda a: (time_or_epoch(a.time), f"{a.activation_id}|{a.agreement_id}"),
    )
    return listing.page(fingerprint(agreement_id), cursor, limit)


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
    shown = rests_on_visible(reader, principal, [o.contributing for o in every])
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
        items.append(replace(obligation, overdue=overdue))
    listing = in_memory(
        "obligations",
        items,
        lambda o: (time_or_epoch(o.due), f"{o.obligation_id}|{o.agreement_id}"),
    )
    return listing.page(fingerprint(agreement_id, party, status), cursor, limit)
