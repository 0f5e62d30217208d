"""Every violation, activation and obligation carries a structured JSON explanation; due
times follow the directives."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from engine_factories import run_both

from guarantor.agreement.canonical import content_hash
from guarantor.agreement.loader import LoadedAgreement, load_agreement
from guarantor.scenarios.results import Results

MINSK = Path(__file__).parents[3] / "agreements" / "minsk-2015"
HEADER = {
    "agreement_id",
    "version_id",
    "version_hash",
    "rule_id",
    "revision",
    "rule_title",
    "rule_status",
    "clause",
    "clause_text",
    "when",
    "params",
}
GRADES = {"id", "time", "credibility", "reliability", "sources", "status"}


def violation(identity: str, time: str, **grades: Any) -> dict[str, Any]:
    return {
        "id": identity,
        "type": "small_arms_fire",
        "time": time,
        "lat": 47.9453,
        "lon": 37.5054,
        "oblast": "Donetsk Oblast",
        **grades,
    }


@pytest.fixture(scope="module")
def minsk() -> LoadedAgreement:
    return load_agreement(MINSK)


@pytest.fixture(scope="module")
def surge(minsk: LoadedAgreement) -> Results:
    records = [
        violation("i1", "2015-05-01T10:00:00+03:00", credibility=2, reliability="B", sources=2),
        violation("i2", "2015-05-01T14:00:00+03:00", credibility=3, reliability="C", sources=1),
        violation("i3", "2015-05-01T22:00:00+03:00", status="confirmed"),
        violation("i4", "2015-05-02T09:59:59+03:00", credibility=1, reliability="A", sources=3),
    ]
    return run_both(minsk.version("2015-02-12"), records)


def test_a_violation_explanation_names_rule_version_clause_and_the_graded_incident(
    minsk: LoadedAgreement, surge: Results
) -> None:
    document = json.loads(surge.violations["explanation"][0])
    assert document.keys() >= HEADER
    assert document["kind"] == "violation"
    assert document["version_hash"] == content_hash(minsk.version("2015-02-12"))
    assert document["clause"] == "pm-1"
    assert document["clause_text"].startswith("Immediate and comprehensive ceasefire")
    assert document["incident"] == {
        "id": "i1",
        "time": "2015-05-01T07:00:00.000000Z",
        "credibility": 2,
        "reliability": "B",
        "sources": 2,
        "status": None,
    }


def test_an_activation_explanation_gives_window_measure_threshold_and_contributors(
    surge: Results,
) -> None:
    document = json.loads(surge.activations["explanation"][0])
    assert document.keys() >= HEADER
    assert document["kind"] == "activation"
    assert document["clause_text"].startswith("When more than 3 ceasefire violations")
    assert document["trigger"] == "i4"
    assert document["group"] == {"oblast": "Donetsk Oblast"}
    assert document["window"] == {
        "start": "2015-05-01T06:59:59.000000Z",
        "end": "2015-05-02T06:59:59.000000Z",
        "length_seconds": 86_400,
    }
    assert document["measure"] == {
        "kind": "count",
        "field": None,
        "value": 4.0,
        "op": ">",
        "threshold": 3.0,
        "threshold_param": "threshold",
    }
    contributors = document["contributing"]
    assert [c["id"] for c in contributors] == ["i1", "i2", "i3", "i4"]
    assert all(c.keys() == GRADES for c in contributors)
    assert contributors[3]["reliability"] == "A"


def test_each_directive_party_gets_an_obligation_due_after_its_deadline(surge: Results) -> None:
    activation = surge.activations.row(0, named=True)
    obligations = {row["party"]: row for row in surge.obligations.iter_rows(named=True)}
    assert set(obligations) == {"osce-smm", "tcg"}
    assert obligations["osce-smm"]["due"] == activation["time"] + timedelta(hours=24)
    assert obligations["tcg"]["due"] == activation["time"] + timedelta(hours=72)
    assert {row["status"] for row in obligations.values()} == {"open"}
    smm = obligations["osce-smm"]
    assert smm["obligation_id"] == (
        "minsk-2015/violation-surge/i4/surge-spot-report-and-tcg/osce-smm"
    )
    document = json.loads(smm["explanation"])
    assert document["kind"] == "obligation"
    assert document["directive_id"] == "surge-spot-report-and-tcg"
    assert document["due"] == "2015-05-03T06:59:59.000000Z"
    assert document["within_seconds"] == 86_400
    assert document["activation"]["trigger"] == "i4"
    assert "spot report" in document["directive_clause_text"]
