"""What the routes get from the application: its wiring, a unit of work, the clock."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request

from guarantor.bootstrap.app import Application
from guarantor.services.users import Passwords
from guarantor.storage.security_store import SqlSecurityUnitOfWork

__all__ = ["application_of", "now", "passwords_of", "security_uow"]


def application_of(request: Request) -> Application:
    application: Application = request.app.state.application
    return application


def security_uow(request: Request, *, read_only: bool = False) -> SqlSecurityUnitOfWork:
    """A unit of work over users and the audit log (read-only: no writer lock)."""
    return SqlSecurityUnitOfWork(application_of(request).engine, read_only=read_only)


def passwords_of(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


def now() -> datetime:
    return datetime.now(UTC)
