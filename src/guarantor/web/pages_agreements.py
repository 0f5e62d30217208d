"""The agreement browser: the agreements served (``/agreements``), one version with its
clauses' rendered text, rules, directives and commitments (``/agreements/{id}``), and what
changed between two versions (``/agreements/{id}/diff``). The same use cases as
``guarantor agreement show`` and ``diff``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from guarantor.agreement import model as m
from guarantor.agreement.canonical import content_hash
from guarantor.agreement.diff import diff_versions
from guarantor.agreement.loader import LoadedAgreement
from guarantor.errors import NotFound
from guarantor.services import agreements as svc
from guarantor.web.deps import application_of
from guarantor.web.pages_common import SignedIn, agreement_ids, parse_day
from guarantor.web.templating import render

__all__ = ["loaded", "router", "zones_of"]

router = APIRouter(include_in_schema=False)
Version = Annotated[str, Query(max_length=80)]


def _stamp(folder: Path) -> tuple[tuple[str, float], ...]:
    """Names and modification times of the folder's YAML: a new stamp reloads it."""
    return tuple(sorted((str(p), p.stat().st_mtime) for p in folder.rglob("*.yaml")))


@lru_cache(maxsize=16)
def _load(folder: str, stamp: tuple[tuple[str, float], ...]) -> LoadedAgreement:
    del stamp  # part of the cache key only
    return svc.load_agreement_folder(Path(folder))


def _agreement(request: Request, agreement_id: str) -> LoadedAgreement:
    directory = application_of(request).agreements_dir
    known = agreement_ids(directory)
    if agreement_id not in known:
        raise NotFound(
            f"no agreement '{agreement_id}' is served here; the agreements are "
            f"{', '.join(known) or 'none'}; fix: pick one on /agreements"
        )
    folder = directory / agreement_id
    return _load(str(folder), _stamp(folder))


def zones_of(request: Request, agreement_id: str) -> dict[str, m.Zone]:
    """The zones of the agreement's latest version (the ones lists can filter by), by id."""
    return {z.id: z for z in loaded(request, agreement_id).latest.zones}


def loaded(request: Request, agreement_id: str) -> LoadedAgreement:
    """A shipped agreement by id (:class:`NotFound` for any other)."""
    return _agreement(request, agreement_id)


@router.get("/agreements", response_class=HTMLResponse)
def agreements_page(request: Request, principal: SignedIn) -> HTMLResponse:
    loaded = [_agreement(request, i) for i in agreement_ids(application_of(request).agreements_dir)]
    rows = [(a, [(v, content_hash(v)) for v in a.versions]) for a in loaded]
    return render(request, "agreements.html", principal, title="Agreements", agreements=rows)


@router.get("/agreements/{agreement_id}", response_class=HTMLResponse)
def agreement_page(
    request: Request,
    principal: SignedIn,
    agreement_id: str,
    version: Version = "",
    as_of: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    loaded = _agreement(request, agreement_id)
    view = svc.in_force(loaded, version or None, parse_day(as_of, "as_of"))
    shown = view.version
    return render(
        request,
        "agreement.html",
        principal,
        title=f"{loaded.title} · {shown.version.id}",
        loaded=loaded,
        view=view,
        shown=shown,
        digest=content_hash(shown),
        clauses=[(c, shown.render_clause(c.id)) for c in shown.clauses],
        as_of=as_of,
    )


@router.get("/agreements/{agreement_id}/diff", response_class=HTMLResponse)
def diff_page(
    request: Request,
    principal: SignedIn,
    agreement_id: str,
    from_: Annotated[str, Query(alias="from", max_length=80)] = "",
    to: Version = "",
) -> HTMLResponse:
    loaded = _agreement(request, agreement_id)
    ids = [v.version.id for v in loaded.versions]
    first = from_ or (ids[-2] if len(ids) > 1 else ids[0])
    second = to or ids[-1]
    version_a, version_b = loaded.version(first), loaded.version(second)
    return render(
        request,
        "agreement_diff.html",
        principal,
        title=f"{loaded.title}: {first} → {second}",
        loaded=loaded,
        version_a=version_a,
        version_b=version_b,
        changes=diff_versions(version_a, version_b),
    )
