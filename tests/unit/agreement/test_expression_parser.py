"""The rule expression lexer, parser and canonical printer."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guarantor.agreement.expr import (
    Binary,
    BoolLit,
    Call,
    Expr,
    FloatLit,
    Ident,
    Index,
    IntLit,
    ListExpr,
    Member,
    NullLit,
    StringLit,
    Ternary,
    Unary,
    canonical,
    parse,
    strip_positions,
    tokenize,
)
from guarantor.errors import ExpressionError


def tree(source: str) -> Expr:
    return strip_positions(parse(source))


def parse_error(source: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        parse(source)
    return caught.value


a, b, c, x = Ident("a"), Ident("b"), Ident("c"), Ident("x")


# -- precedence and associativity ------------------------------------------------------------


def test_and_binds_tighter_than_or() -> None:
    assert tree("a || b && c") == Binary("||", a, Binary("&&", b, c))


def test_not_binds_tighter_than_and() -> None:
    assert tree("!a && b") == Binary("&&", Unary("!", a), b)


def test_unary_minus_binds_tighter_than_multiplication() -> None:
    assert tree("-x * 2") == Binary("*", Unary("-", x), IntLit(2))


def test_arithmetic_binds_tighter_than_comparison_and_multiplication_than_addition() -> None:
    expected = Binary("<", Binary("+", IntLit(1), Binary("*", IntLit(2), IntLit(3))), IntLit(10))
    assert tree("1 + 2 * 3 < 10") == expected


def test_binary_operators_associate_to_the_left() -> None:
    assert tree("a - b - c") == Binary("-", Binary("-", a, b), c)


def test_parentheses_override_precedence() -> None:
    assert tree("(a || b) && c") == Binary("&&", Binary("||", a, b), c)


def test_ternary_is_lowest_and_associates_to_the_right() -> None:
    expected = Ternary(Binary("||", a, b), c, Ternary(x, IntLit(1), IntLit(2)))
    assert tree("a || b ? c : x ? 1 : 2") == expected


def test_in_is_a_relation_over_a_list_or_a_param() -> None:
    assert tree('type in ["a", "b"]') == Binary(
        "in", Ident("type"), ListExpr((StringLit("a"), StringLit("b")))
    )
    assert tree("type in params.types") == Binary(
        "in", Ident("type"), Member(Ident("params"), "types")
    )


def test_postfix_member_call_and_index_bind_tightest() -> None:
    assert tree("-params.max[0]") == Unary("-", Index(Member(Ident("params"), "max"), IntLit(0)))
    assert tree("size([1]) + 1") == Binary("+", Call("size", (ListExpr((IntLit(1),)),)), IntLit(1))


# -- literals and offsets ---------------------------------------------------------------------


def test_literals_of_every_kind_parse_to_their_values() -> None:
    assert tree("[1, 1.5, 1e3, true, false, null]") == ListExpr(
        (IntLit(1), FloatLit(1.5), FloatLit(1000.0), BoolLit(True), BoolLit(False), NullLit())
    )


def test_strings_take_either_quote_and_the_documented_escapes() -> None:
    assert tree(r"'it\'s'") == StringLit("it's")
    assert tree(r'"say \"hi\"\n\t\\"') == StringLit('say "hi"\n\t\\')


def test_nodes_carry_their_character_offsets() -> None:
    expr = parse("severity >= 3 && has(calibre_mm)")
    assert isinstance(expr, Binary)
    assert (expr.start, expr.end) == (0, 32)
    assert (expr.left.start, expr.left.end) == (0, 13)
    assert (expr.right.start, expr.right.end) == (17, 32)


def test_a_node_in_parentheses_spans_the_parentheses_of_its_operands() -> None:
    expr = parse("(a) && (b)")
    assert (expr.start, expr.end) == (0, 10)
    member = parse("(params).x")
    assert (member.start, member.end) == (0, 10)


def test_the_lexer_ends_with_an_eof_token_at_the_end_of_the_source() -> None:
    tokens = tokenize("a >= 1.5")
    assert [t.kind for t in tokens] == ["ident", ">=", "float", "eof"]
    assert tokens[-1].start == 8


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "position", "message"),
    [
        ("severity >= 3 )", 14, "unexpected ')' at position 14"),
        ("a +", 3, "unexpected end of expression at position 3"),
        ("a && && b", 5, "unexpected '&&' at position 5"),
        ("a b", 2, "unexpected 'b' at position 2"),
        ("(a || b", 7, "'(' at position 0"),
        ("[1, 2", 5, "'[' at position 0"),
        ("size(a b)", 7, "expected ',' or ')'"),
        ("a ? b", 5, "unexpected end of expression"),
        ("params.", 7, "unexpected end of expression"),
        ("params.x(1)", 8, "unexpected '('"),
        ('a == "abc', 5, "unterminated string starting at position 5"),
        ("a == 'abc\n'", 5, "unterminated string starting at position 5"),
        (r'a == "\q"', 6, r"unknown escape '\q' at position 6"),
        ("3abc", 0, "malformed number '3abc'"),
        ("a # b", 2, "unexpected character '#' at position 2"),
        ("", 0, "empty expression"),
    ],
)
def test_syntax_errors_point_at_the_offending_token(
    source: str, position: int, message: str
) -> None:
    error = parse_error(source)
    assert error.position == position
    assert message in error.message
    assert error.expected
    assert error.fix
    assert error.source == source


@pytest.mark.parametrize(
    ("source", "position", "meant"),
    [
        ("a & b", 2, "&&"),
        ("a | b", 2, "||"),
        ("a = 1", 2, "=="),
        ("a and b", 2, "&&"),
        ("a or b", 2, "||"),
        ("not a", 0, "!"),
    ],
)
def test_operators_from_other_languages_get_a_did_you_mean(
    source: str, position: int, meant: str
) -> None:
    error = parse_error(source)
    assert error.position == position
    assert f"did you mean '{meant}'?" in error.message
    assert meant in error.fix


def test_a_missing_operand_explains_what_an_operand_looks_like() -> None:
    error = parse_error("severity >= ")
    assert error.expected == 'an operand such as severity, 3 or "shelling"'
    assert "operand" in error.fix


# -- canonical printing -----------------------------------------------------------------------


def test_spacing_and_redundant_parentheses_do_not_change_the_canonical_text() -> None:
    assert canonical(parse("a&&b")) == canonical(parse("a && (b)")) == "a && b"
    assert canonical(parse("((severity>=3))||!( x )")) == "severity >= 3 || !x"


def test_canonical_text_keeps_the_parentheses_the_tree_needs() -> None:
    assert canonical(parse("(a || b) && c")) == "(a || b) && c"
    assert canonical(parse("a - (b - c)")) == "a - (b - c)"
    assert canonical(parse("(a - b) - c")) == "a - b - c"
    assert canonical(parse("!(a == b)")) == "!(a == b)"
    assert canonical(parse("(a ? b : c) ? 1 : 2")) == "(a ? b : c) ? 1 : 2"
    assert canonical(parse("a ? b : (c ? 1 : 2)")) == "a ? b : c ? 1 : 2"
    assert canonical(parse("(-x).y")) == "(-x).y"


def test_canonical_strings_use_double_quotes_and_escape_only_what_they_must() -> None:
    assert canonical(parse(r"""'it\'s "x"'""")) == '"it\'s \\"x\\""'
    assert canonical(parse(r"'a\tb\\c'")) == r'"a\tb\\c"'
    assert canonical(StringLit("line\nbreak")) == r'"line\nbreak"'


def test_canonical_lists_calls_and_numbers_are_normalised() -> None:
    assert canonical(parse("[ 1,2 ]")) == "[1, 2]"
    assert canonical(parse("within_km( 'z' ,15 )")) == 'within_km("z", 15)'
    assert canonical(parse("1e3 + 1.50")) == "1000.0 + 1.5"


@pytest.mark.parametrize(
    "source",
    [
        "a || b && c",
        "!a && b",
        "-x * 2",
        "1 + 2 * 3 < 10",
        "(a || b) && !(c == 'x')",
        'type in ["a", "b"] && within_km("line-of-contact", params.km)',
        "time - timestamp('2015-02-15T00:00:00Z') > duration('24h') ? 1 : 2.5",
        "--x - -1",
        "params.list[0].y",
        "1.e5 + 1.5.x",
    ],
)
def test_printing_round_trips_and_is_idempotent(source: str) -> None:
    text = canonical(parse(source))
    assert tree(text) == tree(source)
    assert canonical(parse(text)) == text


# -- property: random trees print to text that parses back to the same tree -------------------

_RESERVED = {"true", "false", "null", "in", "and", "or", "not"}
names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda name: name not in _RESERVED
)
leaves: st.SearchStrategy[Expr] = st.one_of(
    st.integers(min_value=0, max_value=10**30).map(IntLit),
    st.floats(min_value=0.0, allow_nan=False, allow_infinity=False)
    .filter(lambda value: math.copysign(1.0, value) > 0)
    .map(FloatLit),
    st.text(max_size=8).map(StringLit),
    st.booleans().map(BoolLit),
    st.just(NullLit()),
    names.map(Ident),
)
binary_ops = st.sampled_from(
    ["||", "&&", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%"]
)


def _compound(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    items = st.lists(children, max_size=3).map(tuple)
    return st.one_of(
        st.builds(Binary, binary_ops, children, children),
        st.builds(Unary, st.sampled_from(["!", "-"]), children),
        st.builds(Ternary, children, children, children),
        st.builds(Member, children, names),
        st.builds(Index, children, children),
        st.builds(Call, names, items),
        st.builds(ListExpr, items),
    )


expressions = st.recursive(leaves, _compound, max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(expressions)
def test_any_tree_prints_to_text_that_parses_back_to_the_same_tree(expr: Expr) -> None:
    text = canonical(expr)
    assert tree(text) == expr
    assert canonical(parse(text)) == text


@pytest.mark.parametrize(
    "source",
    ["(" * 400 + "a" + ")" * 400, "!" * 600 + "a", "[" * 300, " || ".join(["a"] * 600)],
)
def test_absurdly_deep_nesting_is_a_syntax_error_not_a_crash(source: str) -> None:
    assert "nested too deeply" in parse_error(source).message


def test_a_long_but_reasonable_chain_still_parses_and_prints() -> None:
    expr = parse(" || ".join(["has(lat)"] * 99))
    assert canonical(expr).count("||") == 98
