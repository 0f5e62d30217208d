"""Check that the words a rule compares ``type`` and ``weapon`` with exist in the taxonomy.

``type == "shelin"`` parses and type-checks, but never matches: a typo that silently turns a
clause off. Every string literal compared with ``type`` or ``weapon`` (by ``==``, ``!=`` or
``in [...]``) must be an id of the agreement's taxonomy.
"""

from __future__ import annotations

from collections.abc import Iterator

from guarantor.agreement import model as m
from guarantor.agreement.expr import Binary, Expr, Ident, ListExpr, StringLit
from guarantor.agreement.expr.ast import children

__all__ = ["unknown_vocabulary"]


def _literals(node: Expr) -> list[StringLit]:
    if isinstance(node, StringLit):
        return [node]
    if isinstance(node, ListExpr):
        return [item for item in node.items if isinstance(item, StringLit)]
    return []


def _compared(node: Binary) -> tuple[str, list[StringLit]] | None:
    if node.op not in ("==", "!=", "in"):
        return None
    for field_side, other in ((node.left, node.right), (node.right, node.left)):
        if isinstance(field_side, Ident) and field_side.name in ("type", "weapon"):
            return field_side.name, _literals(other)
    return None


def unknown_vocabulary(
    tree: Expr, taxonomy: m.Taxonomy
) -> Iterator[tuple[StringLit, str, list[str]]]:
    """(literal, field, known ids) for every literal that is not a taxonomy id, in source
    order."""
    found: list[tuple[StringLit, str, list[str]]] = []
    known = {"type": sorted(taxonomy.type_ids()), "weapon": sorted(taxonomy.weapon_ids())}
    stack: list[Expr] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Binary) and (compared := _compared(node)) is not None:
            name, literals = compared
            for literal in literals:
                if literal.value not in known[name]:
                    found.append((literal, name, known[name]))
        stack.extend(children(node))
    yield from sorted(found, key=lambda item: item[0].start)
