"""The rules engine as a case evaluator: what ``guarantor agreement test`` runs.

:func:`evaluate_case` has the signature of ``guarantor.services.cases.CaseEvaluator``
(scenarios sits below services, so it does not import the protocol): it evaluates a case's
incidents under one version with the batch target and returns the findings the case runner
compares, ``(kind, rule id, incident id)`` with kind ``violation`` or ``activation``.
:func:`evaluate_case_both` also runs the stream target and refuses to answer if the two
disagree, which is how the shipped cases double as batch-equals-stream tests.
"""

from __future__ import annotations

from collections.abc import Sequence

from guarantor.agreement.model import ResolvedVersion
from guarantor.scenarios.batch import evaluate_prepared
from guarantor.scenarios.errors import ScenarioError
from guarantor.scenarios.frame import records_to_frame
from guarantor.scenarios.program import compile_version
from guarantor.scenarios.results import Finding
from guarantor.scenarios.stream import LiveResults, StreamEvaluator

__all__ = ["evaluate_case", "evaluate_case_both"]


def evaluate_case(version: ResolvedVersion, incidents: Sequence[dict[str, object]]) -> set[Finding]:
    """The violations and activations of ``incidents`` under ``version`` (batch)."""
    program = compile_version(version)
    return evaluate_prepared(program, records_to_frame(incidents)).findings()


def evaluate_case_both(
    version: ResolvedVersion, incidents: Sequence[dict[str, object]]
) -> set[Finding]:
    """As :func:`evaluate_case`, checked against the stream fed the incidents in the case's
    order (with a lateness that accepts any order)."""
    batch = evaluate_case(version, incidents)
    stream = StreamEvaluator(version, lateness_seconds=10**10)
    live = LiveResults()
    for record in incidents:
        live.apply(stream.push(record))
    found = live.results().findings()
    if found != batch:
        raise ScenarioError(
            f"batch and stream disagree on a case under version '{version.version.id}': "
            f"only batch {sorted(batch - found)}, only stream {sorted(found - batch)}"
        )
    return batch
