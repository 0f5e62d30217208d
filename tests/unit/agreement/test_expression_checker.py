"""The rule expression type checker."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from guarantor.agreement.expr import CheckResult, ExprIssue, check, parse, value_type
from guarantor.agreement.fields import FUNCTIONS, INCIDENT_FIELDS

ZONES = ("security-zone-artillery", "line-of-contact")
PARAMS: Mapping[str, object] = {
    "max_calibre_mm": 100,
    "types": ["shelling", "airstrike"],
    "enabled": True,
    "ratio": 0.5,
    "since": datetime(2015, 2, 15, tzinfo=UTC),
    "grace": timedelta(hours=24),
}


def run(
    source: str, *, expect: str | None = "bool", params: Mapping[str, object] = PARAMS
) -> CheckResult:
    return check(parse(source), params=params, zones=ZONES, expect=expect)


def only_issue(
    source: str, *, expect: str | None = "bool", params: Mapping[str, object] = PARAMS
) -> ExprIssue:
    result = run(source, expect=expect, params=params)
    assert len(result.issues) == 1, [issue.render() for issue in result.issues]
    return result.issues[0]


# -- what checks -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(INCIDENT_FIELDS))
def test_every_documented_field_example_checks_as_bool(name: str) -> None:
    result = run(INCIDENT_FIELDS[name].example)
    assert result.issues == ()
    assert result.type == "bool"
    assert name in result.fields


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_documented_function_example_checks(name: str) -> None:
    result = run(FUNCTIONS[name].example, expect=None)
    assert result.issues == (), [issue.render() for issue in result.issues]
    assert result.type in {"bool", FUNCTIONS[name].returns}


def test_a_typical_rule_checks_and_reports_what_it_reads() -> None:
    result = run(
        "type in params.types && has(calibre_mm) && calibre_mm >= params.max_calibre_mm"
        ' && (in_zone("security-zone-artillery") || within_km("line-of-contact", 15))'
    )
    assert result.type == "bool"
    assert result.issues == ()
    assert result.fields == {"type", "calibre_mm"}
    assert result.params == {"types", "max_calibre_mm"}
    assert result.zones == {"security-zone-artillery", "line-of-contact"}


def test_int_widens_to_float_in_comparisons_arithmetic_and_lists() -> None:
    assert run("severity + 0.5 > calibre_mm * 2").type == "bool"
    assert run("[1, 2.5]", expect="list<float>").type == "list<float>"
    assert run("severity / 2", expect="float").type == "int"


def test_time_arithmetic_gives_durations_and_timestamps() -> None:
    assert run('time - timestamp("2015-02-15T00:00:00Z")', expect=None).type == "duration"
    assert run("time + params.grace", expect=None).type == "timestamp"
    assert run('time - params.since > duration("2w")').type == "bool"


def test_comparison_with_null_is_allowed_for_any_type() -> None:
    assert run("time != null && type == null").type == "bool"


def test_a_ternary_with_a_bool_condition_and_matching_branches_has_their_type() -> None:
    assert run("severity > 3 ? 2 : 1.5", expect=None).type == "float"


# -- param types -------------------------------------------------------------------------------


def test_param_types_follow_their_python_values_with_bool_before_int() -> None:
    assert value_type(True) == "bool"
    assert value_type(3) == "int"
    assert value_type(2.5) == "float"
    assert value_type("x") == "string"
    assert value_type(["a", "b"]) == "list<string>"
    assert value_type([1, 2.5]) == "list<float>"
    assert value_type([]) == "list<dyn>"
    assert value_type({"a": 1}) is None


def test_a_bool_param_is_not_a_number() -> None:
    issue = only_issue("params.enabled + 1 > 0")
    assert issue.code == "type_mismatch"
    assert run("params.enabled && severity > 1").type == "bool"


def test_a_param_value_of_no_expression_type_is_reported() -> None:
    issue = only_issue("params.table == 1", params={"table": {"a": 1}})
    assert issue.code == "bad_param"
    assert issue.position == 7


# -- unknown names -----------------------------------------------------------------------------


def test_an_unknown_field_is_reported_with_a_suggestion() -> None:
    issue = only_issue("severty >= 3")
    assert (issue.code, issue.position) == ("unknown_field", 0)
    assert issue.fix == "did you mean 'severity'?"


def test_an_unknown_function_is_reported_with_a_suggestion() -> None:
    issue = only_issue("sise([1, 2]) == 2")
    assert (issue.code, issue.position) == ("unknown_function", 0)
    assert issue.fix == "did you mean 'size'?"


def test_an_unknown_param_is_reported_at_its_name_with_a_suggestion() -> None:
    issue = only_issue("calibre_mm >= params.max_calibre")
    assert (issue.code, issue.position) == ("unknown_param", 21)
    assert issue.fix == "did you mean 'max_calibre_mm'?"


def test_an_unknown_zone_is_reported_with_a_suggestion() -> None:
    issue = only_issue('in_zone("security-zone-artilery")')
    assert (issue.code, issue.position) == ("unknown_zone", 8)
    assert issue.fix == "did you mean 'security-zone-artillery'?"


def test_a_zone_must_be_a_string_literal() -> None:
    issue = only_issue("in_zone(type)")
    assert (issue.code, issue.position) == ("bad_argument", 8)


def test_a_capitalised_keyword_is_explained() -> None:
    assert only_issue("has(lat) == True").fix == "write 'true' in lower case"


def test_bare_params_and_members_of_fields_are_reported() -> None:
    assert only_issue("params == 1").code == "bad_param"
    assert only_issue("severity.level > 1").code == "bad_member"


# -- type errors -------------------------------------------------------------------------------


def test_comparing_a_number_with_a_string_is_a_type_mismatch_at_the_right_operand() -> None:
    issue = only_issue('severity == "high"')
    assert (issue.code, issue.position) == ("type_mismatch", 12)
    assert "number" in issue.expected
    assert "severity == 3" in issue.fix


def test_ordering_bools_is_a_type_mismatch() -> None:
    issue = only_issue("1 < 2 < 3")
    assert (issue.code, issue.position) == ("type_mismatch", 0)


def test_logical_operators_need_bools() -> None:
    issue = only_issue("severity && has(lat)")
    assert (issue.code, issue.position) == ("type_mismatch", 0)
    assert "severity > 0" in issue.fix
    assert only_issue("!type").position == 1


def test_in_needs_a_list_of_a_compatible_type() -> None:
    assert only_issue("type in params.max_calibre_mm").position == 8
    assert only_issue("severity in params.types").position == 0


def test_mixed_list_items_are_reported_at_the_first_misfit() -> None:
    issue = only_issue('type in ["a", 2]')
    assert (issue.code, issue.position) == ("type_mismatch", 14)


def test_arithmetic_on_strings_other_than_concatenation_is_a_type_mismatch() -> None:
    assert only_issue("type * 2 == 1").code == "type_mismatch"
    assert run('type + "x" == "shellingx"').type == "bool"


def test_division_by_a_literal_zero_is_reported_at_the_zero() -> None:
    for source, position in [("deaths / 0 > 1", 9), ("deaths % -0 > 1", 9), ("lat / 0.0 > 1", 6)]:
        issue = only_issue(source)
        assert (issue.code, issue.position) == ("division_by_zero", position)


def test_a_ternary_needs_a_bool_condition_and_branches_of_one_type() -> None:
    result = run("severity ? 1 : 'x'", expect=None)
    assert [(i.code, i.position) for i in result.issues] == [
        ("type_mismatch", 0),
        ("type_mismatch", 15),
    ]


def test_a_when_that_is_not_bool_is_reported() -> None:
    issue = only_issue("deaths + injured")
    assert (issue.code, issue.position) == ("type_mismatch", 0)
    assert "bool" in issue.expected
    assert run("deaths + injured", expect=None).type == "int"


def test_indexing_parses_but_is_unsupported() -> None:
    assert only_issue("params.types[0] == type").code == "unsupported"


# -- functions and literals --------------------------------------------------------------------


def test_a_timestamp_without_an_offset_is_reported_at_its_literal() -> None:
    issue = only_issue('time >= timestamp("2015-02-15T00:00:00")')
    assert (issue.code, issue.position) == ("bad_literal", 18)
    assert "offset" in issue.fix


def test_an_impossible_timestamp_is_reported() -> None:
    assert only_issue('time >= timestamp("2015-02-30T00:00:00Z")').code == "bad_literal"


def test_a_duration_needs_a_whole_number_and_a_unit() -> None:
    assert run('duration("90m") > duration("1h")').issues == ()
    issue = only_issue('time - time > duration("1.5h")')
    assert (issue.code, issue.position) == ("bad_literal", 23)


def test_has_takes_a_field_name_not_a_string() -> None:
    issue = only_issue('has("calibre_mm")')
    assert (issue.code, issue.position) == ("bad_argument", 4)
    assert issue.fix == "drop the quotes: has(calibre_mm)"
    assert only_issue("has(calibre)").fix == "did you mean 'calibre_mm'?"


def test_a_call_with_the_wrong_number_of_arguments_is_an_arity_issue() -> None:
    issue = only_issue('within_km("line-of-contact") ')
    assert (issue.code, issue.position) == ("arity", 0)


def test_function_arguments_must_have_the_declared_types() -> None:
    issue = only_issue('within_km("line-of-contact", "15")')
    assert (issue.code, issue.position) == ("type_mismatch", 29)
    assert only_issue("size(type) > 0").code == "type_mismatch"


# -- reporting ---------------------------------------------------------------------------------


def test_every_issue_is_reported_in_source_order_not_only_the_first() -> None:
    result = run('sevrity > 1 && calibre > params.max_calibr && in_zone("nowhere")')
    assert [(i.code, i.position) for i in result.issues] == [
        ("unknown_field", 0),
        ("unknown_field", 15),
        ("unknown_param", 32),
        ("unknown_zone", 54),
    ]
    assert result.type is None


def test_a_failed_operand_does_not_cause_more_issues_above_it() -> None:
    assert len(run("-(sevrity * 2) > 1 && !sevrity").issues) == 2


def test_an_issue_renders_as_one_teaching_line() -> None:
    text = only_issue("severty >= 3").render()
    assert text.startswith("position 0: unknown_field: found unknown field 'severty'")
    assert text.endswith("fix: did you mean 'severity'?")
