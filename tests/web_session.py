"""Shared test helpers for the web desk: make users in the database, and sign a client in
through the API (``GET /api/session`` for the CSRF token, then ``POST /api/session``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from guarantor.services import users
from guarantor.storage.security_store import SqlSecurityUnitOfWork

__all__ = ["FAST", "PASSWORD", "add_users", "signed_in"]

PASSWORD = "correct horse battery staple"
# The cheapest Argon2 settings: tests make users, they do not measure hashing.
FAST = users.Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def add_users(
    engine: Engine,
    accounts: Iterable[tuple[str, str | None, Sequence[str]]],
    passwords: users.Passwords = FAST,
) -> None:
    """Add each ``(username, party, roles)`` with the password ``PASSWORD``."""
    for username, party, roles in accounts:
        users.add_user(
            SqlSecurityUnitOfWork(engine),
            passwords,
            username=username,
            party=party,
            roles=roles,
            password=PASSWORD,
            actor="test",
            now=datetime.now(UTC),
        )


def signed_in(client: TestClient, username: str) -> TestClient:
    """Sign ``client`` in as ``username`` through the API; fails the test if refused."""
    token = client.get("/api/session").json()["csrf_token"]
    response = client.post(
        "/api/session",
        json={"username": username, "password": PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 200, response.text
    return client
