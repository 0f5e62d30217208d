"""The YAML file format of an agreement, as Pydantic models (the edge).

An agreement is a folder. Its baseline is every ``*.yaml`` file at the folder's top level
(``agreement.yaml`` holds ``id``, ``title`` and ``baseline``; other files may hold any of the
list sections, which are concatenated). Each later version is an overlay in
``versions/<id>.yaml`` that adds, amends or repeals items of the version it is based on; the
baseline files are never edited. Rule test cases live in ``cases/*.yaml``.
See docs/agreement-format.md for the guide with examples.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

__all__ = [
    "AgreementFile",
    "ClauseDoc",
    "CommitmentDoc",
    "DirectiveDoc",
    "GeofenceDoc",
    "Id",
    "IntervalDoc",
    "NearDoc",
    "ObligationDoc",
    "OverlayFile",
    "PartyDoc",
    "PointDoc",
    "PositionDoc",
    "RuleDoc",
    "SectionsDoc",
    "SourceDoc",
    "TaxonomyDoc",
    "VersionDoc",
    "WindowDoc",
    "ZoneDoc",
]


def _date_as_text(value: object) -> object:
    """YAML reads an unquoted ``2015-02-12`` as a date; as an id it means the text."""
    return value.isoformat() if isinstance(value, dt.date) else value


Id = Annotated[
    str,
    BeforeValidator(_date_as_text),
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=80),
]
Status = Literal["official", "reported", "illustrative"]
Duration = Annotated[str, StringConstraints(pattern=r"^\d+(s|m|h|d|w)$")]
Param = int | float | str | bool


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SourceDoc(_Doc):
    id: Id
    title: str
    publisher: str
    date: dt.date | None = None
    url: str | None = None
    note: str = ""


class PartyDoc(_Doc):
    id: Id
    name: str
    kind: Literal["state", "organisation"]
    roles: list[str] = []
    members: list[Id] = []


class ZoneDoc(_Doc):
    id: Id
    name: str
    source: Id
    status: Status
    geometry: dict[str, Any] | None = None
    geometry_file: str | None = None
    buffer: Annotated[dict[str, Any] | None, Field(description="{of: zone id, km: number}")] = None
    admin_units: dict[str, Any] | None = None
    note: str = ""


class IncidentTypeDoc(_Doc):
    id: Id
    label: str
    hostile_act: bool = True
    aliases: list[str] = []


class WeaponClassDoc(_Doc):
    id: Id
    label: str
    heavy: bool = False
    min_calibre_mm: float | None = None
    examples: list[str] = []


class SeverityDoc(_Doc):
    value: int
    label: str


class TaxonomyDoc(_Doc):
    incident_types: list[IncidentTypeDoc]
    weapon_classes: list[WeaponClassDoc]
    severity: list[SeverityDoc]


class ClauseDoc(_Doc):
    id: Id
    document: str
    title: str
    text: str
    source: Id
    status: Status
    params: dict[str, Param] = {}
    rationale: str = ""


class IntervalDoc(_Doc):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: AwareDatetime = Field(alias="from")
    until: AwareDatetime | None = None


class WindowDoc(_Doc):
    length: Duration
    group_by: list[str] = []
    measure: Literal["count", "sum"] = "count"
    field: str | None = None
    above: float | str | None = None
    at_least: float | str | None = None


class GeofenceDoc(_Doc):
    zone: Id
    within_km: float = 0.0


class NearDoc(_Doc):
    """Incidents within ``within_km`` of a deployed position of ``party`` (or of a member)
    in force at the incident's time."""

    party: Id
    within_km: float


class PointDoc(_Doc):
    lon: float
    lat: float


class PositionDoc(_Doc):
    """A dated deployed position of a party: a point, a label and when it is held."""

    id: Id
    party: Id
    label: str
    point: PointDoc
    applies: list[IntervalDoc]
    source: Id
    status: Status
    rationale: str = ""


class RuleDoc(_Doc):
    id: Id
    kind: Literal["violation", "scenario"]
    clause: Id
    title: str
    when: str = "true"
    status: Status
    applies: list[IntervalDoc] | None = None
    params: dict[str, Param] = {}
    window: WindowDoc | None = None
    geofence: GeofenceDoc | None = None
    near: NearDoc | None = None
    responsible: str | None = None
    rationale: str = ""


class ObligationDoc(_Doc):
    party: Id | None = None
    parties: list[Id] | None = None
    action: str
    within: Duration


class DirectiveDoc(_Doc):
    id: Id
    scenario: Id
    clause: Id
    title: str
    obligations: list[ObligationDoc]
    status: Status
    rationale: str = ""


class CommitmentDoc(_Doc):
    id: Id
    party: Id
    title: str
    indicator: str | None = None
    unit: str
    target: float
    direction: Literal["at_least", "at_most"] = "at_least"
    due: dt.date | None = None
    clause: Id
    status: Status
    rationale: str = ""


class VersionDoc(_Doc):
    id: Id
    title: str
    adopted: dt.date
    effective: AwareDatetime
    source: Id
    base: Id | None = None


class SectionsDoc(_Doc):
    """The list sections an agreement file or an overlay's ``add``/``amend`` may hold."""

    sources: list[SourceDoc] = []
    parties: list[PartyDoc] = []
    zones: list[ZoneDoc] = []
    positions: list[PositionDoc] = []
    clauses: list[ClauseDoc] = []
    rules: list[RuleDoc] = []
    directives: list[DirectiveDoc] = []
    commitments: list[CommitmentDoc] = []


class AgreementFile(SectionsDoc):
    """One top-level file of the baseline. Exactly one file carries ``id`` and ``baseline``."""

    id: Id | None = None
    title: str | None = None
    baseline: VersionDoc | None = None
    taxonomy: TaxonomyDoc | None = None


class RepealDoc(_Doc):
    zones: list[Id] = []
    positions: list[Id] = []
    clauses: list[Id] = []
    rules: list[Id] = []
    directives: list[Id] = []
    commitments: list[Id] = []


class OverlayFile(_Doc):
    """A later version: ``add`` new items, ``amend`` items by id (the whole new text), ``repeal``
    items by id. Amended and repealed rules stop applying at the version's ``effective`` time."""

    version: VersionDoc
    add: SectionsDoc = SectionsDoc()
    amend: SectionsDoc = SectionsDoc()
    repeal: RepealDoc = RepealDoc()
