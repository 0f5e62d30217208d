"""The static type checker for rule expressions.

Types are strings: ``int``, ``float``, ``string``, ``bool``, ``timestamp``, ``duration``,
``null`` and ``list<T>``; :mod:`guarantor.agreement.expr.types` has the rules that combine
them. A param's type is inferred from its Python value. The checker reports every issue it
finds, not only the first; a sub-expression that already failed does not cause more issues
above it.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from guarantor.agreement.expr.ast import (
    Binary,
    Call,
    Expr,
    FloatLit,
    Ident,
    Index,
    IntLit,
    ListExpr,
    Member,
    StringLit,
    Ternary,
    Unary,
)
from guarantor.agreement.expr.issues import (
    ARITHMETIC_EXPECTED,
    EXAMPLES,
    LITERAL_FORMATS,
    TYPE_MISMATCH,
    ExprIssue,
    article,
    condition_fix,
    shown,
)
from guarantor.agreement.expr.printer import canonical, quote
from guarantor.agreement.expr.types import (
    LITERAL_TYPES,
    NUMBER,
    ORDERED,
    arithmetic_type,
    assignable,
    element_type,
    unify,
    valid_literal,
    value_type,
)
from guarantor.agreement.fields import FUNCTIONS, INCIDENT_FIELDS, FunctionSpec

__all__ = ["CheckResult", "ExprIssue", "check"]

_ZONE_FUNCTIONS = frozenset({"in_zone", "distance_km", "within_km"})


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What :func:`check` learned: the type (``None`` if there were issues) and references."""

    type: str | None
    issues: tuple[ExprIssue, ...]
    fields: frozenset[str] = field(default_factory=frozenset)
    params: frozenset[str] = field(default_factory=frozenset)
    zones: frozenset[str] = field(default_factory=frozenset)

    @property
    def ok(self) -> bool:
        return not self.issues


def check(
    expr: Expr,
    *,
    params: Mapping[str, object],
    zones: Collection[str],
    expect: str | None = "bool",
) -> CheckResult:
    """Type-check ``expr`` against the incident fields, the rule's params and the zones."""
    checker = _Checker(params, zones)
    found = checker.visit(expr)
    if expect is not None and found is not None and not assignable(found, expect):
        wanted = f"{article(expect)} expression, e.g. {EXAMPLES.get(expect, expect)}"
        fix = condition_fix(expr, found) if expect == "bool" else f"make it {article(expect)}"
        checker.report(expr, shown(expr, found), wanted, fix)
    issues = tuple(sorted(checker.issues, key=lambda issue: issue.position))
    return CheckResult(
        type=None if issues else found,
        issues=issues,
        fields=frozenset(checker.fields),
        params=frozenset(checker.used_params),
        zones=frozenset(checker.used_zones),
    )


def _is_zero(expr: Expr) -> bool:
    if isinstance(expr, Unary) and expr.op == "-":
        return _is_zero(expr.operand)
    return isinstance(expr, IntLit | FloatLit) and expr.value == 0


class _Checker:
    def __init__(self, params: Mapping[str, object], zones: Collection[str]) -> None:
        self.params = params
        self.zones = zones
        self.issues: list[ExprIssue] = []
        self.fields: set[str] = set()
        self.used_params: set[str] = set()
        self.used_zones: set[str] = set()

    def report(
        self, at: Expr | int, found: str, expected: str, fix: str, code: str = TYPE_MISMATCH
    ) -> None:
        position = at if isinstance(at, int) else at.start
        self.issues.append(ExprIssue(max(position, 0), found, expected, fix, code))

    def unknown(self, position: int, name: str, known: Collection[str], kind: str) -> None:
        choices = sorted(known)
        listing = ", ".join(choices) if choices else f"none; no {kind}s are defined"
        close = difflib.get_close_matches(name, choices, n=1)
        if close:
            fix = f"did you mean '{close[0]}'?"
        elif kind == "field" and name.lower() in ("true", "false", "null"):
            fix = f"write '{name.lower()}' in lower case"
        else:
            fix = f"use one of: {listing}" if choices else f"define the {kind} '{name}' first"
        expected = f"a known {kind}: {listing}"
        self.report(position, f"unknown {kind} '{name}'", expected, fix, f"unknown_{kind}")

    def visit(self, expr: Expr) -> str | None:
        literal = LITERAL_TYPES.get(type(expr))
        if literal is not None:
            return literal
        result: str | None = None
        match expr:
            case ListExpr():
                result = self.list_(expr)
            case Ident():
                result = self.ident(expr)
            case Member():
                result = self.member(expr)
            case Call():
                result = self.call(expr)
            case Index():
                self.visit(expr.target)
                self.visit(expr.index)
                fix = "use 'x in list' or size(list) instead of indexing"
                self.report(expr, f"'{canonical(expr)}'", "no [] indexing", fix, "unsupported")
            case Unary():
                result = self.unary(expr)
            case Binary():
                result = self.binary(expr)
            case Ternary():
                result = self.ternary(expr)
        return result

    def list_(self, expr: ListExpr) -> str | None:
        element: str | None = "dyn"
        for item in expr.items:
            found = self.visit(item)
            if found is None or element is None:
                element = None
                continue
            merged = unify(element, found)
            if merged is None:
                expected = f"{article(element)} like the items before it"
                self.report(item, shown(item, found), expected, "give all list items one type")
            element = merged
        return None if element is None else f"list<{element}>"

    def ident(self, expr: Ident) -> str | None:
        spec = INCIDENT_FIELDS.get(expr.name)
        if spec is not None:
            self.fields.add(expr.name)
            return spec.type
        if expr.name == "params":
            example = f"params.{min(self.params, default='max_severity')}"
            fix = f"name the param after a '.', e.g. {example}"
            self.report(expr, "'params' on its own", "params.NAME", fix, "bad_param")
        elif expr.name in FUNCTIONS:
            example = FUNCTIONS[expr.name].example
            found = f"the function '{expr.name}' without a call"
            self.report(expr, found, f"a call such as {example}", f"call it: {example}", "arity")
        else:
            self.unknown(expr.start, expr.name, INCIDENT_FIELDS, "field")
        return None

    def member(self, expr: Member) -> str | None:
        position = max(expr.start, expr.end - len(expr.name))
        if not (isinstance(expr.target, Ident) and expr.target.name == "params"):
            self.visit(expr.target)
            fix = "use a field on its own; only params has members (params.NAME)"
            self.report(expr, f"'{canonical(expr)}'", "params.NAME", fix, "bad_member")
            return None
        if expr.name not in self.params:
            self.unknown(position, expr.name, self.params.keys(), "param")
            return None
        self.used_params.add(expr.name)
        value = self.params[expr.name]
        found = value_type(value)
        if found is None:
            wanted = "a number, string, bool, datetime, timedelta or list value"
            bad = f"param '{expr.name}' holding a {type(value).__name__}"
            self.report(position, bad, wanted, f"give '{expr.name}' {wanted}", "bad_param")
        return found

    def call(self, expr: Call) -> str | None:
        spec = FUNCTIONS.get(expr.function)
        if spec is None or len(expr.args) != len(spec.params):
            for arg in expr.args:
                self.visit(arg)
            if spec is None:
                self.unknown(expr.start, expr.function, FUNCTIONS, "function")
                return None
            found = f"{len(expr.args)} argument(s) to {spec.name}"
            expected = f"{len(spec.params)} argument(s), e.g. {spec.example}"
            self.report(expr, found, expected, f"call it as {spec.example}", "arity")
            return spec.returns
        for index, (param, arg) in enumerate(zip(spec.params, expr.args, strict=True)):
            if index == 0 and spec.name in _ZONE_FUNCTIONS:
                self.zone(spec, arg)
            elif spec.name in LITERAL_FORMATS:
                self.literal(spec, arg)
            elif param == "field":
                self.field_name(spec, arg)
            else:
                self.argument(spec, param, arg)
        return spec.returns

    def argument(self, spec: FunctionSpec, param: str, arg: Expr) -> None:
        found = self.visit(arg)
        if found is not None and not assignable(found, param):
            expected = f"{article(param)} argument, e.g. {spec.example}"
            self.report(arg, shown(arg, found), expected, f"pass a {param} to {spec.name}")

    def zone(self, spec: FunctionSpec, arg: Expr) -> None:
        if not isinstance(arg, StringLit):
            found = shown(arg, self.visit(arg) or "error")
            expected = f"a zone id in quotes, e.g. {spec.example}"
            self.report(arg, found, expected, "write the zone id in quotes", "bad_argument")
        elif arg.value in self.zones:
            self.used_zones.add(arg.value)
        else:
            self.unknown(arg.start, arg.value, self.zones, "zone")

    def literal(self, spec: FunctionSpec, arg: Expr) -> None:
        expected = LITERAL_FORMATS[spec.name]
        fix = f"write it as a quoted literal, e.g. {spec.example}"
        if not isinstance(arg, StringLit):
            found = shown(arg, self.visit(arg) or "error")
            self.report(arg, found, f"a string literal: {expected}", fix, "bad_argument")
        elif not valid_literal(spec.name, arg.value):
            if spec.name == "timestamp" and valid_literal(spec.name, arg.value + "Z"):
                fix = f"add an offset such as Z or +02:00, e.g. {quote(arg.value + 'Z')}"
            found = f"{spec.name} literal {canonical(arg)}"
            self.report(arg, found, expected, fix, "bad_literal")

    def field_name(self, spec: FunctionSpec, arg: Expr) -> None:
        if isinstance(arg, Ident) and arg.name in INCIDENT_FIELDS:
            self.fields.add(arg.name)
            return
        if isinstance(arg, Ident):
            self.unknown(arg.start, arg.name, INCIDENT_FIELDS, "field")
            return
        if isinstance(arg, StringLit) and arg.value in INCIDENT_FIELDS:
            fix = f"drop the quotes: {spec.name}({arg.value})"
        else:
            self.visit(arg)
            fix = f"pass a field name, e.g. {spec.example}"
        expected = f"a field name, e.g. {spec.example}"
        self.report(arg, f"'{canonical(arg)}'", expected, fix, "bad_argument")

    def unary(self, expr: Unary) -> str | None:
        operand = expr.operand
        found = self.visit(operand)
        if expr.op == "!":
            if found is not None and found != "bool":
                fix = condition_fix(operand, found)
                self.report(operand, shown(operand, found), "a bool after '!'", fix)
            return "bool"
        if found is None or found in NUMBER or found == "duration":
            return found
        expected = "a number or duration after '-'"
        self.report(operand, shown(operand, found), expected, "negate numbers or durations only")
        return None

    def binary(self, expr: Binary) -> str | None:
        left = self.visit(expr.left)
        right = self.visit(expr.right)
        if expr.op in ("&&", "||"):
            for side, found in ((expr.left, left), (expr.right, right)):
                if found is not None and found != "bool":
                    expected = f"a bool on each side of '{expr.op}'"
                    self.report(side, shown(side, found), expected, condition_fix(side, found))
            return "bool"
        if expr.op in ARITHMETIC_EXPECTED:
            return self.arithmetic(expr, left, right)
        if left is not None and right is not None:
            if expr.op == "in":
                self.membership(expr, left, right)
            else:
                self.comparison(expr, left, right)
        return "bool"

    def arithmetic(self, expr: Binary, left: str | None, right: str | None) -> str | None:
        op = expr.op
        if op in ("/", "%") and _is_zero(expr.right):
            found = f"'{op} {canonical(expr.right)}'"
            fix = "divide by a number other than zero"
            self.report(expr.right, found, "a divisor other than zero", fix, "division_by_zero")
            return None
        if left is None or right is None:
            return None
        result = arithmetic_type(op, left, right)
        if result is None:
            found = f"'{canonical(expr)}' ({left} {op} {right})"
            expected = f"{ARITHMETIC_EXPECTED[op]} around '{op}'"
            self.report(expr, found, expected, f"use {ARITHMETIC_EXPECTED[op]} with '{op}'")
        return result

    def comparison(self, expr: Binary, left: str, right: str) -> None:
        op = expr.op
        if op not in ("==", "!=") and (left not in ORDERED or right not in ORDERED):
            side, found = (expr.left, left) if left not in ORDERED else (expr.right, right)
            expected = f"a number, string, timestamp or duration on both sides of '{op}'"
            fix = f"'{op}' orders values; compare {found} values with == or !="
            self.report(side, shown(side, found), expected, fix)
        elif unify(left, right) is None:
            kind = "number" if left in NUMBER else left
            example = f"{canonical(expr.left)} {op} {EXAMPLES.get(kind, kind)}"
            expected = f"{article(kind)} to compare with '{canonical(expr.left)}'"
            fix = f"compare it with a {kind}, e.g. {example}"
            self.report(expr.right, shown(expr.right, right), expected, fix)

    def membership(self, expr: Binary, left: str, right: str) -> None:
        element = element_type(right)
        if element is None:
            expected = 'a list after \'in\', e.g. ["A", "B"] or params.allowed_types'
            fix = "put the values in a list: [a, b]"
            self.report(expr.right, shown(expr.right, right), expected, fix)
        elif unify(left, element) is None:
            kind = "number" if element in NUMBER else element
            expected = f"{article(kind)} to look up in a list<{element}>"
            fix = f"look up a {kind}, or use a list of {left} values"
            self.report(expr.left, shown(expr.left, left), expected, fix)

    def ternary(self, expr: Ternary) -> str | None:
        condition = self.visit(expr.condition)
        if condition is not None and condition != "bool":
            found = shown(expr.condition, condition)
            fix = condition_fix(expr.condition, condition)
            self.report(expr.condition, found, "a bool condition before '?'", fix)
        then = self.visit(expr.then)
        otherwise = self.visit(expr.otherwise)
        if then is None or otherwise is None:
            return None
        result = unify(then, otherwise)
        if result is None:
            found = shown(expr.otherwise, otherwise)
            expected = f"{article(then)} like the branch after '?'"
            self.report(expr.otherwise, found, expected, "give both branches the same type")
        return result
