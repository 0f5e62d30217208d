"""Compile rule expressions (the AST of :mod:`guarantor.agreement.expr`) to the IR.

Params are folded in as constants, so one ``when`` text with two sets of params gives two
predicates. Literal functions (``timestamp``, ``duration``, ``size``) are evaluated here;
``within_km(z, k)`` becomes ``distance_km(z) <= k``; the declarative ``geofence`` block
compiles to the same nodes and is and-ed with ``when``. Comparisons with a null literal
become null tests (:class:`~guarantor.scenarios.ir.IsNull`). Anything the engine cannot run
raises :class:`~guarantor.scenarios.errors.RuleCompileError` naming the rule and the fix.
A literal zero divisor is *not* refused here (the static checker reports it); at run time
division by zero is null.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta

from guarantor.agreement.expr import ast
from guarantor.agreement.expr.parser import parse
from guarantor.agreement.expr.types import (
    LITERAL_TYPES,
    arithmetic_type,
    unify,
    valid_literal,
    value_type,
)
from guarantor.agreement.fields import INCIDENT_FIELDS
from guarantor.agreement.model import Geofence
from guarantor.errors import ExpressionError
from guarantor.scenarios import ir
from guarantor.scenarios.errors import RuleCompileError

__all__ = ["EPOCH", "compile_expression", "compile_geofence", "duration_us", "timestamp_us"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
_ARITHMETIC = frozenset({"+", "-", "*", "/", "%"})


def timestamp_us(moment: datetime) -> int:
    """``moment`` (timezone-aware) as int64 microseconds since the epoch, UTC."""
    if moment.tzinfo is None:
        raise ValueError(f"a naive datetime {moment.isoformat()} has no UTC offset")
    return (moment - EPOCH) // timedelta(microseconds=1)


def duration_us(text: str) -> int:
    """``"24h"`` as microseconds."""
    return int(text[:-1]) * _UNIT_SECONDS[text[-1]] * 1_000_000


def compile_expression(
    text: str,
    params: Mapping[str, object],
    zones: Collection[str],
    *,
    where: str = "a rule",
    condition: bool = True,
) -> ir.Node:
    """Parse and compile one ``when`` expression with ``params`` folded in (any value when
    ``condition`` is false)."""
    try:
        tree = parse(text)
    except ExpressionError as exc:
        raise RuleCompileError(
            f"{where}: the expression does not parse: {exc.message}; expected {exc.expected}; "
            f"fix: {exc.fix}"
        ) from exc
    node = _Compiler(params, zones, where, text).visit(tree)
    if condition and node.type not in ("bool", "null"):
        raise _error(where, text, f"a {node.type} value", "a condition", "compare it, e.g. > 0")
    return node


def compile_geofence(geofence: Geofence, zones: Collection[str], *, where: str) -> ir.Node:
    """``geofence: {zone, within_km}`` as IR: inside the zone, or within ``within_km`` of it."""
    if geofence.zone not in zones:
        raise _error(
            where,
            f"geofence zone '{geofence.zone}'",
            "an unknown zone",
            f"a zone of the version: {', '.join(sorted(zones)) or 'none defined'}",
            "correct the zone id in the geofence block",
        )
    if geofence.within_km < 0:
        raise _error(
            where,
            f"geofence within_km {geofence.within_km}",
            "a negative distance",
            "0 (inside) or a positive number of km",
            "set within_km to 0 or more",
        )
    if geofence.within_km == 0:
        return ir.ZoneInside(geofence.zone)
    return ir.Compare("<=", ir.ZoneDistance(geofence.zone), ir.Const(geofence.within_km, "float"))


def _error(where: str, text: str, found: str, expected: str, fix: str) -> RuleCompileError:
    return RuleCompileError(
        f"{where}: cannot compile '{text}': found {found}; expected {expected}; fix: {fix}"
    )


class _Compiler:
    def __init__(
        self, params: Mapping[str, object], zones: Collection[str], where: str, text: str
    ) -> None:
        self.params = params
        self.zones = zones
        self.where = where
        self.text = text

    def fail(self, found: str, expected: str, fix: str) -> RuleCompileError:
        return _error(self.where, self.text, found, expected, fix)

    def visit(self, node: ast.Expr) -> ir.Node:
        literal = _literal(node)
        if literal is not None:
            return literal
        match node:
            case ast.ListExpr():
                return self.list_(node)
            case ast.Ident():
                return self.ident(node)
            case ast.Member():
                return self.member(node)
            case ast.Call():
                return self.call(node)
            case ast.Unary():
                return self.unary(node)
            case ast.Binary():
                return self.binary(node)
            case ast.Ternary():
                return self.ternary(node)
        raise self.fail(f"'{type(node).__name__}'", "no [] indexing", "use 'x in list' instead")

    def list_(self, node: ast.ListExpr) -> ir.Const:
        values: list[object] = []
        for item in node.items:
            value = self.visit(item)
            if not isinstance(value, ir.Const):
                raise self.fail(
                    "a list item that is not a constant",
                    "literals or params in a list, e.g. [1, 2] or [params.a, params.b]",
                    "move the computed value out of the list",
                )
            values.append(value.value)
        return ir.Const(tuple(values), "list")

    def ident(self, node: ast.Ident) -> ir.Node:
        spec = INCIDENT_FIELDS.get(node.name)
        if spec is None:
            known = ", ".join(sorted(INCIDENT_FIELDS))
            raise self.fail(f"unknown field '{node.name}'", f"a field: {known}", "rename it")
        return ir.Field(node.name, spec.type)

    def member(self, node: ast.Member) -> ir.Const:
        if not (isinstance(node.target, ast.Ident) and node.target.name == "params"):
            raise self.fail("a member access", "params.NAME", "read params by name only")
        if node.name not in self.params:
            known = ", ".join(sorted(self.params)) or "none"
            raise self.fail(f"unknown param '{node.name}'", f"one of: {known}", "define it")
        value = self.params[node.name]
        constant = _constant(value)
        if constant is None:
            raise self.fail(
                f"param '{node.name}' holding a {type(value).__name__}",
                "a number, string, bool, timestamp, duration or list",
                f"give '{node.name}' such a value",
            )
        return constant

    def call(self, node: ast.Call) -> ir.Node:
        name, args = node.function, node.args
        if name == "has" and len(args) == 1 and isinstance(args[0], ast.Ident):
            return ir.Not(ir.IsNull(self.ident(args[0])))
        if name in ("in_zone", "distance_km", "within_km") and args:
            return self.zone_call(name, args)
        if name in ("timestamp", "duration") and len(args) == 1:
            return self.literal_call(name, args[0])
        if name == "size" and len(args) == 1:
            listed = self.visit(args[0])
            if isinstance(listed, ir.Const) and isinstance(listed.value, tuple):
                return ir.Const(len(listed.value), "int")
        raise self.fail(f"the call '{name}' with {len(args)} argument(s)", "a known call", "fix")

    def zone_call(self, name: str, args: tuple[ast.Expr, ...]) -> ir.Node:
        zone = args[0]
        if not isinstance(zone, ast.StringLit) or zone.value not in self.zones:
            known = ", ".join(sorted(self.zones)) or "none defined"
            raise self.fail(f"the zone argument of {name}", f"a zone id: {known}", "fix the id")
        if name == "in_zone" and len(args) == 1:
            return ir.ZoneInside(zone.value)
        if name == "distance_km" and len(args) == 1:
            return ir.ZoneDistance(zone.value)
        if name == "within_km" and len(args) == 2:
            km = self.visit(args[1])
            if km.type not in ("int", "float", "null"):
                raise self.fail(f"a {km.type} distance", "a number of km", "pass a number")
            return _compare("<=", ir.ZoneDistance(zone.value), km)
        raise self.fail(f"{len(args)} argument(s) to {name}", "the documented arity", "fix")

    def literal_call(self, name: str, arg: ast.Expr) -> ir.Const:
        if not isinstance(arg, ast.StringLit) or not valid_literal(name, arg.value):
            example = '"2015-02-15T00:00:00+02:00"' if name == "timestamp" else '"24h"'
            raise self.fail(f"an invalid {name} literal", f"e.g. {name}({example})", "fix it")
        if name == "duration":
            return ir.Const(duration_us(arg.value), "duration")
        moment = datetime.fromisoformat(arg.value.upper())
        return ir.Const(timestamp_us(moment), "timestamp")

    def unary(self, node: ast.Unary) -> ir.Node:
        operand = self.visit(node.operand)
        if node.op == "!":
            if isinstance(operand, ir.Const):
                value = None if operand.value is None else not operand.value
                return ir.Const(value, "bool")
            return ir.Not(operand)
        if isinstance(operand, ir.Const) and isinstance(operand.value, int | float):
            return ir.Const(-operand.value, operand.type)
        if operand.type not in ("int", "float", "duration", "null"):
            raise self.fail(f"'-' before a {operand.type}", "a number", "negate numbers only")
        return ir.Neg(operand, operand.type)

    def binary(self, node: ast.Binary) -> ir.Node:
        left, right = self.visit(node.left), self.visit(node.right)
        op = node.op
        if op in ("&&", "||"):
            kind = ir.And if op == "&&" else ir.Or
            items: list[ir.Node] = []
            for side in (left, right):
                items.extend(side.items if isinstance(side, kind) else (side,))
            return kind(tuple(items))
        if op in _COMPARISONS:
            return _compare(op, left, right)
        if op == "in":
            return self.membership(left, right)
        if op in _ARITHMETIC:
            return self.arithmetic(op, left, right)
        raise self.fail(f"the operator '{op}'", "a supported operator", "rewrite it")

    def membership(self, left: ir.Node, right: ir.Node) -> ir.Node:
        if not (isinstance(right, ir.Const) and isinstance(right.value, tuple)):
            raise self.fail("'in' without a constant list", "x in [a, b]", "use a list")
        values = tuple(v for v in right.value if v is not None)
        if isinstance(left, ir.Const) and left.value is None:
            return ir.Const(None, "bool")
        return ir.InList(left, values)

    def arithmetic(self, op: str, left: ir.Node, right: ir.Node) -> ir.Node:
        result = _arith_type(op, left.type, right.type)
        if result is None:
            raise self.fail(
                f"'{op}' on {left.type} and {right.type}", "numbers (or time)", "fix the types"
            )
        if _is_null(left) or _is_null(right):
            return ir.Const(None, result)
        return ir.Arith(op, left, right, result)

    def ternary(self, node: ast.Ternary) -> ir.Node:
        condition = self.visit(node.condition)
        then, otherwise = self.visit(node.then), self.visit(node.otherwise)
        merged = unify(then.type, otherwise.type)
        if merged is None:
            raise self.fail(f"branches of {then.type} and {otherwise.type}", "one type", "fix")
        if isinstance(condition, ir.Const):
            return then if condition.value is True else otherwise
        return ir.Cond(condition, then, otherwise, merged)


def _literal(node: ast.Expr) -> ir.Const | None:
    if isinstance(node, ast.NullLit):
        return ir.Const(None, "null")
    kind = LITERAL_TYPES.get(type(node))
    if kind is None or not isinstance(
        node, ast.IntLit | ast.FloatLit | ast.StringLit | ast.BoolLit
    ):
        return None
    return ir.Const(node.value, kind)


def _is_null(node: ir.Node) -> bool:
    return isinstance(node, ir.Const) and node.value is None


def _arith_type(op: str, left: str, right: str) -> str | None:
    if left == "null" and right == "null":
        return "null"
    if left == "null" or right == "null":
        other = right if left == "null" else left
        return other if other in ("int", "float", "string", "timestamp", "duration") else None
    return arithmetic_type(op, left, right)


def _compare(op: str, left: ir.Node, right: ir.Node) -> ir.Node:
    if _is_null(left) or _is_null(right):
        if op not in ("==", "!="):
            return ir.Const(None, "bool")
        if _is_null(left) and _is_null(right):
            return ir.Const(op == "==", "bool")
        other = right if _is_null(left) else left
        test: ir.Node = ir.IsNull(other)
        return test if op == "==" else ir.Not(test)
    return ir.Compare(op, left, right)


def _constant(value: object) -> ir.Const | None:
    found = value_type(value)
    if found is None:
        return None
    if isinstance(value, list | tuple | set | frozenset):
        items = tuple(_constant(item) for item in value)
        return ir.Const(tuple(item.value for item in items if item is not None), "list")
    if isinstance(value, datetime):
        return ir.Const(timestamp_us(value), "timestamp")
    if isinstance(value, timedelta):
        return ir.Const(value // timedelta(microseconds=1), "duration")
    return ir.Const(value, found)
