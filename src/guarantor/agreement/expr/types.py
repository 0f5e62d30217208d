"""The types of rule expressions and the rules that combine them.

A type is a string: ``int``, ``float``, ``string``, ``bool``, ``timestamp``, ``duration``,
``null`` or ``list<T>``; ``dyn`` stands for "any" and only appears as the element type of an
empty list. ``int`` widens to ``float``; ``number`` (used in
:data:`~guarantor.agreement.fields.FUNCTIONS`) means either; ``list`` means any list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType

from guarantor.agreement.expr.ast import BoolLit, FloatLit, IntLit, Node, NullLit, StringLit

__all__ = [
    "LITERAL_TYPES",
    "NUMBER",
    "ORDERED",
    "arithmetic_type",
    "assignable",
    "element_type",
    "unify",
    "valid_literal",
    "value_type",
]

NUMBER = frozenset({"int", "float"})
ORDERED = frozenset({"int", "float", "string", "timestamp", "duration"})
"""The types ``< <= > >=`` accept (numbers with numbers, otherwise the same type)."""
LITERAL_TYPES: Mapping[type[Node], str] = MappingProxyType(
    {IntLit: "int", FloatLit: "float", StringLit: "string", BoolLit: "bool", NullLit: "null"}
)
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")
_DURATION = re.compile(r"\d+[smhdw]")
_TIME_ARITHMETIC = {
    ("+", "string", "string"): "string",
    ("+", "timestamp", "duration"): "timestamp",
    ("+", "duration", "timestamp"): "timestamp",
    ("+", "duration", "duration"): "duration",
    ("-", "timestamp", "timestamp"): "duration",
    ("-", "timestamp", "duration"): "timestamp",
    ("-", "duration", "duration"): "duration",
}


def element_type(found: str) -> str | None:
    """``T`` for ``list<T>``; ``None`` for anything else."""
    return found[5:-1] if found.startswith("list<") else None


def unify(a: str, b: str) -> str | None:
    """The one type both ``a`` and ``b`` fit, or ``None`` if they do not mix."""
    if a == b or b in ("dyn", "null"):
        return a
    if a in ("dyn", "null"):
        return b
    if a in NUMBER and b in NUMBER:
        return "float"
    element_a, element_b = element_type(a), element_type(b)
    if element_a is None or element_b is None:
        return None
    element = unify(element_a, element_b)
    return None if element is None else f"list<{element}>"


def assignable(found: str, wanted: str) -> bool:
    """Whether a value of type ``found`` may stand where ``wanted`` is required."""
    if found in (wanted, "dyn") or (found == "int" and wanted == "float"):
        return True
    if wanted == "number":
        return found in NUMBER
    return wanted == "list" and element_type(found) is not None


def value_type(value: object) -> str | None:
    """The expression type of a param value, or ``None`` if it has no expression type."""
    if isinstance(value, bool):
        return "bool"
    simple = {int: "int", float: "float", str: "string", datetime: "timestamp"}
    for kind, name in simple.items():
        if isinstance(value, kind):
            return name
    if isinstance(value, timedelta):
        return "duration"
    if not isinstance(value, list | tuple | set | frozenset):
        return None
    element: str | None = "dyn"
    for item in value:
        item_type = value_type(item)
        if item_type is None or element is None:
            return None
        element = unify(element, item_type)
    return None if element is None else f"list<{element}>"


def arithmetic_type(op: str, left: str, right: str) -> str | None:
    """The result type of ``left op right`` for ``+ - * / %``, or ``None`` if invalid."""
    if left in NUMBER and right in NUMBER:
        if left == right == "int":
            return "int"
        return None if op == "%" else "float"
    return _TIME_ARITHMETIC.get((op, left, right))


def valid_literal(function: str, text: str) -> bool:
    """Whether ``text`` is a valid argument literal of ``timestamp`` or ``duration``.

    A timestamp is RFC 3339 with an explicit offset or Z (a real date and time); a duration
    is a whole number and one unit of s, m, h, d or w.
    """
    if function == "duration":
        return _DURATION.fullmatch(text) is not None
    if _RFC3339.fullmatch(text.upper()) is None:
        return False
    try:
        datetime.fromisoformat(text.upper())
    except ValueError:
        return False
    return True
