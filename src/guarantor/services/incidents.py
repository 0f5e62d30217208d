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
from dataclasses import dataclass

import polars as pl

from guarantor.agreement.loader import LoadedAgreement
from guarantor.errors import NotFound
from guarantor.evidence.fusion import fuse
from guarantor.scenarios import Results, VersionDiff, diff, evaluate_history, evaluate_under
from guarantor.services.incident_ports import EvaluationRun, FusionRun, IncidentStore, ReportSource

__all__ = [
    "Replay",
    "evaluable",
    "evaluate",
    "evaluate_diff",
    "explain",
    "fuse_all",
    "replay_minsk",
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
