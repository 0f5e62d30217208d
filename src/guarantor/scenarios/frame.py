"""Incidents as the engine reads them: one frame layout, one record layout, one conversion.

Both targets read an incident through the same normalisation: rule fields by name
(``incident_id`` for ``id``), ``_t`` the event time as int64 microseconds UTC, integers as
int64, floats as float64 (NaN read as null), strings as strings. A frame is sorted by
``(_t, incident_id)``: that order breaks ties between equal timestamps in both targets.
When several rows share an ``incident_id`` the *last* one is the incident (a correction
replaces what it corrects, as in the stream).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from guarantor.agreement.fields import INCIDENT_FIELDS
from guarantor.scenarios.compile import EPOCH, timestamp_us
from guarantor.scenarios.errors import IncidentInputError
from guarantor.scenarios.polars_target import column_of

__all__ = [
    "FIELD_COLUMNS",
    "FRAME_SCHEMA",
    "normalise_record",
    "prepare_incidents",
    "records_to_frame",
    "us_to_datetime",
]

_TYPES: dict[str, pl.DataType] = {
    "int": pl.Int64(),
    "float": pl.Float64(),
    "string": pl.String(),
    "timestamp": pl.Int64(),
}
FIELD_COLUMNS: dict[str, str] = {name: column_of(name) for name in INCIDENT_FIELDS}
"""Rule field -> frame column."""
FRAME_SCHEMA: dict[str, pl.DataType] = {
    column_of(name): _TYPES[spec.type] for name, spec in INCIDENT_FIELDS.items()
}
"""The columns of a prepared frame (besides ``time``, a UTC datetime)."""
_UTC = pl.Datetime("us", "UTC")


def us_to_datetime(value: int) -> datetime:
    """int64 microseconds since the epoch as a UTC datetime."""
    return EPOCH + timedelta(microseconds=value)


def prepare_incidents(
    frame: pl.DataFrame, *, deduplicate: bool = True, keep_order: bool = False
) -> pl.DataFrame:
    """``frame`` (INCIDENT_SCHEMA, or any frame with ``incident_id``/``id`` and ``time``)
    in the engine's layout: typed rule-field columns, ``_t``, deduplicated, sorted.

    ``deduplicate=False`` skips the search for repeated ids (a hash of every id, the
    costliest step) when the caller knows they are unique, as fused incidents are.
    ``keep_order=True`` neither deduplicates nor sorts (the stream reads rows in order)."""
    if "incident_id" not in frame.columns and "id" in frame.columns:
        frame = frame.rename({"id": "incident_id"})
    for required in ("incident_id", "time"):
        if required not in frame.columns:
            raise IncidentInputError(
                f"the incident frame has no '{required}' column (columns: "
                f"{', '.join(frame.columns) or 'none'}); expected the columns of "
                "guarantor.evidence.incidents.INCIDENT_SCHEMA; fix: add the column"
            )
    time = _utc_time(frame.schema["time"])
    columns = [time.alias("time")]
    for name, dtype in FRAME_SCHEMA.items():
        if name == "_t":
            columns.append(time.cast(pl.Int64).alias("_t"))
            continue
        if name in frame.columns:
            column = pl.col(name).cast(dtype, strict=False)
            if dtype == pl.Float64():
                column = column.fill_nan(None)
            columns.append(column.alias(name))
        else:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
    prepared = frame.select(columns)
    if keep_order:
        _refuse_nulls(prepared)
        return prepared
    return _deduplicated_and_sorted(prepared, deduplicate=deduplicate)


def _deduplicated_and_sorted(prepared: pl.DataFrame, *, deduplicate: bool) -> pl.DataFrame:
    _refuse_nulls(prepared)
    if not prepared.height:
        return prepared
    if deduplicate and prepared["incident_id"].n_unique() < prepared.height:
        prepared = prepared.unique(subset="incident_id", keep="last", maintain_order=True)
    return prepared if _is_sorted(prepared) else prepared.sort("_t", "incident_id")


def _is_sorted(prepared: pl.DataFrame) -> bool:
    """Whether rows are already in ``(_t, incident_id)`` order (cheap unless times tie)."""
    step = pl.col("_t").diff().slice(1)
    increasing, ties = prepared.select(
        (step >= 0).all().alias("increasing"), (step == 0).any().alias("ties")
    ).row(0)
    if not increasing or not ties:
        return bool(increasing)
    identity = pl.col("incident_id")
    tied = pl.col("_t").diff() == 0
    ordered = (~tied | (identity > identity.shift())).slice(1).all()
    return bool(prepared.select(ordered).item())


def _utc_time(dtype: pl.DataType) -> pl.Expr:
    if not isinstance(dtype, pl.Datetime):
        raise IncidentInputError(
            f"the incident frame's 'time' column is {dtype}; expected a timezone-aware "
            "datetime, e.g. pl.Datetime('us', 'UTC'); fix: parse it with an offset and "
            "convert it with .dt.convert_time_zone('UTC')"
        )
    if dtype.time_zone is None:
        raise IncidentInputError(
            "the incident frame's 'time' column has no time zone; expected UTC datetimes "
            "(pl.Datetime('us', 'UTC')); fix: .dt.replace_time_zone('UTC') if the times are UTC"
        )
    return pl.col("time").dt.convert_time_zone("UTC").dt.cast_time_unit("us")


def _refuse_nulls(frame: pl.DataFrame) -> None:
    for column in ("incident_id", "time"):
        missing = frame.filter(pl.col(column).is_null())
        if missing.height:
            rows = missing.head(5)["incident_id"].to_list()
            raise IncidentInputError(
                f"{missing.height} incident(s) have no {column} (e.g. {rows}); every incident "
                f"needs an id and a time to be evaluated; fix: fill '{column}' or drop the rows"
            )


_PLAIN = tuple(
    (name, spec.type) for name, spec in INCIDENT_FIELDS.items() if name not in ("id", "time")
)
_CONVERT = {"int": int, "float": float, "string": str}


def normalise_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """One incident (case YAML, API body, stream push) in the engine's record layout."""
    out: dict[str, Any] = {
        "incident_id": _identity(record),
        "_t": _time_us(record.get("time", record.get("_t")), record),
    }
    get = record.get
    for name, kind in _PLAIN:
        value = get(name)
        if value is None:
            out[name] = None
        elif type(value) is _CONVERT[kind] and value == value:  # noqa: PLR0124 - NaN test
            out[name] = value
        else:
            out[name] = _typed(value, kind, name, record)
    return out


def _identity(record: Mapping[str, Any]) -> Any:
    value = record.get("incident_id", record.get("id"))
    if value is None or value == "":
        raise IncidentInputError(
            f"an incident without an id ({dict(record)!r}); expected id: i1; fix: give every "
            "incident an id"
        )
    return str(value)


def _time_us(value: Any, record: Mapping[str, Any]) -> int:
    where = f"incident '{record.get('id', record.get('incident_id'))}'"
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            value = None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return timestamp_us(value)
    raise IncidentInputError(
        f"{where} has time {record.get('time')!r}; expected an RFC 3339 time with an offset, "
        "e.g. 2015-02-15T00:00:00+02:00; fix: add the UTC offset"
    )


def _typed(value: Any, kind: str, name: str, record: Mapping[str, Any]) -> Any:
    if value is None:
        return None
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            number = float(value)
            return None if math.isnan(number) else number
    except (TypeError, ValueError):
        raise IncidentInputError(
            f"incident '{record.get('id', record.get('incident_id'))}' has {name} {value!r}; "
            f"expected {'an' if kind == 'int' else 'a'} {kind}; fix: correct the value"
        ) from None
    return str(value)


def records_to_frame(
    records: Iterable[Mapping[str, Any]], *, keep_order: bool = False
) -> pl.DataFrame:
    """Normalised records as a prepared frame (the same values the stream sees); with
    ``keep_order`` the rows stay as given, repeated ids included (for the stream)."""
    rows = [normalise_record(r) for r in records]
    frame = pl.DataFrame(rows, schema=FRAME_SCHEMA)
    frame = frame.select(pl.col("_t").cast(_UTC).alias("time"), *FRAME_SCHEMA)
    return frame if keep_order else _deduplicated_and_sorted(frame, deduplicate=True)
