"""The generated agreement catalogue renders deployed positions and every rule condition
(window, geofence, near), on the shipped agreements and on small models derived from them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from guarantor.agreement import model as m
from guarantor.agreement.loader import LoadedAgreement, load_agreement
from guarantor.reports.agreement_markdown import agreement_markdown

AGREEMENTS = Path(__file__).parents[3] / "agreements"


@pytest.fixture(scope="module")
def framework() -> LoadedAgreement:
    return load_agreement(AGREEMENTS / "framework-2025")


@pytest.fixture(scope="module")
def minsk() -> LoadedAgreement:
    return load_agreement(AGREEMENTS / "minsk-2015")


def _section(text: str, title: str) -> list[str]:
    """The lines of section ``## title`` up to the next ``## `` heading."""
    lines = text.splitlines()
    start = lines.index(f"## {title}") + 1
    rest = lines[start:]
    end = next((i for i, line in enumerate(rest) if line.startswith("## ")), len(rest))
    return [line for line in rest[:end] if line]


def _with_latest(loaded: LoadedAgreement, latest: m.ResolvedVersion) -> LoadedAgreement:
    return replace(loaded, versions=(*loaded.versions[:-1], latest))


def test_positions_table_has_one_row_per_position_with_every_field(
    framework: LoadedAgreement,
) -> None:
    section = _section(agreement_markdown(framework), "Positions")
    header, rule, *rows = section
    assert header == "| position | party | point | applies | source | status | rationale |"
    assert rule == "|---|---|---|---|---|---|---|"
    positions = framework.latest.positions
    assert len(positions) >= 2
    assert len(rows) == len(positions)
    for row, position in zip(rows, positions, strict=True):
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert cells[0] == f"`{position.id}` {position.label}"
        assert cells[1] == f"`{position.party}`"
        assert cells[2] == f"lon {position.lon:g}, lat {position.lat:g}"
        assert cells[4] == f"`{position.source}`"
        assert cells[5] == position.status
        assert cells[6] == position.rationale.replace("\n", " ")


def test_positions_applies_shows_the_held_interval_in_utc(framework: LoadedAgreement) -> None:
    rows = _section(agreement_markdown(framework), "Positions")[2:]
    # held from 1 January 2026 until 1 March 2026, +02:00 in the YAML
    staging = next(r for r in rows if r.startswith("| `fr-khmelnytskyi-staging-area`"))
    assert "| [2025-12-31 22:00 UTC, 2026-02-28 22:00 UTC) |" in staging
    lviv = next(r for r in rows if r.startswith("| `gb-lviv-logistics-hub`"))
    assert "| [2025-12-31 22:00 UTC, open) |" in lviv


def test_near_rule_line_names_distance_party_members_and_positions(
    framework: LoadedAgreement,
) -> None:
    conditions = _section(agreement_markdown(framework), "Rule conditions")
    near = [line for line in conditions if line.startswith("- `attack-near-contingent-position`@")]
    assert near == [
        "- `attack-near-contingent-position`@2025-12-15 near: within 25 km of a position held "
        "by `european-contingents` or one of its members (`de`, `fr`, `gb`) at the incident's "
        "time; positions: `gb-lviv-logistics-hub`, `fr-khmelnytskyi-staging-area`, "
        "`fr-rivne-brigade-base`, `de-ternopil-air-defence-site`"
    ]


def test_geofence_rule_line_names_the_zone_and_its_name(framework: LoadedAgreement) -> None:
    conditions = _section(agreement_markdown(framework), "Rule conditions")
    fence = [line for line in conditions if line.startswith("- `incident-in-deployment-zone`@")]
    zone = next(z for z in framework.latest.zones if z.id == "western-ukraine-deployment")
    assert fence == [
        f"- `incident-in-deployment-zone`@2025-12-15 geofence: inside zone "
        f"`western-ukraine-deployment` {zone.name}"
    ]


def test_window_line_resolves_the_threshold_param_per_revision(minsk: LoadedAgreement) -> None:
    conditions = _section(agreement_markdown(minsk), "Rule conditions")
    surge = [line for line in conditions if line.startswith("- `violation-surge`@")]
    revisions = [r for r in minsk.latest.rules if r.id == "violation-surge"]
    assert len(surge) == len(revisions) == 2
    for line, rule in zip(surge, revisions, strict=True):
        assert line == (
            f"- `violation-surge`@{rule.revision} window: count of matching incidents in "
            f"(t - 24 h, t] per oblast > `threshold` ({rule.params['threshold']})"
        )


def test_buffered_geofence_sum_window_and_near_without_positions(
    framework: LoadedAgreement,
) -> None:
    latest = framework.latest
    base = latest.rules[0]
    rules = (
        replace(base, id="fenced", geofence=m.Geofence(zone="ukraine", within_km=12.5)),
        replace(
            base,
            id="summed",
            window=m.Window(
                length_seconds=6 * 3600,
                group_by=("oblast", "actor"),
                measure="sum",
                op=">=",
                threshold=40.0,
                field="fatalities",
            ),
        ),
        replace(base, id="near-us", near=m.Near(party="us", within_km=5)),
    )
    text = agreement_markdown(_with_latest(framework, replace(latest, rules=rules)))
    rev = base.revision
    ukraine = next(z for z in latest.zones if z.id == "ukraine")
    assert _section(text, "Rule conditions") == [
        f"- `fenced`@{rev} geofence: within 12.5 km of zone `ukraine` {ukraine.name}",
        f"- `summed`@{rev} window: sum of `fatalities` over matching incidents in "
        "(t - 6 h, t] per oblast, actor >= 40",
        f"- `near-us`@{rev} near: within 5 km of a position held by `us` at the incident's "
        "time; positions: none listed",
    ]


def test_agreement_without_positions_or_conditions_has_no_such_sections(
    framework: LoadedAgreement,
) -> None:
    latest = framework.latest
    plain = tuple(replace(r, window=None, geofence=None, near=None) for r in latest.rules)
    text = agreement_markdown(_with_latest(framework, replace(latest, positions=(), rules=plain)))
    assert "## Positions" not in text
    assert "## Rule conditions" not in text
    assert "## Rules" in text


def test_added_position_appears_as_a_row(framework: LoadedAgreement) -> None:
    latest = framework.latest
    extra = m.Position(
        id="pl-lutsk-depot",
        party="gb",
        label="Depot | near Lutsk",
        lon=25.34,
        lat=50.75,
        applies=(m.Interval(datetime(2026, 4, 1, tzinfo=UTC)),),
        source="guarantor-illustrative",
        status="illustrative",
    )
    text = agreement_markdown(
        _with_latest(framework, replace(latest, positions=(*latest.positions, extra)))
    )
    assert _section(text, "Positions")[-1] == (
        "| `pl-lutsk-depot` Depot \\| near Lutsk | `gb` | lon 25.34, lat 50.75 | "
        "[2026-04-01 00:00 UTC, open) | `guarantor-illustrative` | illustrative |  |"
    )
