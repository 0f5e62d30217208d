"""Ports of the incident use cases: what fusion and evaluation need from storage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import polars as pl

from guarantor.evidence.fusion import FusionResult
from guarantor.evidence.fusion.decisions import Decision
from guarantor.scenarios import Results

__all__ = ["EvaluationRun", "FusionRun", "IncidentStore", "ReportSource"]


@dataclass(frozen=True, slots=True)
class FusionRun:
    run_id: str
    reports: int
    incidents: int
    seconds: float


@dataclass(frozen=True, slots=True)
class EvaluationRun:
    run_id: str
    agreement_id: str
    version_id: str | None  # None: history (each incident judged by the version in force)
    counts: Mapping[str, int]  # rule id -> violations + activations of the rule


class ReportSource(Protocol):
    """The stored reports (REPORT_SCHEMA)."""

    def reports_frame(self) -> pl.DataFrame: ...

    def count_reports(self) -> int: ...


class IncidentStore(Protocol):
    """Incidents, membership, decisions and the rule results of each agreement."""

    def decisions(self) -> list[Decision]: ...

    def add_decision(self, decision: Decision) -> int: ...

    def record_decision(
        self, decision: Decision, *, subject: str, details: Mapping[str, Any]
    ) -> int:
        """Store a decision and its audit entry in one transaction; its sequence number."""

    def members(self, incident_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """Stored incident id -> its member report keys (sorted); unknown ids are absent."""

    def incidents_of(self, report_keys: Sequence[str]) -> dict[str, str]:
        """Report key -> the stored incident holding it; unfused keys are absent."""

    def save_fusion(self, result: FusionResult, run: FusionRun) -> None:
        """Replace the incidents and membership, in one transaction."""

    def incidents_frame(self) -> pl.DataFrame:
        """Every incident (INCIDENT_SCHEMA), ordered by time and id."""

    def fused_reports(self) -> int:
        """How many reports the stored incidents cover."""

    def save_results(self, run: EvaluationRun, results: Results) -> None:
        """Replace the results of ``run.agreement_id``, in one transaction."""

    def violations_frame(self, agreement_id: str) -> pl.DataFrame:
        """The stored violations of an agreement (VIOLATION_SCHEMA)."""

    def explanation(self, finding_id: str) -> str | None:
        """The JSON explanation of a violation (``incident_id:rule_id``), activation or
        obligation id; None when nothing is stored under that id."""
