"""The stream target: IR to Python closures over one incident record.

A record is a dict keyed like the batch frame's columns (``incident_id``, ``_t`` in int64
microseconds, the other rule fields by name, and the zone columns of
:mod:`guarantor.scenarios.polars_target`). Closures are built once per predicate, never by
re-parsing. They implement the null semantics of :mod:`guarantor.scenarios.ir` exactly like
the Polars target: ``None`` is unknown, logic is three-valued, division by zero is ``None``,
``int / int`` truncates toward zero, and :func:`predicate` is true only for ``True``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from guarantor.scenarios import ir
from guarantor.scenarios.polars_target import (
    column_of,
    near_column,
    zone_column,
    zone_inside_column,
)

__all__ = ["Evaluator", "Record", "predicate", "to_python"]

Record = Mapping[str, Any]
Evaluator = Callable[[Record], Any]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def predicate(node: ir.Node) -> Callable[[Record], bool]:
    """A function that is true exactly where the rule's predicate is true."""
    inner = to_python(node)
    return lambda record: inner(record) is True


def to_python(node: ir.Node) -> Evaluator:
    """``node`` as a closure over a record (``None`` where the value is unknown)."""
    leaf = _leaf(node)
    if leaf is not None:
        return leaf
    handler = _HANDLERS.get(type(node))
    if handler is None:
        raise TypeError(f"not an IR node: {node!r}")
    return handler(node)


def _is_null(node: ir.IsNull) -> Evaluator:
    inner = to_python(node.operand)
    return lambda record: inner(record) is None


def _neg(node: ir.Neg) -> Evaluator:
    inner = to_python(node.operand)
    return lambda record: None if (v := inner(record)) is None else -v


def _leaf(node: ir.Node) -> Evaluator | None:
    if isinstance(node, ir.Const):
        value = node.value
        return lambda record: value
    if isinstance(node, ir.Field):
        return _getter(column_of(node.name))
    if isinstance(node, ir.ZoneInside):
        return _getter(zone_inside_column(node.zone))
    if isinstance(node, ir.ZoneDistance):
        return _getter(zone_column(node.zone))
    if isinstance(node, ir.PositionDistance):
        return _getter(near_column(node.party))
    return None


def _getter(key: str) -> Evaluator:
    return lambda record: record.get(key)


def _negation(inner: Evaluator) -> Evaluator:
    def negate(record: Record) -> Any:
        value = inner(record)
        return None if value is None else not value

    return negate


def _conjunction(items: tuple[Evaluator, ...]) -> Evaluator:
    def conjunction(record: Record) -> Any:
        unknown = False
        for item in items:
            value = item(record)
            if value is False:
                return False
            if value is None:
                unknown = True
        return None if unknown else True

    return conjunction


def _disjunction(items: tuple[Evaluator, ...]) -> Evaluator:
    def disjunction(record: Record) -> Any:
        unknown = False
        for item in items:
            value = item(record)
            if value is True:
                return True
            if value is None:
                unknown = True
        return None if unknown else False

    return disjunction


def _compare(node: ir.Compare) -> Evaluator:
    compare = _COMPARE[node.op]
    if {node.left.type, node.right.type} == {"int", "float"}:
        base = compare  # like Polars: an int compared with a float is read as a float
        compare = lambda a, b: base(float(a), float(b))  # noqa: E731
    if isinstance(node.right, ir.Const) and isinstance(node.left, ir.Field):
        key, constant = column_of(node.left.name), node.right.value
        return lambda r: None if (v := r.get(key)) is None else compare(v, constant)
    left, right = to_python(node.left), to_python(node.right)

    def comparison(record: Record) -> Any:
        a, b = left(record), right(record)
        if a is None or b is None:
            return None
        return compare(a, b)

    return comparison


def _membership(node: ir.InList) -> Evaluator:
    values = frozenset(node.values)
    if isinstance(node.operand, ir.Field):
        key = column_of(node.operand.name)
        return lambda r: None if (v := r.get(key)) is None else v in values
    inner = to_python(node.operand)
    return lambda r: None if (v := inner(r)) is None else v in values


def _divide(a: Any, b: Any, result: str) -> Any:
    if b == 0:
        return None
    if result == "float":
        return float(a) / float(b)
    floor = a // b
    return floor + 1 if floor < 0 and floor * b != a else floor


def _arithmetic(node: ir.Arith) -> Evaluator:
    left, right, op, result = to_python(node.left), to_python(node.right), node.op, node.type
    if {node.left.type, node.right.type} == {"int", "float"}:
        cast_left, cast_right = left, right
        left = lambda r: None if (v := cast_left(r)) is None else float(v)  # noqa: E731
        right = lambda r: None if (v := cast_right(r)) is None else float(v)  # noqa: E731

    def arithmetic(record: Record) -> Any:
        a, b = left(record), right(record)
        if a is None or b is None:
            return None
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        quotient = _divide(a, b, result)
        if op == "/" or quotient is None:
            return quotient
        return a - b * quotient

    return arithmetic


def _conditional(node: ir.Cond) -> Evaluator:
    condition, then, otherwise = (
        to_python(node.condition),
        to_python(node.then),
        to_python(node.otherwise),
    )
    return lambda record: then(record) if condition(record) is True else otherwise(record)


_HANDLERS: dict[type, Callable[[Any], Evaluator]] = {
    ir.IsNull: _is_null,
    ir.Not: lambda node: _negation(to_python(node.operand)),
    ir.And: lambda node: _conjunction(tuple(to_python(item) for item in node.items)),
    ir.Or: lambda node: _disjunction(tuple(to_python(item) for item in node.items)),
    ir.Neg: _neg,
    ir.Compare: _compare,
    ir.InList: _membership,
    ir.Arith: _arithmetic,
    ir.Cond: _conditional,
}
