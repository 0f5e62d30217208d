"""Analyst decisions over HTTP: confirm, reject, split, merge, not-same.

``POST /api/incidents/{id}/confirm|reject|split``, ``POST /api/incidents/merge``,
``POST /api/incidents/not-same``. Each goes through the use case the CLI
(``guarantor incident ...``) uses (:mod:`guarantor.services.incidents`): the decision is
stored with who (the signed-in user) and when, audited in the same transaction, and followed
by a fusion run; the answer names the incidents now holding the decision's reports. Permission
``incidents.assess``; an incident not released to the user's party answers 404 like an unknown
id. A party user's answer names only incidents released to it and leaves out the fusion totals
(they count every report).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from guarantor.evidence.fusion.decisions import decision_reports, decision_to_dict
from guarantor.services import incidents
from guarantor.services.incident_access import require_visible, split_off, visible_only
from guarantor.services.security import Permission, Principal
from guarantor.web.auth import requires
from guarantor.web.deps import application_of, now

__all__ = ["Decided", "router"]

router = APIRouter(prefix="/api/incidents", tags=["decisions"])

Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Assessor = Annotated[Principal, Depends(requires(Permission.INCIDENTS_ASSESS))]


class Judgement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(default="", description="why, kept with the decision")


class SplitOff(Judgement):
    report_keys: list[Id] = Field(
        min_length=1,
        max_length=10_000,
        description="member reports of the incident that are another event",
    )


class Merge(Judgement):
    incident_ids: list[Id] = Field(
        min_length=2, max_length=1_000, description="incidents that are one event"
    )


class NotSame(Judgement):
    first: Id = Field(description="incident id A")
    second: Id = Field(description="incident id B")


class Fusion(BaseModel):
    run_id: str
    reports: int
    incidents: int


class Decided(BaseModel):
    decision: int = Field(description="sequence number of the stored decision")
    kind: str
    by: str
    at: datetime
    reason: str
    report_keys: list[str] = Field(description="the reports the decision names")
    incident_ids: list[str] = Field(
        description="incidents now holding those reports (those visible to the user)"
    )
    fusion: Fusion | None = Field(
        description="the fusion run after the decision; totals over every report, so shown "
        "to the verification cell only (null for a party user)"
    )

    @classmethod
    def of(cls, done: incidents.Decided, shown: tuple[str, ...], cell: bool) -> Decided:
        decision = done.decision
        return cls(
            decision=done.seq,
            kind=str(decision_to_dict(decision)["kind"]),
            by=decision.who,
            at=decision.when,
            reason=decision.reason,
            report_keys=list(decision_reports(decision)),
            incident_ids=list(shown),
            fusion=(
                Fusion(
                    run_id=done.run.run_id, reports=done.run.reports, incidents=done.run.incidents
                )
                if cell
                else None
            ),
        )


def _decide(
    request: Request,
    principal: Principal,
    incident_ids: list[str],
    use_case: Callable[..., incidents.Decided],
    *targets: object,
    reason: str,
) -> Decided:
    application = application_of(request)
    store = application.incident_store()
    markings = application.obligation_store()
    require_visible(markings, principal, incident_ids)
    by = principal.username or f"user {principal.user_id}"
    done = use_case(application.report_source(), store, *targets, by=by, reason=reason, when=now())
    shown = visible_only(markings, principal, done.incident_ids)
    return Decided.of(done, shown, principal.party is None)


@router.post("/merge", summary="Record that incidents are one event")
def merge(request: Request, principal: Assessor, body: Merge) -> Decided:
    ids = list(dict.fromkeys(body.incident_ids))
    return _decide(request, principal, ids, incidents.merge, ids, reason=body.reason)


@router.post("/not-same", summary="Record that two incidents are not the same event")
def not_same(request: Request, principal: Assessor, body: NotSame) -> Decided:
    ids = [body.first, body.second]
    return _decide(
        request, principal, ids, incidents.not_same, body.first, body.second, reason=body.reason
    )


@router.post("/{incident_id}/confirm", summary="Confirm an incident")
def confirm(
    request: Request, incident_id: str, principal: Assessor, body: Judgement | None = None
) -> Decided:
    reason = body.reason if body is not None else ""
    return _decide(request, principal, [incident_id], incidents.confirm, incident_id, reason=reason)


@router.post("/{incident_id}/reject", summary="Reject an incident (it is not evaluated)")
def reject(
    request: Request, incident_id: str, principal: Assessor, body: Judgement | None = None
) -> Decided:
    reason = body.reason if body is not None else ""
    return _decide(request, principal, [incident_id], incidents.reject, incident_id, reason=reason)


@router.post("/{incident_id}/split", summary="Split reports off an incident as another event")
def split(request: Request, incident_id: str, principal: Assessor, body: SplitOff) -> Decided:
    return _decide(
        request,
        principal,
        [incident_id],
        split_off,
        incident_id,
        body.report_keys,
        reason=body.reason,
    )
