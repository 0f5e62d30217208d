"""Turn Pydantic validation errors on agreement files into problems that teach."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Sequence

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from guarantor.agreement.yamlsource import SourceIndex
from guarantor.errors import Problem

__all__ = ["problems_from_validation", "suggest"]

_EXAMPLES: dict[str, str] = {
    "id": "ceasefire-hostile-act (lowercase letters, digits, '.', '_' or '-')",
    "status": "official, reported or illustrative",
    "kind": "violation or scenario (rules); state or organisation (parties)",
    "within": "24h (a whole number and s, m, h, d or w)",
    "length": "24h (a whole number and s, m, h, d or w)",
    "adopted": "2020-07-22",
    "due": "2027-12-31",
    "effective": "2015-02-15T00:00:00+02:00",
    "from": "2015-02-15T00:00:00+02:00",
    "until": "2020-07-27T00:01:00+03:00",
    "direction": "at_least or at_most",
    "measure": "count or sum",
}

_EXPECTED: dict[str, str] = {
    "timezone_aware": "a time with a UTC offset (event times are compared in UTC)",
    "string_pattern_mismatch": "text of the documented form",
}


def suggest(word: str, choices: Sequence[str]) -> str:
    """A did-you-mean phrase, or an empty string when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def problems_from_validation(
    exc: ValidationError,
    model: type[BaseModel],
    index: SourceIndex,
    prefix: tuple[str | int, ...] = (),
) -> list[Problem]:
    """Problems for every error of ``exc``; ``prefix`` is where the validated value sits in
    the file when ``model`` validated only a part of it (one item of a list section)."""
    return [_problem(error, model, index, prefix) for error in exc.errors()]


def _problem(
    error: ErrorDetails, model: type[BaseModel], index: SourceIndex, prefix: tuple[str | int, ...]
) -> Problem:
    inner = tuple(error["loc"])
    loc = (*prefix, *inner)
    kind = error["type"]
    name = str(loc[-1]) if loc else ""
    found = _found(error)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, inner[:-1])
        hint = suggest(name, allowed)
        location = index.locate((*loc, "__key__"), _dotted(loc))
        return Problem(
            location=location,
            found=f"unknown key '{name}'",
            expected="one of: " + ", ".join(sorted(allowed)),
            fix=(hint + " " if hint else "") + f"rename or remove '{name}'",
            code="unknown_key",
        )
    if kind == "missing":
        example = _EXAMPLES.get(name, "a value")
        return Problem(
            location=index.locate(loc[:-1], _dotted(loc)),
            found=f"no '{name}'",
            expected=f"'{name}' to be given, e.g. {name}: {example}",
            fix=f"add '{name}:' to this item",
            code="missing_key",
        )
    example = _EXAMPLES.get(name, "")
    expected = _EXPECTED.get(kind) or error["msg"].removeprefix("Input should be ").removeprefix(
        "Value error, "
    )
    if example:
        expected += f", e.g. {example}"
    return Problem(
        location=index.locate(loc, _dotted(loc)),
        found=found,
        expected=expected,
        fix=f"change '{name}' to the expected form" if name else "change the value",
        code=kind,
    )


def _found(error: ErrorDetails) -> str:
    value = error.get("input")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _dotted(loc: Sequence[object]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _allowed_keys(model: type[BaseModel], path: Sequence[object]) -> list[str]:
    """Field names (by alias) of the model found by following ``path`` through ``model``."""
    current: object = model
    for part in path:
        if isinstance(part, int):
            current = _item_type(current)
            continue
        fields = current.model_fields if _is_model(current) else {}
        info = fields.get(str(part)) or next((f for f in fields.values() if f.alias == part), None)
        if info is None:
            return []
        current = _strip_optional(info.annotation)
    if not _is_model(current):
        return []
    return [info.alias or name for name, info in current.model_fields.items()]


def _is_model(value: object) -> typing.TypeGuard[type[BaseModel]]:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _strip_optional(annotation: object) -> object:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, __import__("types").UnionType):
        return args[0] if len(args) == 1 else annotation
    return annotation


def _item_type(annotation: object) -> object:
    args = typing.get_args(annotation)
    return _strip_optional(args[0]) if args else annotation
