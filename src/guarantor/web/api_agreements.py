"""The agreement browser's API: the shipped agreements, a version's clauses (rendered) and
rules, and the diff of two versions. The same use cases as ``guarantor agreement show`` and
``guarantor agreement diff`` (:mod:`guarantor.services.agreements`).

Agreements are public texts: every signed-in user reads them. Only the shipped agreements
(folders of the agreements directory) are served; an id is never read as a path.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from guarantor.agreement.canonical import content_hash, to_jsonable
from guarantor.agreement.diff import diff_versions
from guarantor.agreement.loader import LoadedAgreement
from guarantor.errors import NotFound
from guarantor.services import agreements as svc
from guarantor.web.api_data import Signed
from guarantor.web.deps import application_of

__all__ = ["loaded_agreement", "router"]

router = APIRouter(prefix="/api/agreements", tags=["agreements"])
_CACHE: dict[Path, tuple[tuple[float, ...], LoadedAgreement]] = {}


class VersionOut(BaseModel):
    id: str
    title: str
    adopted: date | None
    effective: str | None
    base: str | None
    hash: str


class AgreementOut(BaseModel):
    id: str = Field(description="the id to use in the other routes (its folder)")
    agreement_id: str
    title: str
    versions: list[VersionOut]


class AgreementView(BaseModel):
    agreement: str
    version: dict[str, Any]
    hash: str
    as_of: str | None
    parties: list[dict[str, Any]]
    zones: list[dict[str, Any]] = Field(description="zones without their geometry")
    clauses: list[dict[str, Any]] = Field(description="each with its rendered text")
    rules: list[dict[str, Any]] = Field(description="rules in force, with their clause's text")
    directives: list[dict[str, Any]]
    commitments: list[dict[str, Any]]


class DiffOut(BaseModel):
    agreement: str
    from_version: str
    to_version: str
    changes: list[dict[str, Any]]


def _folders(request: Request) -> dict[str, Path]:
    return {p.name: p for p in svc.shipped_folders(application_of(request).agreements_dir)}


def loaded_agreement(request: Request, name: str) -> LoadedAgreement:
    """A shipped agreement by its id (its folder), loaded once while its files are unchanged;
    :class:`NotFound` for any other name."""
    return _loaded(request, name)


def _loaded(request: Request, name: str) -> LoadedAgreement:
    folders = _folders(request)
    if name not in folders:
        raise NotFound(
            f"no agreement '{name}'; expected one of {', '.join(sorted(folders)) or 'none'}; "
            "fix: list them with GET /api/agreements"
        )
    folder = folders[name]
    stamp = tuple(sorted(p.stat().st_mtime for p in folder.rglob("*") if p.is_file()))
    cached = _CACHE.get(folder)
    if cached is None or cached[0] != stamp:
        cached = (stamp, svc.load_agreement_folder(folder))
        _CACHE[folder] = cached
    return cached[1]


def _version(loaded: LoadedAgreement, version_id: str | None) -> Any:
    known = [v.version.id for v in loaded.versions]
    if version_id is not None and version_id not in known:
        raise NotFound(
            f"agreement '{loaded.id}' has no version '{version_id}'; expected one of "
            f"{', '.join(known)}; fix: use one of those ids"
        )
    return loaded.version(version_id)


@router.get("", summary="The shipped agreements and their versions")
def agreements_list(request: Request, principal: Signed) -> list[AgreementOut]:
    found = []
    for name in sorted(_folders(request)):
        loaded = _loaded(request, name)
        versions = [
            VersionOut(
                id=v.version.id,
                title=v.version.title,
                adopted=v.version.adopted,
                effective=v.version.effective.isoformat() if v.version.effective else None,
                base=v.version.base,
                hash=content_hash(v),
            )
            for v in loaded.versions
        ]
        found.append(
            AgreementOut(id=name, agreement_id=loaded.id, title=loaded.title, versions=versions)
        )
    return found


@router.get("/{agreement_id}", summary="A version: clauses with rendered text, rules, ...")
def agreement_get(
    request: Request,
    principal: Signed,
    agreement_id: str,
    version: Annotated[str | None, Query(description="version id; default: the latest")] = None,
    as_of: Annotated[date | None, Query(description="rules in force that day")] = None,
) -> AgreementView:
    loaded = _loaded(request, agreement_id)
    view = svc.in_force(loaded, _version(loaded, version).version.id, as_of)
    resolved = view.version
    return AgreementView(
        agreement=resolved.agreement_id,
        version=to_jsonable(resolved.version),
        hash=content_hash(resolved),
        as_of=view.moment.isoformat() if view.moment else None,
        parties=to_jsonable(resolved.parties),
        zones=[
            {k: v for k, v in to_jsonable(z).items() if k != "geometry"} for z in resolved.zones
        ],
        clauses=[
            {**to_jsonable(c), "rendered": resolved.render_clause(c.id)} for c in resolved.clauses
        ],
        rules=[
            {**to_jsonable(r), "clause_text": resolved.render_clause(r.clause, r.params)}
            for r in view.rules
        ],
        directives=to_jsonable(resolved.directives),
        commitments=to_jsonable(resolved.commitments),
    )


@router.get("/{agreement_id}/diff", summary="What changed from one version to another")
def agreement_diff(
    request: Request,
    principal: Signed,
    agreement_id: str,
    from_: Annotated[str, Query(alias="from", description="version id A")],
    to: Annotated[str, Query(description="version id B")],
) -> DiffOut:
    loaded = _loaded(request, agreement_id)
    a, b = _version(loaded, from_), _version(loaded, to)
    changes = diff_versions(a, b)
    return DiffOut(
        agreement=loaded.id,
        from_version=a.version.id,
        to_version=b.version.id,
        changes=[to_jsonable(c) for c in changes],
    )
