"""The stream's rule table: which revisions an incident can match, found without trying all.

Two indexes make the cost of a push follow the matches, not the number of rules:

* by time: the ``applies`` bounds of all revisions cut event time into segments in which
  the same revisions are in force, so one bisection gives them;
* by guard: a predicate that is a conjunction with an equality test ``field == "value"``
  (or ``field in [...]``) can only be true when the incident's field has that value, so it
  is filed under it, and only the predicates filed under the incident's values (and those
  without a guard) are evaluated. Among its conjuncts a predicate is filed under the most
  selective one (the value fewest predicates share).

An incident matches exactly the revisions the batch target finds; the index only skips
predicates that would be false.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from typing import Any

from guarantor.scenarios import ir
from guarantor.scenarios.polars_target import column_of
from guarantor.scenarios.program import RevisionProgram, VersionProgram

__all__ = ["RuleIndex"]

Guard = tuple[str, tuple[Any, ...]]  # (record key, values that let the predicate be true)


def _guards(node: ir.Node) -> list[Guard]:
    items = node.items if isinstance(node, ir.And) else (node,)
    found = [guard for item in items if (guard := _guard(item)) is not None]
    return found


def _guard(item: ir.Node) -> Guard | None:
    """The values a conjunct needs its field to hold, if it is an equality or membership."""
    if isinstance(item, ir.InList) and isinstance(item.operand, ir.Field) and item.values:
        same = all(type(v) is type(item.values[0]) for v in item.values)
        return (column_of(item.operand.name), item.values) if same else None
    if not (isinstance(item, ir.Compare) and item.op == "=="):
        return None
    field, constant = item.left, item.right
    if isinstance(field, ir.Const):
        field, constant = constant, field
    if not (isinstance(field, ir.Field) and isinstance(constant, ir.Const)):
        return None
    if field.type != constant.type or constant.value is None:
        return None
    return (column_of(field.name), (constant.value,))


class RuleIndex:
    def __init__(self, program: VersionProgram) -> None:
        bounds = sorted({b for r in program.revisions for i in r.applies for b in i})
        self._bounds = bounds
        self._segments: list[dict[int, tuple[RevisionProgram, ...]]] = []
        for position in range(len(bounds) + 1):
            moment = bounds[position - 1] if position else -(2**62)
            in_force: dict[int, list[RevisionProgram]] = {}
            for revision in program.revisions:
                if revision.in_force(moment):
                    in_force.setdefault(revision.predicate, []).append(revision)
            self._segments.append({k: tuple(v) for k, v in in_force.items()})
        self._always: list[int] = []
        self._filed: dict[str, dict[Any, list[int]]] = {}
        self._file(program.predicates)

    def _file(self, predicates: tuple[ir.Node, ...]) -> None:
        options = [_guards(node) for node in predicates]
        shared = Counter(
            (key, value) for guards in options for key, values in guards for value in values
        )
        for index, guards in enumerate(options):
            if not guards:
                self._always.append(index)
                continue
            key, values = min(guards, key=lambda g: max(shared[(g[0], v)] for v in g[1]))
            by_value = self._filed.setdefault(key, {})
            for value in dict.fromkeys(values):
                by_value.setdefault(value, []).append(index)

    def candidates(
        self, record: dict[str, Any], *, known: Sequence[int] | None = None
    ) -> tuple[dict[int, tuple[RevisionProgram, ...]], Sequence[int]]:
        """The revisions in force at the record's time by predicate, and the predicates
        worth evaluating (the others are false for this record); ``known`` are predicates
        already known to be true, which are then the answer."""
        segment = self._segments[bisect_right(self._bounds, record["_t"])]
        if known is not None:
            return segment, known
        found = list(self._always)
        for key, by_value in self._filed.items():
            value = record.get(key)
            if value is not None:
                found.extend(by_value.get(value, ()))
        return segment, found
