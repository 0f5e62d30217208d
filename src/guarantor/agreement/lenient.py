"""Validate agreement files item by item, so that one bad item hides no other problem.

Each item of a list section (clauses, rules, ...) is validated on its own: the valid items
are kept and every invalid one is reported with its position. The rest of the file is then
validated with the list sections already taken out.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from guarantor.agreement import schema as s
from guarantor.agreement.docerrors import problems_from_validation
from guarantor.agreement.yamlsource import SourceIndex
from guarantor.errors import Problem

__all__ = ["validate_agreement_file", "validate_overlay_file"]

M = TypeVar("M", bound=BaseModel)

_ITEM_MODELS: dict[str, type[BaseModel]] = {
    "sources": s.SourceDoc,
    "parties": s.PartyDoc,
    "zones": s.ZoneDoc,
    "clauses": s.ClauseDoc,
    "rules": s.RuleDoc,
    "directives": s.DirectiveDoc,
    "commitments": s.CommitmentDoc,
}


def _items(
    data: dict[str, Any], index: SourceIndex, prefix: tuple[str | int, ...], problems: list[Problem]
) -> dict[str, list[BaseModel]]:
    """Valid items of each list section found in ``data``; problems for the others."""
    found: dict[str, list[BaseModel]] = {}
    for section, model in _ITEM_MODELS.items():
        raw = data.get(section)
        if raw is None:
            continue
        if not isinstance(raw, list):
            problems.append(
                Problem(
                    index.locate((*prefix, section)),
                    f"a {type(raw).__name__} under '{section}'",
                    f"a list of items, each starting with '- ', e.g. '{section}:\\n  - id: ...'",
                    "write the section as a YAML list",
                    "not_a_list",
                )
            )
            continue
        good = []
        for position, item in enumerate(raw):
            try:
                good.append(model.model_validate(item))
            except ValidationError as exc:
                problems.extend(
                    problems_from_validation(exc, model, index, (*prefix, section, position))
                )
                salvaged = _without_unknown_keys(model, item, exc)
                if salvaged is not None:
                    good.append(salvaged)
        found[section] = good
    return found


def _without_unknown_keys(model: type[M], item: Any, exc: ValidationError) -> M | None:
    """The item validated again without its unknown keys, when those were its only fault,
    so that the checks of its other fields still run."""
    errors = exc.errors()
    if not isinstance(item, dict) or any(e["type"] != "extra_forbidden" for e in errors):
        return None
    unknown = {e["loc"][0] for e in errors if len(e["loc"]) == 1}
    if len(unknown) != len(errors):
        return None
    try:
        return model.model_validate({k: v for k, v in item.items() if k not in unknown})
    except ValidationError:
        return None


def _rest(
    data: dict[str, Any],
    model: type[M],
    index: SourceIndex,
    prefix: tuple[str | int, ...],
    problems: list[Problem],
    drop: set[str],
) -> M | None:
    rest = {k: v for k, v in data.items() if k not in drop}
    try:
        return model.model_validate(rest)
    except ValidationError as exc:
        problems.extend(problems_from_validation(exc, model, index, prefix))
        return None


def validate_agreement_file(
    data: dict[str, Any], index: SourceIndex
) -> tuple[s.AgreementFile | None, list[Problem]]:
    problems: list[Problem] = []
    sections = _items(data, index, (), problems)
    head = _rest(data, s.AgreementFile, index, (), problems, set(_ITEM_MODELS))
    if head is None:
        return None, problems
    return head.model_copy(update=sections), problems


def validate_overlay_file(
    data: dict[str, Any], index: SourceIndex
) -> tuple[s.OverlayFile | None, list[Problem]]:
    problems: list[Problem] = []
    parts: dict[str, s.SectionsDoc] = {}
    for part in ("add", "amend"):
        raw = data.get(part)
        if isinstance(raw, dict):
            sections = _items(raw, index, (part,), problems)
            head = _rest(raw, s.SectionsDoc, index, (part,), problems, set(_ITEM_MODELS))
            if head is not None:
                parts[part] = head.model_copy(update=sections)
    overlay = _rest(data, s.OverlayFile, index, (), problems, {p for p in parts})
    if overlay is None:
        return None, problems
    return overlay.model_copy(update=parts), problems
