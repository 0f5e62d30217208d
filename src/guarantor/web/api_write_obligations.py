"""``POST /api/obligations/{id}/acknowledge|done|waive``: change an obligation's status.

Through :func:`guarantor.services.obligations.update_obligation` (permission
``obligations.update``, visibility, allowed transitions, audited in the same transaction).
Obligation ids contain slashes (``AGREEMENT/RULE/INCIDENT/DIRECTIVE/PARTY``): they are sent
as they are, e.g. ``POST /api/obligations/minsk-2015/withdraw/inc-1/d1/ua/acknowledge``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from guarantor.services import obligations as service
from guarantor.services.obligation_ports import ObligationUpdate
from guarantor.services.security import Principal
from guarantor.web.auth import current_principal
from guarantor.web.deps import application_of, now

__all__ = ["ObligationChanged", "router"]

router = APIRouter(prefix="/api/obligations", tags=["obligations"])

Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
RequiredReason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
]


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = Field(default=None, description="why (optional here)")


class Waiver(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: RequiredReason = Field(
        description="why the obligation is waived (required)",
        examples=["the party withdrew the weapons before the deadline"],
    )


class ObligationChanged(BaseModel):
    obligation_id: str
    agreement_id: str
    status: str = Field(description="acknowledged, done or waived")
    previous: str = Field(description="the status it replaced (open when it had none)")
    reason: str | None
    by: str
    at: datetime
    update: int = Field(description="sequence number of the stored update")

    @classmethod
    def of(cls, update: ObligationUpdate) -> ObligationChanged:
        return cls(
            obligation_id=update.obligation_id,
            agreement_id=update.agreement_id,
            status=update.status,
            previous=update.previous,
            reason=update.reason,
            by=update.by_user,
            at=update.at,
            update=update.seq,
        )


def _apply(
    request: Request, principal: Principal, obligation_id: str, action: str, reason: str | None
) -> ObligationChanged:
    store = application_of(request).obligation_store()
    changed = service.update_obligation(store, principal, obligation_id, action, reason, now())
    return ObligationChanged.of(changed)


Signed = Annotated[Principal, Depends(current_principal)]


@router.post("/{obligation_id:path}/acknowledge", summary="Acknowledge an obligation")
def acknowledge(
    request: Request, obligation_id: str, principal: Signed, body: StatusChange | None = None
) -> ObligationChanged:
    """open -> acknowledged. 409 ``transition_refused`` from any other status."""
    reason = body.reason if body is not None else None
    return _apply(request, principal, obligation_id, "acknowledge", reason)


@router.post("/{obligation_id:path}/done", summary="Mark an obligation done")
def done(
    request: Request, obligation_id: str, principal: Signed, body: StatusChange | None = None
) -> ObligationChanged:
    """open or acknowledged -> done (final)."""
    reason = body.reason if body is not None else None
    return _apply(request, principal, obligation_id, "done", reason)


@router.post("/{obligation_id:path}/waive", summary="Waive an obligation (with a reason)")
def waive(
    request: Request, obligation_id: str, principal: Signed, body: Waiver
) -> ObligationChanged:
    """open or acknowledged -> waived (final); ``{"reason": "..."}`` is required."""
    return _apply(request, principal, obligation_id, "waive", body.reason)
