"""Use cases on incidents: fuse the stored reports, evaluate an agreement over the incidents,
compare two versions, explain one finding, and replay the Minsk ceasefire over history.

Incidents go to the engine as they are stored: the engine reads ``incident_id`` as the rule
field ``id`` (:func:`guarantor.scenarios.prepare_incidents`), so no renaming is needed. An
incident's time is its fused ``time``, the start of the most precise member report's span:
a report dated to the month (``time_precision`` 4) is judged at the first instant of that
month, never on another day. Incidents with analyst status ``rejected`` are not evaluated.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from guarantor.agreement.loader import LoadedAgreement
from guarantor.errors import GuarantorError, NotFound
from guarantor.evidence.fusion import fuse
from guarantor.evidence.fusion.decisions import (
    Confirm,
    Decision,
    Merge,
    NotSame,
    Reject,
    Split,
    decision_reports,
)
from guarantor.scenarios import Results, VersionDiff, diff, evaluate_history, evaluate_under
from guarantor.services.incident_ports import EvaluationRun, FusionRun, IncidentStore, ReportSource

__all__ = [
    "Decided",
    "Replay",
    "confirm",
    "evaluable",
    "evaluate",
    "evaluate_diff",
    "explain",
    "fuse_all",
    "merge",
    "not_same",
    "reject",
    "replay_minsk",
    "split",
]


def fuse_all(reports: ReportSource, store: IncidentStore) -> FusionRun:
    """Fuse every stored report under the stored decisions; replace the stored incidents."""
    started = time.perf_counter()
    frame = reports.reports_frame()
    result = fuse(frame, store.decisions())
    run = FusionRun(
        run_id=str(uuid.uuid4()),
        reports=frame.height,
        incidents=result.incidents.height,
        seconds=time.perf_counter() - started,
    )
    store.save_fusion(result, run)
    return run


@dataclass(frozen=True, slots=True)
class Decided:
    """A recorded decision (its sequence number), the fusion run after it, and the
    incidents now holding the reports it names."""

    seq: int
    decision: Decision
    run: FusionRun
    incident_ids: tuple[str, ...]


def _members(store: IncidentStore, incident_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each incident id's member report keys; NotFound naming every unknown id."""
    found = store.members(incident_ids)
    missing = [i for i in incident_ids if i not in found]
    if missing:
        raise NotFound(
            f"no stored incident {', '.join(repr(m) for m in missing)}; expected an incident "
            "id such as inc-0123456789abcdef; fix: run `guarantor fuse` and copy an id of the "
            "current incidents (ids change when membership changes)"
        )
    return found


def _analyst(by: str) -> str:
    if not by.strip():
        raise GuarantorError("give who decides, e.g. --by analyst.kovalenko")
    return by.strip()


def _record(
    reports: ReportSource,
    store: IncidentStore,
    decision: Decision,
    subject: Sequence[str],
) -> Decided:
    """Store the decision (audited), re-fuse, and name the incidents holding its reports."""
    seq = store.record_decision(
        decision, subject=",".join(subject), details={"incidents": list(subject)}
    )
    run = fuse_all(reports, store)
    holding = store.incidents_of(decision_reports(decision))
    return Decided(seq, decision, run, tuple(sorted(set(holding.values()))))


def merge(
    reports: ReportSource,
    store: IncidentStore,
    incident_ids: Sequence[str],
    *,
    by: str,
    reason: str = "",
    when: datetime | None = None,
) -> Decided:
    """Record that these incidents are one event (all their reports), then re-fuse."""
    ids = list(dict.fromkeys(incident_ids))
    if len(ids) < 2:
        raise GuarantorError("give at least two different incident ids to merge")
    members = _members(store, ids)
    keys = tuple(sorted({k for i in ids for k in members[i]}))
    decision = Merge(keys, _analyst(by), when or datetime.now(UTC), reason)
    return _record(reports, store, decision, ids)


def split(
    reports: ReportSource,
    store: IncidentStore,
    incident_id: str,
    groups: Sequence[Sequence[str]],
    *,
    by: str,
    reason: str = "",
    when: datetime | None = None,
) -> Decided:
    """Record that these groups of the incident's reports are different events, re-fuse."""
    members = set(_members(store, [incident_id])[incident_id])
    clean = [tuple(sorted({k.strip() for k in g if k.strip()})) for g in groups]
    clean = [g for g in clean if g]
    if len(clean) < 2:
        raise GuarantorError(
            "give at least two groups of report keys, e.g. --group KEY1,KEY2 --group KEY3"
        )
    named = [k for g in clean for k in g]
    strangers = sorted({k for k in named if k not in members})
    if strangers:
        raise NotFound(
            f"report(s) {', '.join(strangers)} are not members of {incident_id}; "
            f"its members are {', '.join(sorted(members))}"
        )
    if len(named) != len(set(named)):
        raise GuarantorError("a report key appears in more than one group; name each once")
    decision = Split(tuple(clean), _analyst(by), when or datetime.now(UTC), reason)
    return _record(reports, store, decision, [incident_id])


def _one_report(store: IncidentStore, ref: str) -> str:
    """A report key standing for ``ref``: the smallest member key of an incident id, or
    ``ref`` itself when it is the key of a fused report."""
    members = store.members([ref])
    if ref in members:
        return members[ref][0]
    if ref in store.incidents_of([ref]):
        return ref
    raise NotFound(
        f"no stored incident or fused report {ref!r}; expected an incident id such as "
        "inc-0123456789abcdef or a report key; fix: run `guarantor fuse` and copy a current id"
    )


def not_same(
    reports: ReportSource,
    store: IncidentStore,
    first: str,
    second: str,
    *,
    by: str,
    reason: str = "",
    when: datetime | None = None,
) -> Decided:
    """Record that two incidents (their smallest report keys), or two reports given by key,
    are not the same event; re-fuse."""
    a, b = _one_report(store, first), _one_report(store, second)
    if a == b:
        raise GuarantorError(f"{first} and {second} name the same report; give two different")
    decision = NotSame(a, b, _analyst(by), when or datetime.now(UTC), reason)
    return _record(reports, store, decision, [first, second])


def _assess(
    kind: type[Confirm] | type[Reject],
    reports: ReportSource,
    store: IncidentStore,
    incident_id: str,
    by: str,
    reason: str,
    when: datetime | None,
) -> Decided:
    """Record ``kind`` for the incident (its smallest report key); re-fuse."""
    key = _members(store, [incident_id])[incident_id][0]
    decision = kind(key, _analyst(by), when or datetime.now(UTC), reason)
    return _record(reports, store, decision, [incident_id])


def confirm(
    reports: ReportSource,
    store: IncidentStore,
    incident_id: str,
    *,
    by: str,
    reason: str = "",
    when: datetime | None = None,
) -> Decided:
    """Record that the incident is confirmed; re-fuse."""
    return _assess(Confirm, reports, store, incident_id, by, reason, when)


def reject(
    reports: ReportSource,
    store: IncidentStore,
    incident_id: str,
    *,
    by: str,
    reason: str = "",
    when: datetime | None = None,
) -> Decided:
    """Record that the incident is rejected; re-fuse."""
    return _assess(Reject, reports, store, incident_id, by, reason, when)


def evaluable(store: IncidentStore) -> pl.DataFrame:
    """The stored incidents the engine judges (all but those analysts rejected)."""
    frame = store.incidents_frame()
    return frame.filter(pl.col("status").ne_missing("rejected"))


def evaluate(
    store: IncidentStore, agreement: LoadedAgreement, version_id: str | None = None
) -> tuple[EvaluationRun, Results]:
    """Evaluate the agreement over the stored incidents and store the results (replacing
    the agreement's earlier ones). Without ``version_id``: history, each incident judged by
    the version in force at its time; with it: all history under that version."""
    incidents = evaluable(store)
    if version_id is None:
        results = evaluate_history(agreement, incidents)
    else:
        results = evaluate_under(agreement, incidents, version_id)
    counts = Counter(results.violations["rule_id"].to_list())
    counts.update(results.activations["rule_id"].to_list())
    run = EvaluationRun(str(uuid.uuid4()), agreement.id, version_id, dict(sorted(counts.items())))
    store.save_results(run, results)
    return run, results


def evaluate_diff(
    store: IncidentStore, agreement: LoadedAgreement, version_a: str, version_b: str
) -> VersionDiff:
    """What versions a and b would decide differently over the stored incidents."""
    return diff(agreement.version(version_a), agreement.version(version_b), evaluable(store))


def explain(store: IncidentStore, finding_id: str) -> str:
    """The JSON explanation of a violation (``incident_id:rule_id``), activation or obligation."""
    found = store.explanation(finding_id)
    if found is None:
        raise NotFound(
            f"nothing stored under {finding_id!r}; expected a violation as INCIDENT_ID:RULE_ID "
            "(e.g. inc-0123456789abcdef:ceasefire-hostile-act), an activation id or an "
            "obligation id; fix: run `guarantor evaluate --agreement A` and copy an id"
        )
    return found


@dataclass(frozen=True, slots=True)
class Replay:
    """A replay: what was fused (None: the stored incidents were current), the evaluation,
    and violations per month (``month`` as YYYY-MM, UTC) and per ``oblast``."""

    fusion: FusionRun | None
    run: EvaluationRun
    violations: int
    per_month: pl.DataFrame
    per_oblast: pl.DataFrame


def replay_minsk(reports: ReportSource, store: IncidentStore, agreement: LoadedAgreement) -> Replay:
    """Fuse the stored reports unless every one is fused already, evaluate the agreement
    (minsk-2015) over history, and count its violations per month and per oblast."""
    fusion = None
    if store.fused_reports() != reports.count_reports() or not store.fused_reports():
        fusion = fuse_all(reports, store)
    run, results = evaluate(store, agreement)
    found = results.violations.join(
        store.incidents_frame().select("incident_id", "oblast"), on="incident_id", how="left"
    )
    per_month = (
        found.group_by(month=pl.col("time").dt.strftime("%Y-%m"))
        .agg(violations=pl.len())
        .sort("month")
    )
    per_oblast = (
        found.group_by(pl.col("oblast").fill_null("(unknown)"))
        .agg(violations=pl.len())
        .sort("violations", "oblast", descending=[True, False])
    )
    return Replay(fusion, run, found.height, per_month, per_oblast)
