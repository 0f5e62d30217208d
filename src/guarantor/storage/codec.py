"""Converting a :class:`ResolvedVersion` to rows and to its canonical JSON document, and back.

:func:`to_jsonable` is a generic recursive converter (dataclasses, tuples, mappings, dates,
datetimes); :func:`from_jsonable` is its inverse, driven by the type hints of the target
dataclass. The canonical document of a version is ``to_jsonable(version)``:

* a dataclass becomes a mapping of **all** its fields (defaults included);
* datetimes become ISO 8601 in UTC with ``Z`` (``2015-02-14T22:00:00Z``; naive datetimes are
  refused), dates ISO (``2015-02-12``);
* tuples and lists become lists; mappings get sorted string keys.

:func:`canonical_json` serialises it with sorted keys and no spaces, so equal versions give
equal text. The document is what :mod:`guarantor.storage.repositories` reads back, so a round
trip through the database gives an equal version (GeoJSON arrays come back as lists).

Why not :mod:`guarantor.agreement.canonical`: that document is built for the content hash, over
meaning, so it is lossy on purpose (file names left out, integral floats written as integers,
expressions reprinted). The stored document must give back the very same objects, so it keeps
every field as it is; the hash stored beside it is still ``agreement.canonical.content_hash``.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

from guarantor.agreement.model import ResolvedVersion, Rule, Zone

__all__ = [
    "canonical_document",
    "canonical_json",
    "child_rows",
    "from_jsonable",
    "to_jsonable",
    "version_from_document",
    "version_row",
]

T = TypeVar("T")
_PRIMITIVES = (str, int, float, bool, type(None))


def to_jsonable(obj: object) -> object:
    """``obj`` as plain JSON-able values (see the module docstring for the rules)."""
    if isinstance(obj, _PRIMITIVES):
        return obj
    if isinstance(obj, datetime):
        return _utc_text(obj)
    if isinstance(obj, date):
        return obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, tuple | list):
        return [to_jsonable(item) for item in obj]
    raise TypeError(
        f"cannot convert {obj!r} of type {type(obj).__name__} to JSON; expected a dataclass, "
        "tuple, list, mapping, date, datetime, str, int, float, bool or None"
    )


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"naive datetime {moment.isoformat()} has no UTC form; expected an aware datetime "
            "such as datetime(2015, 2, 15, tzinfo=UTC); fix: attach a tzinfo"
        )
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def canonical_document(version: ResolvedVersion) -> dict[str, object]:
    """The canonical, JSON-able form of ``version`` (the text ``content_hash`` certifies)."""
    return cast(dict[str, object], to_jsonable(version))


def canonical_json(value: object) -> str:
    """``to_jsonable(value)`` as compact JSON text with sorted keys (UTF-8, no NaN)."""
    return json.dumps(
        to_jsonable(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def from_jsonable(hint: Any, data: object) -> Any:
    """Rebuild a value of type ``hint`` from what :func:`to_jsonable` made of it."""
    if typing.get_origin(hint) is not None:
        return _from_generic(hint, data)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _from_dataclass(hint, data)
    if hint is datetime:
        return datetime.fromisoformat(str(data)).astimezone(UTC)
    if hint is date:
        return date.fromisoformat(str(data))
    if hint is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    return data  # str, int, bool, object, Any: JSON already has them


def _from_generic(hint: Any, data: object) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        return _from_union(args, data)
    if origin is tuple:
        item_hint = args[0] if args else Any
        return tuple(from_jsonable(item_hint, item) for item in _as_list(data, hint))
    if isinstance(origin, type) and issubclass(origin, Mapping):
        value_hint = args[1] if len(args) == 2 else Any
        return {k: from_jsonable(value_hint, v) for k, v in _as_dict(data, hint).items()}
    return data  # Literal[...]: the value itself


def _from_union(args: tuple[Any, ...], data: object) -> Any:
    if data is None and type(None) in args:
        return None
    options = [a for a in args if a is not type(None)]
    if len(options) == 1:
        return from_jsonable(options[0], data)
    if all(a in _PRIMITIVES for a in options):
        return data  # e.g. ParamValue (int | float | str | bool): JSON keeps which one
    raise TypeError(f"cannot decode {data!r}: the union {args} is ambiguous")


def _from_dataclass(cls: type[T], data: object) -> T:
    values = _as_dict(data, cls)
    hints = typing.get_type_hints(cls)
    kwargs = {
        f.name: from_jsonable(hints[f.name], values[f.name])
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.init and f.name in values
    }
    return cls(**kwargs)


def _as_list(data: object, hint: object) -> list[object]:
    if not isinstance(data, list | tuple):
        raise TypeError(f"expected a JSON array for {hint}, found {data!r}")
    return list(data)


def _as_dict(data: object, hint: object) -> dict[str, object]:
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a JSON object for {hint}, found {data!r}")
    return dict(data)


def version_from_document(document: str | Mapping[str, object]) -> ResolvedVersion:
    """The :class:`ResolvedVersion` whose canonical document (or its JSON text) is given."""
    data = json.loads(document) if isinstance(document, str) else document
    return cast(ResolvedVersion, from_jsonable(ResolvedVersion, data))


# --- rows -----------------------------------------------------------------------------------


def version_row(
    version: ResolvedVersion, content_hash: str, loaded_at: datetime
) -> dict[str, object]:
    """The ``agreement_versions`` row of ``version``."""
    info = version.version
    return {
        "agreement_id": version.agreement_id,
        "version_id": info.id,
        "title": info.title,
        "base": info.base,
        "adopted": info.adopted,
        "effective": info.effective,
        "source": info.source,
        "content_hash": content_hash,
        "document": canonical_json(version),
        "loaded_at": loaded_at,
    }


def child_rows(version: ResolvedVersion) -> dict[str, list[dict[str, object]]]:
    """The rows of each child table (by table name) for the parts of ``version``."""
    key = {"agreement_id": version.agreement_id, "version_id": version.version.id}
    return {
        "parties": [
            {**key, **_plain(p, "id", "name", "kind"), "roles": list(p.roles)}
            | {"members": list(p.members)}
            for p in version.parties
        ],
        "zones": [{**key, **_zone_row(z)} for z in version.zones],
        "clauses": [
            {**key, **_plain(c, "id", "document", "title", "text", "status", "source")}
            | {**_plain(c, "rationale", "revision"), "params": to_jsonable(c.params)}
            for c in version.clauses
        ],
        "rules": [{**key, **_rule_row(r)} for r in version.rules],
        "directives": [
            {**key, **_plain(d, "id", "revision", "scenario", "clause", "title", "status")}
            | {"rationale": d.rationale, "obligations": to_jsonable(d.obligations)}
            for d in version.directives
        ],
        "commitments": [
            {**key, **_plain(c, "id", "revision", "party", "title", "indicator", "unit")}
            | _plain(c, "target", "direction", "due", "clause", "status", "rationale")
            for c in version.commitments
        ],
    }


def _plain(obj: object, *names: str) -> dict[str, object]:
    return {name: getattr(obj, name) for name in names}


def _zone_row(zone: Zone) -> dict[str, object]:
    return {
        **_plain(zone, "id", "name", "kind", "source", "status", "geometry_file"),
        **_plain(zone, "buffer_km", "admin_level", "note"),
        "geometry": None if zone.geometry is None else canonical_json(zone.geometry),
        "of_zone": zone.of,
        "units": list(zone.units),
    }


def _rule_row(rule: Rule) -> dict[str, object]:
    return {
        **_plain(rule, "id", "revision", "kind", "clause", "title", "status"),
        **_plain(rule, "responsible", "rationale"),
        "when_expr": rule.when,
        "applies": to_jsonable(rule.applies),
        "params": to_jsonable(rule.params),
        "window": to_jsonable(rule.window),
        "geofence": to_jsonable(rule.geofence),
    }
