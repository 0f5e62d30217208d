"""The stream's lateness checks: which pushed incidents are refused as too late.

Let ``seen`` be the latest event time pushed before an incident and ``H`` the allowed
lateness. The incident is refused when its time is before ``seen - H``, or when it corrects
an incident whose time is before ``seen - H``
(:class:`~guarantor.scenarios.errors.LateIncidentError`, with what to do about it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guarantor.scenarios.errors import LateIncidentError
from guarantor.scenarios.explain import iso
from guarantor.scenarios.stream_frames import maybe_late

__all__ = ["check_late", "refuse_late_rows"]

Held = Mapping[str, Mapping[str, Any]]  # incident id -> its record (``_t`` its time)


def refuse_late_rows(
    held: Held, identities: list[str], times: list[int], seen: int | None, lateness_us: int
) -> bool:
    """Refuse a frame if a row is late (vectorised when no row corrects another); true when
    the rows are new, distinct incidents, none late (a *fresh* frame)."""
    fresh = len(set(identities)) == len(identities) and held.keys().isdisjoint(identities)
    if fresh and not maybe_late(times, seen, lateness_us):
        return True
    pending: dict[str, int] = {}
    for identity, time_us in zip(identities, times, strict=True):
        check_late(held, identity, time_us, seen, lateness_us, pending)
        pending[identity] = time_us
        seen = time_us if seen is None else max(seen, time_us)
    return False


def check_late(
    held: Held,
    identity: str,
    time_us: int,
    seen: int | None,
    lateness_us: int,
    pending: Mapping[str, int],
) -> None:
    """Raise if the incident, or the one it corrects (in ``pending`` rows of the same frame,
    else in ``held``), is older than ``seen - lateness_us``."""
    if seen is None:
        return
    limit = seen - lateness_us
    old = pending.get(identity)
    if old is None and identity in held:
        old = held[identity]["_t"]
    late = time_us if time_us < limit else old if old is not None and old < limit else None
    if late is None:
        return
    what = "incident" if late == time_us else "correction of incident"
    raise LateIncidentError(
        f"{what} '{identity}' at {iso(late)} is older than the allowed lateness: the "
        f"stream has seen {iso(seen)} and accepts times from {iso(limit)}; expected an "
        f"incident within {lateness_us // 1_000_000} s of the latest; fix: re-run "
        "the batch over the history, or raise lateness_seconds"
    )
