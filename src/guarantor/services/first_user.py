"""The first user, so that a newcomer can sign in to a fresh desk, and never a default password.

When no user exists: in development (``may_invent``) one user of the verification cell is
made, ``admin``, with the roles to try every page of the desk (admin, analyst, coordinator),
and a random password that the caller shows once; it is stored only as its Argon2id hash,
and the addition is audited like ``guarantor users add``. In production nothing is invented:
the caller says how to add a user. When any user exists, nothing happens.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from guarantor.services import users
from guarantor.services.access_errors import UserExists
from guarantor.services.security import Role
from guarantor.services.user_ports import SecurityUnitOfWork

__all__ = [
    "ADD_USER_HINT",
    "FIRST_ROLES",
    "FIRST_USERNAME",
    "FirstUser",
    "Outcome",
    "ensure_first_user",
    "random_password",
]

FIRST_USERNAME = "admin"
FIRST_ROLES = (Role.ADMIN.value, Role.ANALYST.value, Role.COORDINATOR.value)
ADD_USER_HINT = (
    "guarantor users add USERNAME --cell --role admin --role analyst "
    "(or --party P --role liaison for a party's user)"
)


class Outcome(StrEnum):
    EXISTING = "existing"  # users exist; nothing was made
    CREATED = "created"  # the first user was made; its password is in ``password``
    REFUSED = "refused"  # no user, and production: add one with ``guarantor users add``


@dataclass(frozen=True, slots=True)
class FirstUser:
    outcome: Outcome
    username: str | None = None
    password: str | None = None


def random_password() -> str:
    """24 URL-safe characters from the operating system's random source (144 bits)."""
    return secrets.token_urlsafe(18)


def ensure_first_user(
    uow: SecurityUnitOfWork,
    passwords: users.Passwords,
    *,
    may_invent: bool,
    actor: str,
    now: datetime,
) -> FirstUser:
    """Make the first user if none exists and ``may_invent`` (development); see the module."""
    if users.list_users(uow):
        return FirstUser(Outcome.EXISTING)
    if not may_invent:
        return FirstUser(Outcome.REFUSED)
    password = random_password()
    try:
        users.add_user(
            uow,
            passwords,
            username=FIRST_USERNAME,
            party=None,
            roles=FIRST_ROLES,
            password=password,
            actor=actor,
            now=now,
        )
    except UserExists:  # another process made it a moment ago
        return FirstUser(Outcome.EXISTING)
    return FirstUser(Outcome.CREATED, FIRST_USERNAME, password)
