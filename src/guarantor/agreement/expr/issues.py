"""How the type checker phrases an issue: what was found, what was expected, the fix.

Every :class:`ExprIssue` names its position in the expression, what was found (the
sub-expression and its type), what was expected (with an example) and a fix, so a rule
author can correct the agreement without reading the checker.
"""

from __future__ import annotations

from dataclasses import dataclass

from guarantor.agreement.expr.ast import BINARY_PRECEDENCE, Expr, precedence
from guarantor.agreement.expr.printer import canonical

__all__ = [
    "ARITHMETIC_EXPECTED",
    "EXAMPLES",
    "LITERAL_FORMATS",
    "TYPE_MISMATCH",
    "ExprIssue",
    "article",
    "condition_fix",
    "shown",
]

TYPE_MISMATCH = "type_mismatch"
EXAMPLES = {
    "bool": "severity >= 3",
    "int": "3",
    "float": "1.5",
    "number": "3",
    "string": '"shelling"',
    "timestamp": 'timestamp("2015-02-15T00:00:00+02:00")',
    "duration": 'duration("24h")',
    "null": "null",
}
ARITHMETIC_EXPECTED = {
    "+": "numbers, two strings, or a timestamp or duration plus a duration",
    "-": "numbers, two timestamps, or a timestamp or duration minus a duration",
    "*": "two numbers",
    "/": "two numbers",
    "%": "two ints",
}
LITERAL_FORMATS = {
    "timestamp": ('an RFC 3339 time with an offset or Z, e.g. "2015-02-15T00:00:00+02:00"'),
    "duration": 'a whole number and a unit s, m, h, d or w, e.g. "24h"',
}


@dataclass(frozen=True, slots=True)
class ExprIssue:
    """One thing wrong with an expression, phrased to teach."""

    position: int
    found: str
    expected: str
    fix: str
    code: str

    def render(self) -> str:
        return (
            f"position {self.position}: {self.code}: found {self.found}; "
            f"expected {self.expected}; fix: {self.fix}"
        )


def shown(expr: Expr, found: str) -> str:
    text = canonical(expr)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"'{text}' of type {found}"


def article(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def condition_fix(expr: Expr, found: str) -> str:
    suffixes = {"int": "> 0", "float": "> 0", "string": '== "shelling"'}
    suffix = suffixes.get(found)
    if suffix is None:
        return "write a condition, e.g. severity >= 3 or has(calibre_mm)"
    text = canonical(expr)
    if precedence(expr) <= BINARY_PRECEDENCE["=="]:
        text = f"({text})"
    return f"compare it to make a condition, e.g. {text} {suffix}"
