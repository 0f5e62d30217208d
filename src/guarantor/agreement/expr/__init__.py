"""The rule expression language: a small subset of CEL.

:func:`parse` turns text into a tree of :mod:`~guarantor.agreement.expr.ast` nodes (raising
:class:`~guarantor.errors.ExpressionError` on a syntax error), :func:`check` type-checks a
tree against the incident fields, a rule's params and the zones, and :func:`canonical`
prints a tree in its one canonical spelling. Nothing here evaluates an expression.
"""

from guarantor.agreement.expr.ast import (
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
    Node,
    NullLit,
    StringLit,
    Ternary,
    Unary,
    strip_positions,
)
from guarantor.agreement.expr.checker import CheckResult, ExprIssue, check
from guarantor.agreement.expr.lexer import Token, tokenize
from guarantor.agreement.expr.parser import parse
from guarantor.agreement.expr.printer import canonical
from guarantor.agreement.expr.types import value_type

__all__ = [
    "Binary",
    "BoolLit",
    "Call",
    "CheckResult",
    "Expr",
    "ExprIssue",
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
    "Token",
    "Unary",
    "canonical",
    "check",
    "parse",
    "strip_positions",
    "tokenize",
    "value_type",
]
