"""Every rule case of both shipped agreements runs through the rules engine and passes, in
the batch target and checked against the stream target."""

from __future__ import annotations

from pathlib import Path

import pytest

from guarantor.agreement.loader import load_agreement
from guarantor.scenarios.case_evaluator import evaluate_case, evaluate_case_both
from guarantor.services.cases import run_cases

AGREEMENTS = Path(__file__).parents[2] / "agreements"


@pytest.mark.parametrize("name", ["minsk-2015", "framework-2025"])
@pytest.mark.parametrize("evaluator", [evaluate_case, evaluate_case_both])
def test_every_case_of_the_shipped_agreement_passes(name: str, evaluator: object) -> None:
    agreement = load_agreement(AGREEMENTS / name)
    report = run_cases(agreement, agreement.folder / "cases", evaluator)  # type: ignore[arg-type]
    failed = [
        f"{o.case.case.name}: missing {o.missing}, unexpected {o.unexpected}"
        for o in report.outcomes
        if o.status != "passed"
    ]
    assert not report.problems
    assert report.outcomes
    assert failed == []
