"""The intermediate form that rule predicates compile to, and that both targets run.

A predicate is a tree of the small frozen nodes below. Every node knows its value type
(``int``, ``float``, ``string``, ``bool``, ``timestamp``, ``duration``, ``null``, ``list``).
Timestamps and durations are int64 microseconds (UTC for timestamps); params and literal
functions (``timestamp``, ``duration``, ``size``) are already folded into :class:`Const`;
``within_km`` and the declarative ``geofence`` block become comparisons on
:class:`ZoneDistance`, ``in_zone`` becomes :class:`ZoneInside`, and the declarative ``near``
block becomes a comparison on :class:`PositionDistance`.

Null semantics (both targets implement exactly these; see ``polars_target`` and
``stream_target``):

* a field may be null; any comparison, membership test or arithmetic reading a null value
  is null (unknown), never an error;
* ``&&``, ``||`` and ``!`` follow SQL's three-valued (Kleene) logic: ``false && null`` is
  false, ``true || null`` is true, ``!null`` is null;
* a rule fires only when its predicate is *true*: null collapses to false at the top;
* ``x == null`` and ``x != null`` (a null literal) are null tests, like ``!has(x)`` and
  ``has(x)``;
* ``c ? a : b`` with a null condition takes ``b`` (like SQL's ``CASE WHEN``);
* division or ``%`` by zero is null; ``int / int`` truncates toward zero (CEL), and
  ``a % b`` is ``a - b * (a / b)``;
* a null item in a literal list never matches ``in``;
* an int compared with a float is read as a float; integers are int64.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "And",
    "Arith",
    "Compare",
    "Cond",
    "Const",
    "Field",
    "InList",
    "IsNull",
    "Neg",
    "Node",
    "Not",
    "Or",
    "PositionDistance",
    "ZoneDistance",
    "ZoneInside",
    "children",
    "fields_read",
    "parties_near",
    "walk",
    "zones_read",
]


@dataclass(frozen=True, slots=True)
class Const:
    """A constant: a literal, a param value, or a folded function of literals."""

    value: object
    type: str


@dataclass(frozen=True, slots=True)
class Field:
    """An incident field by its rule name (``id``, ``time``, ``severity``, ...)."""

    name: str
    type: str


@dataclass(frozen=True, slots=True)
class IsNull:
    """True when the operand is null; never null itself."""

    operand: Node
    type: str = "bool"


@dataclass(frozen=True, slots=True)
class ZoneInside:
    """The incident's place lies inside the zone; null without coordinates."""

    zone: str
    type: str = "bool"


@dataclass(frozen=True, slots=True)
class ZoneDistance:
    """Kilometres on the ground from the incident's place to the zone (0 inside)."""

    zone: str
    type: str = "float"


@dataclass(frozen=True, slots=True)
class PositionDistance:
    """Kilometres on the ground from the incident's place to the nearest deployed position of
    ``party`` (or of one of its members) held at the incident's time; null without
    coordinates or when no such position is held then."""

    party: str
    type: str = "float"


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    type: str = "bool"


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]
    type: str = "bool"


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]
    type: str = "bool"


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right`` for ``== != < <= > >=``."""

    op: str
    left: Node
    right: Node
    type: str = "bool"


@dataclass(frozen=True, slots=True)
class InList:
    """``operand in [values]``; ``values`` are constants without nulls."""

    operand: Node
    values: tuple[object, ...]
    type: str = "bool"


@dataclass(frozen=True, slots=True)
class Arith:
    """``left op right`` for ``+ - * / %``; ``type`` is the result type."""

    op: str
    left: Node
    right: Node
    type: str


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node
    type: str


@dataclass(frozen=True, slots=True)
class Cond:
    """``condition ? then : otherwise``."""

    condition: Node
    then: Node
    otherwise: Node
    type: str


Node = (
    Const
    | Field
    | IsNull
    | ZoneInside
    | ZoneDistance
    | PositionDistance
    | Not
    | And
    | Or
    | Compare
    | InList
    | Arith
    | Neg
    | Cond
)


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of ``node``."""
    if isinstance(node, IsNull | Not | Neg | InList):
        return (node.operand,)
    if isinstance(node, And | Or):
        return node.items
    if isinstance(node, Compare | Arith):
        return (node.left, node.right)
    if isinstance(node, Cond):
        return (node.condition, node.then, node.otherwise)
    return ()


def walk(node: Node) -> Iterator[Node]:
    """``node`` and every node below it, depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def fields_read(node: Node) -> frozenset[str]:
    """The incident fields the predicate reads (zones read ``lat`` and ``lon``)."""
    found: set[str] = set()
    for item in walk(node):
        if isinstance(item, Field):
            found.add(item.name)
        elif isinstance(item, ZoneInside | ZoneDistance):
            found.update(("lat", "lon"))
        elif isinstance(item, PositionDistance):
            found.update(("lat", "lon", "time"))
    return frozenset(found)


def parties_near(node: Node) -> frozenset[str]:
    """The parties whose deployed positions the predicate reads."""
    return frozenset(item.party for item in walk(node) if isinstance(item, PositionDistance))


def zones_read(node: Node) -> frozenset[str]:
    """The zone ids the predicate reads."""
    return frozenset(
        item.zone for item in walk(node) if isinstance(item, ZoneInside | ZoneDistance)
    )
