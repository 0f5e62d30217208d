"""The canonical text of a rule expression.

One spelling per tree: single spaces around binary operators and inside the ternary, none
after unary operators or inside brackets, ``", "`` between items, strings in double quotes
with only ``\\\\ \\" \\n \\t \\r`` escaped, floats as Python's shortest ``repr``, and only
the parentheses the tree needs. ``a&&b`` and ``a && (b)`` print the same, so the text can
be hashed and diffed. ``parse(canonical(tree))`` gives ``tree`` back (offsets aside).
"""

from __future__ import annotations

import math

from guarantor.agreement.expr.ast import (
    BINARY_PRECEDENCE,
    POSTFIX_PRECEDENCE,
    TERNARY_PRECEDENCE,
    UNARY_PRECEDENCE,
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
    precedence,
)

__all__ = ["canonical", "quote"]

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def quote(value: str) -> str:
    """``value`` as a double-quoted string literal."""
    return '"' + "".join(_ESCAPES.get(char, char) for char in value) + '"'


def canonical(expr: Expr) -> str:
    """The canonical text of ``expr``."""
    leaf = _leaf(expr)
    if leaf is not None:
        return leaf
    return _compound(expr)


def _leaf(expr: Expr) -> str | None:
    text: str | None = None
    if isinstance(expr, IntLit | Ident):
        text = str(expr.value) if isinstance(expr, IntLit) else expr.name
    elif isinstance(expr, FloatLit):
        if not math.isfinite(expr.value):
            raise ValueError(f"a float literal must be finite, not {expr.value!r}")
        text = repr(expr.value)
    elif isinstance(expr, StringLit):
        text = quote(expr.value)
    elif isinstance(expr, BoolLit):
        text = "true" if expr.value else "false"
    elif isinstance(expr, NullLit):
        text = "null"
    return text


def _compound(expr: Expr) -> str:
    match expr:
        case Binary(op=op, left=left, right=right):
            level = BINARY_PRECEDENCE[op]
            text = f"{_wrap(left, level)} {op} {_wrap(right, level + 1)}"
        case Unary(op=op, operand=operand):
            text = f"{op}{_wrap(operand, UNARY_PRECEDENCE)}"
        case Ternary(condition=condition, then=then, otherwise=otherwise):
            inner = TERNARY_PRECEDENCE + 1
            text = (
                f"{_wrap(condition, inner)} ? {_wrap(then, inner)} : "
                f"{_wrap(otherwise, TERNARY_PRECEDENCE)}"
            )
        case Member(target=target, name=name):
            text = f"{_wrap(target, POSTFIX_PRECEDENCE)}.{name}"
        case Index(target=target, index=index):
            text = f"{_wrap(target, POSTFIX_PRECEDENCE)}[{canonical(index)}]"
        case Call(function=function, args=args):
            text = f"{function}({_join(args)})"
        case ListExpr(items=items):
            text = f"[{_join(items)}]"
        case _:
            raise TypeError(f"not an expression node: {expr!r}")
    return text


def _join(items: tuple[Expr, ...]) -> str:
    return ", ".join(canonical(item) for item in items)


def _wrap(expr: Expr, minimum: int) -> str:
    text = canonical(expr)
    return f"({text})" if precedence(expr) < minimum else text
