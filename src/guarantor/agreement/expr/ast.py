"""The syntax tree of a rule expression.

Every node is a frozen dataclass carrying ``start`` and ``end``: 0-based character offsets
into the source it was parsed from (``end`` is exclusive). Nodes built by hand (tests, tools)
may leave both at 0. Two trees are equal only if their offsets are equal too; compare
:func:`strip_positions` of both to compare structure alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import cast

__all__ = [
    "ATOM_PRECEDENCE",
    "BINARY_PRECEDENCE",
    "POSTFIX_PRECEDENCE",
    "TERNARY_PRECEDENCE",
    "UNARY_PRECEDENCE",
    "Binary",
    "BoolLit",
    "Call",
    "Expr",
    "FloatLit",
    "Ident",
    "Index",
    "IntLit",
    "ListExpr",
    "Member",
    "Node",
    "NullLit",
    "StringLit",
    "Ternary",
    "Unary",
    "children",
    "deepest",
    "precedence",
    "strip_positions",
]

TERNARY_PRECEDENCE = 1
BINARY_PRECEDENCE: Mapping[str, int] = MappingProxyType(
    {
        "||": 2,
        "&&": 3,
        "==": 4,
        "!=": 4,
        "<": 4,
        "<=": 4,
        ">": 4,
        ">=": 4,
        "in": 4,
        "+": 5,
        "-": 5,
        "*": 6,
        "/": 6,
        "%": 6,
    }
)
UNARY_PRECEDENCE = 7
POSTFIX_PRECEDENCE = 8
ATOM_PRECEDENCE = 9


@dataclass(frozen=True, slots=True)
class Node:
    """Base of every node: where it is in the source."""

    start: int = field(default=0, kw_only=True)
    end: int = field(default=0, kw_only=True)


@dataclass(frozen=True, slots=True)
class IntLit(Node):
    value: int


@dataclass(frozen=True, slots=True)
class FloatLit(Node):
    value: float


@dataclass(frozen=True, slots=True)
class StringLit(Node):
    value: str


@dataclass(frozen=True, slots=True)
class BoolLit(Node):
    value: bool


@dataclass(frozen=True, slots=True)
class NullLit(Node):
    pass


@dataclass(frozen=True, slots=True)
class ListExpr(Node):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Ident(Node):
    """A bare name: an incident field, or ``params`` before ``.NAME``."""

    name: str


@dataclass(frozen=True, slots=True)
class Member(Node):
    """``target.name``; the name ends at ``end``, so it starts at ``end - len(name)``."""

    target: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``function(args...)``; the function name starts at ``start``."""

    function: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Index(Node):
    target: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Unary(Node):
    """``!operand`` or ``-operand``."""

    op: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary(Node):
    """``left op right`` for every operator in :data:`BINARY_PRECEDENCE`."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Ternary(Node):
    """``condition ? then : otherwise``."""

    condition: Expr
    then: Expr
    otherwise: Expr


Expr = (
    IntLit
    | FloatLit
    | StringLit
    | BoolLit
    | NullLit
    | ListExpr
    | Ident
    | Member
    | Call
    | Index
    | Unary
    | Binary
    | Ternary
)


def precedence(expr: Expr) -> int:
    """How tightly ``expr`` binds: higher binds tighter (atoms are highest)."""
    if isinstance(expr, Ternary):
        return TERNARY_PRECEDENCE
    if isinstance(expr, Binary):
        return BINARY_PRECEDENCE[expr.op]
    if isinstance(expr, Unary):
        return UNARY_PRECEDENCE
    if isinstance(expr, Member | Call | Index):
        return POSTFIX_PRECEDENCE
    return ATOM_PRECEDENCE


def _strip(value: object) -> object:
    if isinstance(value, Node):
        return strip_positions(value)  # type: ignore[arg-type]
    if isinstance(value, tuple):
        return tuple(_strip(item) for item in value)
    return value


def strip_positions(expr: Expr) -> Expr:
    """The same tree with every ``start`` and ``end`` set to 0, for structural comparison."""
    changes = {
        f.name: _strip(getattr(expr, f.name))
        for f in fields(expr)
        if f.name not in ("start", "end")
    }
    return replace(expr, start=0, end=0, **changes)  # type: ignore[arg-type]


def children(expr: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of ``expr``, in source order."""
    found: list[Expr] = []
    for f in fields(expr):
        value = getattr(expr, f.name)
        if isinstance(value, Node):
            found.append(cast("Expr", value))
        elif isinstance(value, tuple):
            found.extend(value)
    return tuple(found)


def deepest(expr: Expr, limit: int) -> Expr | None:
    """A node nested more than ``limit`` levels deep in ``expr``, or ``None``; not recursive."""
    stack = [(expr, 1)]
    while stack:
        node, level = stack.pop()
        if level > limit:
            return node
        stack.extend((child, level + 1) for child in reversed(children(node)))
    return None
