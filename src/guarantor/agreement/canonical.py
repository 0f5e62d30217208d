"""Canonical JSON form and content hash of a resolved version.

The hash is over meaning, not layout: keys are sorted, integral floats are written as
integers, times are UTC, expressions are in their canonical printed form, file names
are left out (a zone's GeoJSON is hashed by content). Reordering keys in YAML or
reformatting an expression leaves the hash unchanged; any change of text, value, time,
geometry or reference changes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from guarantor.agreement import model as m
from guarantor.agreement.expr import canonical, parse
from guarantor.errors import ExpressionError

__all__ = ["canonical_document", "content_hash", "to_jsonable"]

_LEFT_OUT = frozenset({"file", "geometry_file"})
_LEFT_OUT_WHEN_EMPTY = frozenset({"positions", "near"})
"""Fields added after versions were first hashed: left out when empty (no positions, no near
block), so that a version that does not use them keeps the hash it always had."""


def to_jsonable(value: Any) -> Any:
    """Dataclasses, mappings, sequences, times and numbers as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in _LEFT_OUT
            and not (f.name in _LEFT_OUT_WHEN_EMPTY and getattr(value, f.name) in (None, ()))
        }
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _canonical_when(rule: m.Rule) -> m.Rule:
    try:
        return dataclasses.replace(rule, when=canonical(parse(rule.when)))
    except ExpressionError:
        return rule


def canonical_document(version: m.ResolvedVersion) -> dict[str, Any]:
    """The JSON document that is hashed and stored; ``lineage`` records only version ids."""
    normalised = dataclasses.replace(
        version, rules=tuple(_canonical_when(r) for r in version.rules)
    )
    document: dict[str, Any] = to_jsonable(normalised)
    return document


def content_hash(version: m.ResolvedVersion) -> str:
    text = json.dumps(
        canonical_document(version), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
