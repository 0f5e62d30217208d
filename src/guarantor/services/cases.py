"""Run an agreement's rule test cases with whatever evaluator the engine provides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from guarantor.agreement.cases import LoadedCase, read_cases
from guarantor.agreement.loader import LoadedAgreement
from guarantor.agreement.model import ResolvedVersion
from guarantor.errors import Problem

__all__ = ["CaseEvaluator", "CaseOutcome", "CaseReport", "run_cases"]

Finding = tuple[str, str, str]  # (kind, rule id, incident id)


class CaseEvaluator(Protocol):
    """Evaluates a case's incidents under a version; returns (kind, rule, incident) findings,
    kind being ``violation`` or ``activation``."""

    def __call__(
        self, version: ResolvedVersion, incidents: Sequence[dict[str, object]]
    ) -> set[Finding]: ...


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    case: LoadedCase
    status: str  # "passed", "failed" or "not run"
    missing: tuple[Finding, ...] = ()
    unexpected: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseReport:
    agreement_id: str
    outcomes: tuple[CaseOutcome, ...]
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems and all(o.status != "failed" for o in self.outcomes)


def _expected(case: LoadedCase) -> set[Finding]:
    found = {("violation", e.rule, e.incident) for e in case.case.expect.violations}
    return found | {("activation", e.rule, e.at) for e in case.case.expect.activations}


def run_cases(
    agreement: LoadedAgreement, folder: Path, evaluator: CaseEvaluator | None = None
) -> CaseReport:
    cases, problems = read_cases(folder, agreement)
    if evaluator is None:
        note = (
            "cases checked against the agreement; none was run because no evaluator "
            "was given (the CLI passes the rules engine)"
        )
        outcomes = tuple(CaseOutcome(c, "not run") for c in cases)
        return CaseReport(agreement.id, outcomes, tuple(problems), note)
    results = []
    for case in cases:
        version = agreement.version(case.case.version)
        got = evaluator(version, case.case.incidents)
        want = _expected(case)
        missing, unexpected = tuple(sorted(want - got)), tuple(sorted(got - want))
        status = "passed" if not missing and not unexpected else "failed"
        results.append(CaseOutcome(case, status, missing, unexpected))
    return CaseReport(agreement.id, tuple(results), tuple(problems))
