"""``GET /api/health`` (is the service up, on the expected schema) and ``GET /api/me``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from guarantor import __version__
from guarantor.services.security import Principal
from guarantor.storage.migrate import head_revision, require_current
from guarantor.web.auth import Me, current_principal
from guarantor.web.deps import application_of

__all__ = ["Health", "router"]

router = APIRouter(prefix="/api", tags=["meta"])


class Health(BaseModel):
    status: str
    version: str
    database: str
    schema_revision: str


@router.get("/health", summary="Health of the service and its database")
def health(request: Request) -> Health:
    """200 when the database answers and is at the schema this version needs; otherwise the
    error envelope with 503 ``storage_error`` and the fix."""
    engine = application_of(request).engine
    require_current(engine)
    return Health(
        status="ok",
        version=__version__,
        database=engine.dialect.name,
        schema_revision=head_revision(),
    )


@router.get("/me", summary="The signed-in user")
def me(principal: Annotated[Principal, Depends(current_principal)]) -> Me:
    return Me.of(principal)
