"""The compiler: every operator of the expression language, in both targets, with nulls."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from engine_factories import incident

from guarantor.scenarios import ir
from guarantor.scenarios.compile import compile_expression
from guarantor.scenarios.errors import RuleCompileError
from guarantor.scenarios.frame import normalise_record, records_to_frame
from guarantor.scenarios.polars_target import predicate as polars_predicate
from guarantor.scenarios.polars_target import to_polars
from guarantor.scenarios.stream_target import predicate as stream_predicate
from guarantor.scenarios.stream_target import to_python

PARAMS: dict[str, Any] = {"k": 3, "types": ["shelling", "armed_clash"], "km": 2.5, "zero": 0}


def values(text: str, *records: dict[str, Any]) -> list[Any]:
    """The value of ``text`` on each record, checked equal in both targets."""
    node = compile_expression(text, PARAMS, zones=(), condition=False)
    frame = records_to_frame(records)
    by_id = dict(
        zip(frame["incident_id"], frame.with_columns(to_polars(node).alias("v"))["v"], strict=True)
    )
    batch = [by_id[r["id"]] for r in records]
    stream = [to_python(node)(normalise_record(r)) for r in records]
    assert batch == stream, f"{text}: batch {batch} != stream {stream}"
    return batch


def fires(text: str, *records: dict[str, Any]) -> list[bool]:
    """Whether the rule fires on each record, checked equal in both targets."""
    node = compile_expression(text, PARAMS, zones=())
    frame = records_to_frame(records)
    mask = frame.with_columns(polars_predicate(node).alias("m"))["m"]
    by_id = dict(zip(frame["incident_id"], mask, strict=True))
    batch = [by_id[r["id"]] for r in records]
    stream = [stream_predicate(node)(normalise_record(r)) for r in records]
    assert batch == stream
    return batch


A = incident("a", 0, type="shelling", severity=4, deaths=2, injured=0, calibre_mm=122.0)
B = incident("b", 1, type="small_arms_fire", severity=1, deaths=-7, injured=2)
EMPTY = incident("n", 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("severity == 4", [True, False, None]),
        ("severity != 4", [False, True, None]),
        ("severity < 4", [False, True, None]),
        ("severity <= 1", [False, True, None]),
        ("severity > 1", [True, False, None]),
        ("severity >= params.k", [True, False, None]),
        ("calibre_mm >= 100", [True, None, None]),
        ('type == "shelling"', [True, False, None]),
        ('type < "t"', [True, True, None]),
        ("type in params.types", [True, False, None]),
        ("severity in [1, 2]", [False, True, None]),
        ("calibre_mm in [122, 152]", [True, None, None]),
        ("severity + 1", [5, 2, None]),
        ("severity - deaths", [2, 8, None]),
        ("severity * 2.5", [10.0, 2.5, None]),
        ("-severity", [-4, -1, None]),
        ('type + "!"', ["shelling!", "small_arms_fire!", None]),
        ("size(params.types)", [2, 2, 2]),
        ("severity > 1 ? deaths : injured", [2, 2, None]),
    ],
)
def test_each_operator_gives_the_same_value_in_batch_and_stream(
    text: str, expected: list[Any]
) -> None:
    assert values(text, A, B, EMPTY) == expected


def test_integer_division_truncates_toward_zero_and_remainder_follows_it() -> None:
    assert values("deaths / 4", A, B) == [0, -1]
    assert values("deaths % 4", A, B) == [2, -3]
    assert values("deaths / 2.0", A, B) == [1.0, -3.5]


def test_division_by_zero_is_null_not_a_crash_in_both_targets() -> None:
    assert values("deaths / injured", A, B) == [None, -3]
    assert values("deaths % injured", A, B) == [None, -1]
    assert values("calibre_mm / injured", A) == [None]
    assert values("deaths / params.zero", A) == [None]
    assert fires("deaths / injured > 0", A, B) == [False, False]


def test_a_comparison_reading_a_null_field_is_false_at_the_top() -> None:
    assert fires("severity >= 1", A, EMPTY) == [True, False]
    assert fires("severity < 1", A, EMPTY) == [False, False]


def test_negating_an_unknown_comparison_stays_unknown_so_the_rule_does_not_fire() -> None:
    assert values("!(severity >= 1)", A, EMPTY) == [False, None]
    assert fires("!(severity >= 1)", A, EMPTY) == [False, False]
    assert fires("!(severity >= 1) || !has(severity)", A, EMPTY) == [False, True]


def test_and_or_follow_three_valued_logic() -> None:
    assert values("severity > 1 && calibre_mm > 1", A, B, EMPTY) == [True, False, None]
    assert values("severity > 1 || calibre_mm > 1", A, B, EMPTY) == [True, None, None]
    assert values("severity > 100 && calibre_mm > 1", EMPTY) == [None]
    assert values('type == "x" && severity > 0', B, EMPTY) == [False, None]


def test_has_and_null_literals_test_for_null() -> None:
    assert values("has(calibre_mm)", A, B) == [True, False]
    assert values("calibre_mm == null", A, B) == [False, True]
    assert values("calibre_mm != null", A, B) == [True, False]
    assert values("severity + null", A) == [None]


def test_a_ternary_with_an_unknown_condition_takes_the_else_branch() -> None:
    assert values("calibre_mm > 100 ? 1 : 2", A, B) == [1, 2]


def test_timestamps_and_durations_are_microseconds_in_utc() -> None:
    early = incident("a", 0)
    late = incident("b", 30)
    text = 'time >= timestamp("2020-01-11T02:00:00+02:00") + duration("24h")'
    assert fires(text, early, late) == [False, True]
    assert fires('time - timestamp("2020-01-11T00:00:00Z") >= duration("1d")', early, late) == [
        False,
        True,
    ]


def test_the_id_field_reads_the_incident_id() -> None:
    assert fires('id == "b"', A, B) == [False, True]


def test_params_and_literal_functions_are_folded_into_constants() -> None:
    node = compile_expression("size(params.types) == 2 && severity >= params.k", PARAMS, ())
    assert node == ir.And(
        (
            ir.Compare("==", ir.Const(2, "int"), ir.Const(2, "int")),
            ir.Compare(">=", ir.Field("severity", "int"), ir.Const(3, "int")),
        )
    )


def test_within_km_and_the_geofence_compile_to_distance_comparisons() -> None:
    node = compile_expression(
        'within_km("line", params.km) && in_zone("area")', PARAMS, ("line", "area")
    )
    assert node == ir.And(
        (
            ir.Compare("<=", ir.ZoneDistance("line"), ir.Const(2.5, "float")),
            ir.ZoneInside("area"),
        )
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("severty > 1", "unknown field 'severty'"),
        ("severity > params.nope", "unknown param 'nope'"),
        ('in_zone("nowhere")', "a zone id"),
        ("severity >", "does not parse"),
        ("severity + 1", "a condition"),
        ("[1, 2][0] == 1", "indexing"),
    ],
)
def test_an_expression_the_engine_cannot_run_is_refused_with_the_rule_named(
    text: str, fragment: str
) -> None:
    with pytest.raises(RuleCompileError) as caught:
        compile_expression(text, PARAMS, (), where="rule 'r1' (revision 'v1')")
    assert "rule 'r1'" in str(caught.value)
    assert fragment in str(caught.value)


def test_the_polars_target_builds_one_expression_per_predicate() -> None:
    node = compile_expression("severity >= 3", PARAMS, ())
    assert isinstance(polars_predicate(node), pl.Expr)
