"""Use cases on obligation status: acknowledge, mark done, waive; and read current statuses.

**States.** An obligation starts ``open`` (it has no update). Allowed transitions::

    open          -> acknowledged | done | waived
    acknowledged  -> done | waived

``done`` and ``waived`` are **final**: nothing follows them, and a repeated action (acknowledge
twice) is refused too. A mistaken final status is not undone in place: the record of who said
what and when is the point of the log. If a new evaluation finds the obligation again, it keeps
its id and its status. A refused transition raises :class:`ObligationStatusRefused` (409),
naming the current status and what may follow it.

**Who.** The permission ``obligations.update`` (coordinators). The obligation must be stored
and visible to the principal: the verification cell sees every obligation; a party principal
only those addressed to its own party whose contributing incidents are all released to it.
Anything else answers :class:`~guarantor.errors.NotFound`, exactly like an unknown id.

**Audit.** Each update is appended to ``obligation_updates`` with its audit entry
(``obligation.acknowledge``, ``obligation.done``, ``obligation.waive``) in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from guarantor.errors import GuarantorError, Location, NotFound, Problem
from guarantor.services.obligation_ports import (
    ObligationFacts,
    ObligationStore,
    ObligationUpdate,
)
from guarantor.services.security import Permission, Principal, released_to, require

__all__ = [
    "ACTIONS",
    "FINAL",
    "OPEN",
    "TRANSITIONS",
    "ObligationStatusRefused",
    "ObligationUpdateInvalid",
    "current_statuses",
    "update_obligation",
    "visible",
]

OPEN: Final = "open"
ACTIONS: Final[dict[str, str]] = {
    "acknowledge": "acknowledged",
    "done": "done",
    "waive": "waived",
}
"""Action name -> the status it sets."""
TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    OPEN: frozenset({"acknowledged", "done", "waived"}),
    "acknowledged": frozenset({"done", "waived"}),
    "done": frozenset(),
    "waived": frozenset(),
}
FINAL: Final = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
_VERB = {"acknowledged": "acknowledge", "done": "done", "waived": "waive"}


class ObligationStatusRefused(GuarantorError):
    """The obligation's current status does not allow the asked change."""

    code = "transition_refused"
    http_status = 409


class ObligationUpdateInvalid(GuarantorError):
    """An update is malformed: unknown action, or a waiver without a reason."""

    code = "obligation_update_invalid"
    http_status = 422


def visible(principal: Principal, facts: ObligationFacts) -> bool:
    """Whether ``principal`` may see (and so act on) the obligation."""
    if principal.party is None:
        return True
    if facts.party != principal.party or not facts.complete:
        return False
    return all(released_to(principal, marking) for marking in facts.markings)


def _unknown(obligation_id: str) -> NotFound:
    return NotFound(
        f"no obligation {obligation_id!r}; expected the id of a stored obligation, such as "
        "minsk-2015/RULE/inc-0123456789abcdef/DIRECTIVE/PARTY; fix: list them with GET "
        "/api/obligations?agreement=AGREEMENT and copy an id (they exist after `guarantor "
        "evaluate`)"
    )


def _refused(obligation_id: str, current: str, wanted: str) -> ObligationStatusRefused:
    allowed = sorted(TRANSITIONS[current])
    if allowed:
        follows = (
            "it may become "
            + " or ".join(allowed)
            + " ("
            + ", ".join(_VERB[s] for s in allowed)
            + ")"
        )
    else:
        follows = f"{current} is final: nothing may follow it"
    return ObligationStatusRefused(
        f"obligation {obligation_id!r} is {current}, so it cannot become {wanted}; {follows}; "
        "fix: reload the obligation to see its current status (someone may have updated it)"
    )


def _status_of(action: str) -> str:
    if action in ACTIONS:
        return ACTIONS[action]
    raise ObligationUpdateInvalid(
        f"unknown obligation action {action!r}; expected one of {', '.join(ACTIONS)}; fix: "
        "use acknowledge, done or waive",
        problems=(
            Problem(
                Location("request", field="action"),
                found=repr(action),
                expected="acknowledge, done or waive",
                fix="name one of these actions",
            ),
        ),
    )


def _reason(status: str, reason: str | None) -> str | None:
    text = (reason or "").strip()
    if status == "waived" and not text:
        raise ObligationUpdateInvalid(
            "waiving an obligation needs a reason; expected a non-empty reason, e.g. "
            '{"reason": "the party withdrew the heavy weapons before the deadline"}; fix: '
            "say why the obligation is waived",
            problems=(
                Problem(
                    Location("body", field="reason"),
                    found="nothing" if reason is None else repr(reason),
                    expected="a non-empty text saying why the obligation is waived",
                    fix="add a reason",
                    code="missing",
                ),
            ),
        )
    return text or None


def update_obligation(
    store: ObligationStore,
    principal: Principal,
    obligation_id: str,
    action: str,
    reason: str | None,
    now: datetime,
) -> ObligationUpdate:
    """Apply ``action`` (acknowledge, done, waive) to the obligation; audited; the update."""
    require(principal, Permission.OBLIGATIONS_UPDATE)
    status = _status_of(action)
    text = _reason(status, reason)
    facts = store.facts(obligation_id)
    if facts is None or not visible(principal, facts):
        raise _unknown(obligation_id)
    by = principal.username or f"user {principal.user_id}"

    def step(current: str) -> ObligationUpdate:
        if status not in TRANSITIONS.get(current, frozenset()):
            raise _refused(obligation_id, current, status)
        return ObligationUpdate(
            obligation_id=obligation_id,
            agreement_id=facts.agreement_id,
            status=status,
            reason=text,
            by_user=by,
            at=now,
            previous=current,
        )

    details = {"agreement_id": facts.agreement_id, "party": facts.party, "reason": text}
    return store.apply(obligation_id, step, audit_details=details)


def current_statuses(store: ObligationStore, obligation_ids: Sequence[str]) -> dict[str, str]:
    """Obligation id -> its current status (``open`` when it has no update), for every id."""
    found = store.current_statuses(list(dict.fromkeys(obligation_ids)))
    return {i: found.get(i, OPEN) for i in obligation_ids}
