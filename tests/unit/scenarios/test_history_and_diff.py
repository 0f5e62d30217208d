"""History: each incident judged by the version in force at its time; re-evaluation of all
history under a chosen version; the diff between two versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from engine_factories import pairs

from guarantor.agreement.loader import LoadedAgreement, load_agreement
from guarantor.scenarios.frame import records_to_frame
from guarantor.scenarios.history import diff, evaluate_history, evaluate_under, version_intervals

MINSK = Path(__file__).parents[3] / "agreements" / "minsk-2015"


@pytest.fixture(scope="module")
def minsk() -> LoadedAgreement:
    return load_agreement(MINSK)


def act(identity: str, kind: str, time: str) -> dict[str, Any]:
    # Marinka, Donetsk Oblast, near the line
    return {
        "id": identity,
        "type": kind,
        "time": time,
        "lat": 47.9453,
        "lon": 37.5054,
        "oblast": "Donetsk Oblast",
    }


HISTORY = [
    act("pre", "shelling", "2015-02-14T23:59:59+02:00"),
    act("start", "shelling", "2015-02-15T00:00:00+02:00"),
    act("old-sniper", "sniper_fire", "2019-06-01T12:00:00+03:00"),
    act("b1", "shelling", "2020-07-26T20:00:00+03:00"),
    act("b2", "shelling", "2020-07-26T22:00:00+03:00"),
    act("new-sniper", "sniper_fire", "2020-07-27T01:00:00+03:00"),
]


def test_each_version_governs_from_its_effective_time_until_the_next(
    minsk: LoadedAgreement,
) -> None:
    intervals = [(v.version.id, start) for v, start, _ in version_intervals(minsk)]
    assert [v for v, _ in intervals] == ["2015-02-12", "2020-07-27", "2022-02-22"]
    assert intervals[0][1] < intervals[1][1] < intervals[2][1]


def test_minsk_incidents_before_the_ceasefire_produce_no_violation(
    minsk: LoadedAgreement,
) -> None:
    results = evaluate_history(minsk, records_to_frame(HISTORY))
    violations = pairs(results, "violations")
    assert ("ceasefire-hostile-act", "pre") not in violations
    assert ("ceasefire-hostile-act", "start") in violations


def test_history_judges_each_incident_by_the_version_in_force_at_its_time(
    minsk: LoadedAgreement,
) -> None:
    results = evaluate_history(minsk, records_to_frame(HISTORY))
    versions = dict(
        zip(results.violations["incident_id"], results.violations["version_id"], strict=False)
    )
    assert versions["old-sniper"] == "2015-02-12"
    assert versions["new-sniper"] == "2020-07-27"
    assert ("sniper-fire", "old-sniper") not in pairs(results, "violations")
    assert ("sniper-fire", "new-sniper") in pairs(results, "violations")
    # the window straddling the amendment counts b1 and b2 under the new threshold
    assert ("violation-surge", "new-sniper") in pairs(results)


def test_re_evaluating_history_under_a_chosen_version_uses_only_its_rules(
    minsk: LoadedAgreement,
) -> None:
    baseline = evaluate_under(minsk, records_to_frame(HISTORY), "2015-02-12")
    assert {r for r, _ in pairs(baseline, "violations")} == {"ceasefire-hostile-act"}
    assert set(baseline.violations["version_id"]) == {"2015-02-12"}
    latest = evaluate_under(minsk, records_to_frame(HISTORY))
    assert ("sniper-fire", "new-sniper") in pairs(latest, "violations")


def test_the_diff_lists_what_the_amendment_adds_and_nothing_else(
    minsk: LoadedAgreement,
) -> None:
    changes = diff(
        minsk.version("2015-02-12"), minsk.version("2020-07-27"), records_to_frame(HISTORY)
    )
    assert (changes.a, changes.b) == ("2015-02-12", "2020-07-27")
    assert changes.violations.select("change", "incident_id", "rule_id").rows() == [
        ("added", "new-sniper", "sniper-fire")
    ]
    assert sorted(changes.activations.select("change", "activation_id").rows()) == [
        ("added", "minsk-2015/measures-breach/new-sniper"),
        ("added", "minsk-2015/violation-surge/new-sniper"),
    ]
    parties = sorted(changes.obligations["obligation_id"].str.split("/").list.last())
    assert parties == ["cadlr-armed-formations", "osce", "osce-smm", "tcg", "ua"]
    assert set(changes.obligations["change"]) == {"added"}


def test_the_diff_of_a_version_with_itself_is_empty(minsk: LoadedAgreement) -> None:
    version = minsk.version("2020-07-27")
    assert diff(version, version, records_to_frame(HISTORY)).empty
