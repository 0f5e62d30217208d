"""A window that straddles an amendment: the minsk-2015 overlay lowers the surge threshold
from "more than 3" to "more than 1" in 24 hours from 00:01 Kyiv time on 27 July 2020.

Decided semantics: the revision in force at the triggering incident sets the threshold, and
the window counts the incidents before the amendment too (they matched the revision in force
at their own time). Checked in both targets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from engine_factories import pairs, run_both

from guarantor.agreement.loader import LoadedAgreement, load_agreement

MINSK = Path(__file__).parents[3] / "agreements" / "minsk-2015"


@pytest.fixture(scope="module")
def minsk() -> LoadedAgreement:
    return load_agreement(MINSK)


def shelling(identity: str, time: str) -> dict[str, Any]:
    # Marinka, Donetsk Oblast
    return {
        "id": identity,
        "type": "shelling",
        "time": time,
        "lat": 47.9453,
        "lon": 37.5054,
        "oblast": "Donetsk Oblast",
    }


BEFORE = [shelling("b1", "2020-07-26T20:00:00+03:00"), shelling("b2", "2020-07-26T22:00:00+03:00")]
AFTER = shelling("a1", "2020-07-27T01:00:00+03:00")


def surges(results: Any) -> list[tuple[str, str]]:
    return [p for p in pairs(results) if p[0] == "violation-surge"]


def test_the_first_incident_after_the_amendment_activates_counting_the_earlier_ones(
    minsk: LoadedAgreement,
) -> None:
    results = run_both(minsk.version("2020-07-27"), [*BEFORE, AFTER])
    assert surges(results) == [("violation-surge", "a1")]
    row = results.activations.filter(rule_id="violation-surge").row(0, named=True)
    assert row["revision"] == "2020-07-27"
    assert (row["measure"], row["threshold"]) == (3.0, 1.0)
    assert row["contributing"] == ["b1", "b2", "a1"]


def test_before_the_amendment_the_same_window_is_judged_by_the_old_threshold(
    minsk: LoadedAgreement,
) -> None:
    results = run_both(minsk.version("2020-07-27"), BEFORE)
    assert surges(results) == []


def test_under_the_baseline_the_straddling_window_stays_below_its_threshold(
    minsk: LoadedAgreement,
) -> None:
    results = run_both(minsk.version("2015-02-12"), [*BEFORE, AFTER])
    assert surges(results) == []


def test_the_explanation_renders_the_clause_with_the_threshold_in_force(
    minsk: LoadedAgreement,
) -> None:
    results = run_both(minsk.version("2020-07-27"), [*BEFORE, AFTER])
    text = results.activations.filter(rule_id="violation-surge")["explanation"][0]
    assert "When more than 1 ceasefire violations" in text
