"""Batch violations keep their explanations columnar until read: the text rendered from the
columns is, byte for byte, the document the per-incident path (``violation_json``) writes."""

from __future__ import annotations

import json

import polars as pl
from engine_factories import engine_version, incident, position, rule

from guarantor.agreement.model import Near
from guarantor.scenarios import evaluate_batch, records_to_frame
from guarantor.scenarios.explain import violation_json
from guarantor.scenarios.frame import prepare_incidents
from guarantor.scenarios.positions import add_position_columns, position_index
from guarantor.scenarios.program import compile_version

WEST = position("p-west", "ua", 37.6, 47.6, (0.0, None))
VERSION = engine_version(
    rule("clash", 'type == "clash"'),
    rule("heavy", "severity >= 3", clause="c1"),
    rule("by-post", 'type == "clash"', near=Near("ua", 30.0)),
    positions=(WEST,),
)
RECORDS = [
    incident("a", 1, type="clash", severity=4, lon=37.7, lat=47.65, credibility=0.8),
    incident("b", 2, type="shelling", severity=3, sources=3, status="confirmed"),
    incident("c", 2, type="clash", lon=39.5, lat=49.0, reliability="B"),
    incident("d", 3, type="drone", severity=1),
]


def test_violations_are_held_columnar_and_render_once_when_read() -> None:
    results = evaluate_batch(VERSION, records_to_frame(RECORDS))
    table = results.violation_table()
    assert isinstance(table.schema["explanation"], pl.Struct)
    assert table.height == 5
    shown = results.violations
    assert shown.schema["explanation"] == pl.String
    assert shown.drop("explanation").equals(table.drop("explanation"))
    assert results.violations is shown  # rendered once, then kept
    assert results.violation_table().schema["explanation"] == pl.String


def test_rendered_text_is_the_per_incident_document_byte_for_byte() -> None:
    results = evaluate_batch(VERSION, records_to_frame(RECORDS))
    program = compile_version(VERSION)
    prepared = prepare_incidents(records_to_frame(RECORDS))
    prepared = add_position_columns(prepared, position_index(VERSION, program.near_parties))
    records = {row["incident_id"]: row for row in prepared.to_dicts()}
    revisions = {r.rule_id: r for r in program.revisions}
    seen = set()
    for row in results.violations.iter_rows(named=True):
        expected = violation_json(revisions[row["rule_id"]], records[row["incident_id"]])
        assert row["explanation"] == expected
        seen.add((row["rule_id"], row["incident_id"]))
        if row["rule_id"] == "by-post":
            assert json.loads(row["explanation"])["near"]["position"] == "p-west"
    assert seen == {
        ("clash", "a"),
        ("clash", "c"),
        ("heavy", "a"),
        ("heavy", "b"),
        ("by-post", "a"),
    }
