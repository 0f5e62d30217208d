"""The first user of ``guarantor serve``: made with a random password, shown once, in
development; never invented in production; nothing made when a user exists."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from guarantor.bootstrap.app import Application, build_application
from guarantor.cli.serve_cmd import ensure_first_user, greet
from guarantor.services import audit, first_user
from guarantor.services import users as service
from guarantor.services.access_errors import Unauthenticated
from guarantor.storage.security_store import SqlSecurityUnitOfWork

SECRET = "a-production-secret-key-of-more-than-32-characters"


def application(tmp_path: Path, environment: str) -> Application:
    made = build_application(
        database_url=f"sqlite:///{tmp_path / 'guarantor.db'}",
        data_dir=tmp_path,
        environment=environment,
        secret_key=SECRET if environment == "production" else None,
    )
    made.migrate()
    return made


def uow(app: Application) -> SqlSecurityUnitOfWork:
    return SqlSecurityUnitOfWork(app.engine)


def test_development_makes_one_cell_admin_with_a_random_password_shown_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = application(tmp_path, "development")

    made = ensure_first_user(app)
    greet("http://127.0.0.1:8000/", made)

    assert made.outcome is first_user.Outcome.CREATED
    assert made.username == "admin" and made.password is not None
    assert len(made.password) >= service.MIN_PASSWORD_LENGTH
    shown = capsys.readouterr().out
    assert f"Sign in as admin with the password {made.password}" in shown
    assert "guarantor users passwd admin" in shown
    principal = service.authenticate(uow(app), service.Passwords(), "admin", made.password)
    assert principal.party is None
    assert principal.roles == frozenset({"admin", "analyst", "coordinator"})
    with pytest.raises(Unauthenticated):
        service.authenticate(uow(app), service.Passwords(), "admin", "admin")
    (stored,) = service.list_users(uow(app))
    assert stored.password_hash is not None and made.password not in stored.password_hash
    with SqlSecurityUnitOfWork(app.engine, read_only=True) as work:
        entries = list(work.audit.entries())
    assert [(e.action, e.subject) for e in entries] == [("user.add", "admin")]
    assert audit.verify(entries) == []

    again = ensure_first_user(app)
    greet("http://127.0.0.1:8000/", again)

    assert again.outcome is first_user.Outcome.EXISTING and again.password is None
    assert made.password not in capsys.readouterr().out
    assert len(service.list_users(uow(app))) == 1


def test_two_fresh_databases_get_different_passwords(tmp_path: Path) -> None:
    one = ensure_first_user(application(tmp_path / "one", "development"))
    two = ensure_first_user(application(tmp_path / "two", "development"))
    assert one.password != two.password


def test_production_never_invents_credentials_and_says_how_to_add_a_user(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = application(tmp_path, "production")

    made = ensure_first_user(app)
    greet("http://127.0.0.1:8000/", made)

    assert made.outcome is first_user.Outcome.REFUSED
    assert (made.username, made.password) == (None, None)
    assert service.list_users(uow(app)) == []
    shown = capsys.readouterr().out
    assert "production never invents a password" in shown
    assert "guarantor users add USERNAME --cell --role admin" in shown
    assert "password " not in shown.replace("invents a password", "")


def test_no_user_is_made_when_one_exists(tmp_path: Path) -> None:
    app = application(tmp_path, "development")
    service.add_user(
        uow(app),
        service.Passwords(),
        username="o.petrenko",
        party="ua",
        roles=["liaison"],
        password="correct horse battery staple",
        actor="test",
        now=datetime.now(UTC),
    )

    made = ensure_first_user(app)

    assert made.outcome is first_user.Outcome.EXISTING
    assert [u.username for u in service.list_users(uow(app))] == ["o.petrenko"]
