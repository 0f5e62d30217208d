"""Declarative rule test cases (``cases/*.yaml``): their format and their static check.

A case gives input incidents and the violations and activations expected under one version.
Running a case needs the rules engine; checking it (fields, rule ids, times) does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from guarantor.agreement.docerrors import problems_from_validation, suggest
from guarantor.agreement.fields import INCIDENT_FIELDS
from guarantor.agreement.loader import LoadedAgreement
from guarantor.agreement.schema import Id
from guarantor.agreement.yamlsource import SourceIndex, read_yaml
from guarantor.errors import Problem

__all__ = ["CaseFile", "LoadedCase", "read_cases"]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectedViolation(_Doc):
    incident: str
    rule: str


class ExpectedActivation(_Doc):
    rule: str
    at: str = Field(description="id of the incident whose arrival makes the scenario true")
    group: dict[str, Any] = {}


class Expectation(_Doc):
    violations: list[ExpectedViolation] = []
    activations: list[ExpectedActivation] = []


class Case(_Doc):
    name: str
    version: Id
    incidents: list[dict[str, Any]]
    expect: Expectation


class CaseFile(_Doc):
    cases: list[Case]


@dataclass(frozen=True, slots=True)
class LoadedCase:
    file: str
    position: int
    case: Case


def read_cases(folder: Path, agreement: LoadedAgreement) -> tuple[list[LoadedCase], list[Problem]]:
    """Every case under ``folder`` and the problems that stop a case from being run."""
    cases: list[LoadedCase] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.yaml")):
        data, index, found = read_yaml(path, str(path))
        problems.extend(found)
        if data is None:
            continue
        try:
            doc = CaseFile.model_validate(data)
        except ValidationError as exc:
            problems.extend(problems_from_validation(exc, CaseFile, index))
            continue
        for position, case in enumerate(doc.cases):
            case_problems = list(_check_case(case, position, agreement, index))
            problems.extend(case_problems)
            if not case_problems:
                cases.append(LoadedCase(str(path), position, case))
    return cases, problems


def _check_case(
    case: Case, position: int, agreement: LoadedAgreement, index: SourceIndex
) -> list[Problem]:
    where = ("cases", position)
    known_versions = [v.version.id for v in agreement.versions]
    if case.version not in known_versions:
        hint = suggest(case.version, known_versions)
        return [
            Problem(
                index.locate((*where, "version")),
                f"version '{case.version}'",
                "one of " + ", ".join(known_versions),
                (hint + " " if hint else "") + "name an existing version",
                "unknown_version",
            )
        ]
    problems: list[Problem] = []
    ids = set()
    for n, incident in enumerate(case.incidents):
        ids.add(str(incident.get("id", "")))
        problems.extend(_check_incident(incident, index, (*where, "incidents", n)))
    rule_ids = sorted({r.id for r in agreement.version(case.version).rules})
    expected = [("violations", e.rule, e.incident) for e in case.expect.violations]
    expected += [("activations", e.rule, e.at) for e in case.expect.activations]
    for n, (kind, rule, incident_id) in enumerate(expected):
        path = (*where, "expect", kind)
        if rule not in rule_ids:
            hint = suggest(rule, rule_ids)
            problems.append(
                Problem(
                    index.locate(path),
                    f"rule '{rule}' in case '{case.name}'",
                    "a rule id of that version",
                    (hint + " " if hint else "") + "correct the rule id",
                    "unknown_reference",
                )
            )
        if incident_id not in ids:
            problems.append(
                Problem(
                    index.locate(path),
                    f"incident '{incident_id}' (entry {n})",
                    "the id of one of the case's incidents",
                    "correct the incident id",
                    "unknown_reference",
                )
            )
    return problems


def _check_incident(
    incident: dict[str, Any], index: SourceIndex, path: tuple[str | int, ...]
) -> list[Problem]:
    problems = []
    if "id" not in incident:
        problems.append(
            Problem(
                index.locate(path),
                "an incident without id",
                "id: i1",
                "give each incident an id",
                "missing_key",
            )
        )
    for key, value in incident.items():
        if key not in INCIDENT_FIELDS:
            hint = suggest(key, list(INCIDENT_FIELDS))
            problems.append(
                Problem(
                    index.locate((*path, key, "__key__")),
                    f"field '{key}'",
                    "an incident field (docs/agreement-format.md)",
                    (hint + " " if hint else "") + "rename or remove it",
                    "unknown_field",
                )
            )
        elif key == "time" and not _aware(value):
            problems.append(
                Problem(
                    index.locate((*path, key)),
                    repr(value),
                    "an RFC 3339 time with offset, e.g. 2015-02-15T01:00:00+02:00",
                    "add the UTC offset",
                    "timezone_aware",
                )
            )
    return problems


def _aware(value: object) -> bool:
    if isinstance(value, dt.datetime):
        return value.tzinfo is not None
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value).tzinfo is not None
        except ValueError:
            return False
    return False
