"""What changed between two versions, clause by clause and rule by rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from guarantor.agreement import model as m
from guarantor.agreement.canonical import canonical_document

__all__ = ["Change", "FieldChange", "diff_versions"]

_SECTIONS = (
    "parties",
    "zones",
    "positions",
    "clauses",
    "rules",
    "directives",
    "commitments",
    "sources",
)
_IGNORED = frozenset({"revision"})


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class Change:
    """One item added, removed or changed. Rules are keyed by id and revision, so an amended
    rule shows as its earlier revision changed (``applies`` clipped) and a new revision added."""

    section: str
    item_id: str
    kind: Literal["added", "removed", "changed"]
    fields: tuple[FieldChange, ...] = ()
    revision: str = ""


def _keyed(document: dict[str, Any], section: str) -> dict[tuple[str, str], dict[str, Any]]:
    items = document.get(section, [])
    if section == "rules":
        return {(i["id"], i.get("revision", "")): i for i in items}
    return {(i["id"], ""): i for i in items}


def _field_changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[FieldChange, ...]:
    names = sorted((set(before) | set(after)) - _IGNORED)
    return tuple(
        FieldChange(name, before.get(name), after.get(name))
        for name in names
        if before.get(name) != after.get(name)
    )


def diff_versions(a: m.ResolvedVersion, b: m.ResolvedVersion) -> list[Change]:
    """Changes that turn version ``a`` into version ``b``, in section order."""
    doc_a, doc_b = canonical_document(a), canonical_document(b)
    changes: list[Change] = []
    if doc_a["taxonomy"] != doc_b["taxonomy"]:
        changes.append(
            Change(
                "taxonomy",
                "taxonomy",
                "changed",
                _field_changes(doc_a["taxonomy"], doc_b["taxonomy"]),
            )
        )
    for section in _SECTIONS:
        items_a, items_b = _keyed(doc_a, section), _keyed(doc_b, section)
        for key in sorted(set(items_a) | set(items_b)):
            item_id, revision = key
            if key not in items_a:
                changes.append(Change(section, item_id, "added", revision=revision))
            elif key not in items_b:
                changes.append(Change(section, item_id, "removed", revision=revision))
            else:
                fields = _field_changes(items_a[key], items_b[key])
                if fields:
                    changes.append(Change(section, item_id, "changed", fields, revision))
    return changes
