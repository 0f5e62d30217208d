"""The column-mapping file that lets any other CSV in (see docs/intake.md, "Mapping").

A YAML file, validated here with Pydantic; every problem names its line and column::

    columns: {Дата: observed_at, Подія: type, Широта: lat, Довгота: lon}
    values: {type: {обстріл: shelling}}
    date_formats: ["%d.%m.%Y %H:%M", "%d.%m.%Y"]
    timezone: Europe/Kyiv
    defaults: {reliability: C, credibility: 3, releasability: PUBLIC}
    record_id: Номер
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from guarantor.agreement.docerrors import problems_from_validation
from guarantor.agreement.yamlsource import read_yaml
from guarantor.io.formats.assemble import INPUT_FIELDS
from guarantor.io.formats.errors import IntakeError
from guarantor.io.formats.parsing import format_example
from guarantor.io.vocabulary import vocabulary_names

__all__ = ["ColumnMapping", "date_kind", "load_mapping"]

_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%T", "%R", "%c", "%X", "%p")
_OFFSET_DIRECTIVES = ("%z", "%:z", "%#z")


def date_kind(fmt: str) -> str:
    """``aware`` (has an offset), ``naive`` (a local time) or ``date`` (a whole day)."""
    if any(d in fmt for d in _OFFSET_DIRECTIVES):
        return "aware"
    return "naive" if any(d in fmt for d in _TIME_DIRECTIVES) else "date"


def _field_name(value: str) -> str:
    if value in INPUT_FIELDS:
        return value
    close = difflib.get_close_matches(value, INPUT_FIELDS, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise ValueError("a report field: " + ", ".join(INPUT_FIELDS) + hint)


ReportField = Annotated[str, AfterValidator(_field_name)]


def _readable_format(fmt: str) -> str:
    """A date format must read back the example it writes (catches '%H:%' and the like)."""
    example = format_example(fmt)
    zone = "UTC" if date_kind(fmt) == "aware" else None
    try:
        parsed = pl.Series([example]).str.to_datetime(fmt, strict=False, time_zone=zone)
    except pl.exceptions.PolarsError:
        parsed = pl.Series([None])
    if example == fmt or parsed.is_null().any():
        raise ValueError(
            f"a strftime format that reads a time, e.g. '%d.%m.%Y %H:%M'; '{fmt}' cannot read "
            "its own example"
        )
    return fmt


DateFormat = Annotated[str, AfterValidator(_readable_format)]


def _text_mapping(value: Any) -> Any:
    """YAML reads ``1: ...`` or ``yes`` as numbers and booleans: take them as written."""
    if not isinstance(value, dict):
        return value
    return {_text(k): _text(v) for k, v in value.items()}


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


class ColumnMapping(BaseModel):
    """How the columns and values of someone else's CSV become report fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[str, ReportField] = Field(min_length=1)
    values: dict[ReportField, dict[str, str]] = Field(default_factory=dict)
    date_formats: list[DateFormat] = Field(default_factory=list)
    timezone: str = "UTC"
    defaults: dict[ReportField, str] = Field(default_factory=dict)
    record_id: str | None = None
    separator: str = ","
    vocabulary: str = "guarantor"

    @field_validator("columns", "defaults", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return _text_mapping(value)

    @field_validator("values", mode="before")
    @classmethod
    def _values_as_text(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {str(k): _text_mapping(v) for k, v in value.items()}

    @field_validator("columns")
    @classmethod
    def _known_targets(cls, value: dict[str, str]) -> dict[str, str]:
        targets = list(value.values())
        repeated = sorted({t for t in targets if targets.count(t) > 1})
        if repeated:
            raise ValueError(f"each report field from one column only; {repeated} repeat")
        if "observed_at" not in targets:
            raise ValueError("a column mapped to observed_at (the time of the report)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("an IANA time zone name, e.g. Europe/Kyiv or UTC") from exc
        return value

    @field_validator("separator")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1 or value in '"\r\n':
            raise ValueError("one separator character, e.g. ',' or ';'")
        return value

    @field_validator("vocabulary")
    @classmethod
    def _known_vocabulary(cls, value: str) -> str:
        if value not in vocabulary_names():
            raise ValueError("one of the vocabularies " + ", ".join(vocabulary_names()))
        return value

    @model_validator(mode="after")
    def _type_given(self) -> ColumnMapping:
        if "type" not in self.columns.values() and "type" not in self.defaults:
            raise ValueError("a column mapped to type, or a type in defaults")
        if self.record_id is not None and "source_record_id" in self.columns.values():
            raise ValueError("either record_id or a column mapped to source_record_id, not both")
        return self

    def origin(self) -> dict[str, str]:
        """Report field -> their column, so rejections name their column."""
        names = {ours: theirs for theirs, ours in self.columns.items()}
        if self.record_id is not None:
            names["source_record_id"] = self.record_id
        return names


def load_mapping(path: Path) -> ColumnMapping:
    """The mapping in ``path``; an :class:`IntakeError` listing every problem otherwise."""
    display = str(path)
    if not path.is_file():
        raise IntakeError(f"cannot read the mapping file {display}: no such file")
    data, index, problems = read_yaml(path, display)
    if not problems:
        try:
            return ColumnMapping.model_validate(data if data is not None else {})
        except ValidationError as exc:
            problems = problems_from_validation(exc, ColumnMapping, index)
    raise IntakeError(f"the mapping file {display} is not valid", problems=tuple(problems))
