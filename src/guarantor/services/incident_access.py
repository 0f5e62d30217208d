"""Analyst decisions as a party principal may take them: only on incidents it can see.

The decision use cases (:mod:`guarantor.services.incidents`) act on any stored incident; the
desk first checks :func:`require_visible`: an incident that is not released to the
principal's party answers :class:`~guarantor.errors.NotFound`, exactly like an unknown id
(never "forbidden", which would say that it exists). The verification cell sees every incident.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from guarantor.errors import GuarantorError, NotFound
from guarantor.services import incidents
from guarantor.services.incident_ports import IncidentStore, ReportSource
from guarantor.services.obligation_ports import IncidentMarkings
from guarantor.services.security import Principal, released_to

__all__ = ["require_visible", "split_off", "visible_only"]


def require_visible(
    markings: IncidentMarkings, principal: Principal, incident_ids: Sequence[str]
) -> None:
    """NotFound naming every id that is not a stored incident visible to ``principal``."""
    found = markings.incident_markings(incident_ids)
    hidden = [i for i in incident_ids if i not in found or not released_to(principal, found[i])]
    if hidden:
        raise NotFound(
            f"no stored incident {', '.join(repr(i) for i in dict.fromkeys(hidden))}; expected "
            "an incident id such as inc-0123456789abcdef; fix: list the current incidents "
            "with GET /api/incidents and copy an id (ids change when membership changes)"
        )


def visible_only(
    markings: IncidentMarkings, principal: Principal, incident_ids: Sequence[str]
) -> tuple[str, ...]:
    """The ids among ``incident_ids`` of stored incidents visible to ``principal``, in order
    (after a decision, fusion may have joined a visible report with one not released)."""
    if principal.party is None:
        return tuple(incident_ids)
    found = markings.incident_markings(incident_ids)
    return tuple(i for i in incident_ids if i in found and released_to(principal, found[i]))


def split_off(
    reports: ReportSource,
    store: IncidentStore,
    incident_id: str,
    report_keys: Sequence[str],
    *,
    by: str,
    reason: str = "",
    when: datetime | None = None,
) -> incidents.Decided:
    """Record that ``report_keys`` of the incident are another event than its other reports
    (a split into two groups), then re-fuse."""
    members = store.members([incident_id]).get(incident_id, ())
    keys = sorted({k.strip() for k in report_keys if k.strip()})
    rest = [k for k in members if k not in keys]
    if members and keys and not rest:
        raise GuarantorError(
            f"the report keys given are every member of {incident_id}, so nothing is left to "
            "split them from; expected some of its members, not all; fix: name only the "
            "reports that belong to the other event"
        )
    if not keys:
        raise GuarantorError(
            f"no report keys to split off {incident_id}; expected at least one member report "
            'key, e.g. {"report_keys": ["3f2c..."]}; fix: name the reports of the other event'
        )
    return incidents.split(
        reports, store, incident_id, [keys, rest], by=by, reason=reason, when=when
    )
