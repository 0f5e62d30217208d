"""The batch target: IR to Polars expressions over a whole frame of incidents.

The frame is the one :func:`guarantor.scenarios.frame.prepare_incidents` returns: every
incident field as a column named like the rule field (``incident_id`` for ``id``, ``_t``
int64 microseconds for ``time``), integers widened to Int64 and floats to Float64, plus one
distance column per zone the rules read (:func:`zone_column`). Null semantics are those of
:mod:`guarantor.scenarios.ir`: Polars' ``&``, ``|`` and ``~`` are already Kleene; division
by zero is masked to null; ``predicate`` collapses null to false at the top.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

import polars as pl

from guarantor.scenarios import ir

__all__ = [
    "column_of",
    "near_column",
    "near_position_column",
    "predicate",
    "to_polars",
    "zone_column",
    "zone_inside_column",
]

_DTYPES: dict[str, pl.DataType] = {
    "int": pl.Int64(),
    "float": pl.Float64(),
    "string": pl.String(),
    "bool": pl.Boolean(),
    "timestamp": pl.Int64(),
    "duration": pl.Int64(),
}


_RENAMED = {"id": "incident_id", "time": "_t"}


def column_of(field: str) -> str:
    """The frame column holding the rule field ``field``."""
    return _RENAMED.get(field, field)


def zone_column(zone: str) -> str:
    """The column of kilometres to ``zone`` (0 inside, null without coordinates)."""
    return f"_zone_km::{zone}"


def zone_inside_column(zone: str) -> str:
    """The column telling whether the place is inside ``zone`` (null without coordinates)."""
    return f"_zone_in::{zone}"


def near_column(party: str) -> str:
    """The column of kilometres to the nearest position of ``party`` held at the time."""
    return f"_near_km::{party}"


def near_position_column(party: str) -> str:
    """The column naming that nearest position (its id; null where the distance is null)."""
    return f"_near_id::{party}"


def predicate(node: ir.Node) -> pl.Expr:
    """A boolean expression that is true exactly where the rule's predicate is true."""
    return to_polars(node).fill_null(False)


def to_polars(node: ir.Node) -> pl.Expr:
    """``node`` as a Polars expression (three-valued: null where the value is unknown)."""
    leaf = _leaf(node)
    if leaf is not None:
        return leaf
    handler = _HANDLERS.get(type(node))
    if handler is None:
        raise TypeError(f"not an IR node: {node!r}")
    return handler(node)


def _cond(node: ir.Cond) -> pl.Expr:
    condition = to_polars(node.condition)
    return pl.when(condition).then(to_polars(node.then)).otherwise(to_polars(node.otherwise))


def _leaf(node: ir.Node) -> pl.Expr | None:
    if isinstance(node, ir.Const):
        return _literal(node)
    if isinstance(node, ir.Field):
        return pl.col(column_of(node.name))
    if isinstance(node, ir.ZoneInside):
        return pl.col(zone_inside_column(node.zone))
    if isinstance(node, ir.ZoneDistance):
        return pl.col(zone_column(node.zone))
    if isinstance(node, ir.PositionDistance):
        return pl.col(near_column(node.party))
    return None


def _literal(node: ir.Const) -> pl.Expr:
    dtype = _DTYPES.get(node.type)
    if node.value is None:
        return pl.lit(None, dtype=dtype or pl.Boolean())
    return pl.lit(node.value, dtype=dtype)


def _numeric_pair(left: ir.Node, right: ir.Node) -> tuple[pl.Expr, pl.Expr]:
    a, b = to_polars(left), to_polars(right)
    if {left.type, right.type} == {"int", "float"}:
        a, b = a.cast(pl.Float64), b.cast(pl.Float64)
    return a, b


def _compare(node: ir.Compare) -> pl.Expr:
    a, b = _numeric_pair(node.left, node.right)
    match node.op:
        case "==":
            return a == b
        case "!=":
            return a != b
        case "<":
            return a < b
        case "<=":
            return a <= b
        case ">":
            return a > b
    return a >= b


def _membership(node: ir.InList) -> pl.Expr:
    operand = to_polars(node.operand)
    values = list(node.values)
    if not values:
        return pl.when(operand.is_null()).then(pl.lit(None, pl.Boolean)).otherwise(False)
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if numeric and (node.operand.type == "float" or any(isinstance(v, float) for v in values)):
        floats = pl.Series([float(v) for v in values], dtype=pl.Float64)  # type: ignore[arg-type]
        return operand.cast(pl.Float64).is_in(floats.implode())
    dtype = _DTYPES.get(node.operand.type)
    return operand.is_in(pl.Series(values, dtype=dtype).implode())


def _arithmetic(node: ir.Arith) -> pl.Expr:
    op = node.op
    if op == "+" and node.type == "string":
        return pl.concat_str([to_polars(node.left), to_polars(node.right)])
    a, b = _numeric_pair(node.left, node.right)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    zero = pl.lit(None, dtype=_DTYPES.get(node.type, pl.Float64()))
    if node.type == "float":
        return pl.when(b == 0).then(zero).otherwise(a.cast(pl.Float64) / b.cast(pl.Float64))
    quotient = _truncated_division(a, b)
    if op == "/":
        return pl.when(b == 0).then(zero).otherwise(quotient)
    return pl.when(b == 0).then(zero).otherwise(a - b * quotient)


def _truncated_division(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Integer division rounding toward zero (CEL), from floor division."""
    floor = a.floordiv(pl.when(b == 0).then(1).otherwise(b))
    inexact = floor * b != a
    return pl.when((floor < 0) & inexact).then(floor + 1).otherwise(floor)


_HANDLERS: dict[type, Callable[[Any], pl.Expr]] = {
    ir.IsNull: lambda node: to_polars(node.operand).is_null(),
    ir.Not: lambda node: ~to_polars(node.operand),
    ir.And: lambda node: reduce(operator.and_, [to_polars(item) for item in node.items]),
    ir.Or: lambda node: reduce(operator.or_, [to_polars(item) for item in node.items]),
    ir.Neg: lambda node: -to_polars(node.operand),
    ir.Compare: _compare,
    ir.InList: _membership,
    ir.Arith: _arithmetic,
    ir.Cond: _cond,
}
