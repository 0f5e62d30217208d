"""Users and the audit log on SQLite and PostgreSQL: the use cases, the CLI, and tampering."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine

from guarantor.cli.main import main
from guarantor.errors import NotFound
from guarantor.services import audit
from guarantor.services import users as service
from guarantor.services.access_errors import Unauthenticated, UserExists, UserInvalid
from guarantor.storage.security_store import SqlSecurityUnitOfWork

NOW = datetime(2025, 12, 16, 9, 30, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
FAST = service.Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def uow(engine: Engine, *, read_only: bool = False) -> SqlSecurityUnitOfWork:
    return SqlSecurityUnitOfWork(engine, read_only=read_only)


def add(engine: Engine, username: str, party: str | None = "ua", *roles: str) -> None:
    service.add_user(
        uow(engine),
        FAST,
        username=username,
        party=party,
        roles=roles or ("viewer",),
        password=PASSWORD,
        actor="test",
        now=NOW,
    )


def entries(engine: Engine) -> list[audit.AuditEntry]:
    with uow(engine, read_only=True) as work:
        return list(work.audit.entries())


def test_a_user_is_added_signs_in_and_the_addition_is_audited(migrated_engine: Engine) -> None:
    add(migrated_engine, " O.Petrenko ", "ua", "liaison", "viewer")
    principal = service.authenticate(uow(migrated_engine), FAST, "o.petrenko", PASSWORD)
    assert (principal.username, principal.party) == ("o.petrenko", "ua")
    assert principal.roles == frozenset({"liaison", "viewer"})
    (entry,) = entries(migrated_engine)
    assert (entry.seq, entry.actor, entry.action, entry.subject) == (
        1,
        "test",
        "user.add",
        "o.petrenko",
    )
    assert entry.details == {"party": "ua", "roles": ["liaison", "viewer"]}
    assert entry.at == NOW
    assert audit.verify(entries(migrated_engine)) == []


def test_the_password_is_stored_only_as_an_argon2id_hash(migrated_engine: Engine) -> None:
    add(migrated_engine, "cell.analyst", None, "analyst")
    with migrated_engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT password_hash, party FROM users")).one()
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert stored.party is None


def test_a_wrong_password_an_unknown_user_and_a_disabled_one_get_the_same_answer(
    migrated_engine: Engine,
) -> None:
    add(migrated_engine, "alice")
    add(migrated_engine, "bob")
    service.set_disabled(uow(migrated_engine), username="bob", disabled=True, actor="t", now=NOW)
    messages = set()
    for username, password in [
        ("alice", "wrong password!"),
        ("nobody", PASSWORD),
        ("bob", PASSWORD),
    ]:
        with pytest.raises(Unauthenticated) as caught:
            service.authenticate(uow(migrated_engine), FAST, username, password)
        messages.add(caught.value.message)
    assert len(messages) == 1


def test_a_taken_username_is_refused(migrated_engine: Engine) -> None:
    add(migrated_engine, "alice")
    with pytest.raises(UserExists, match="already exists"):
        add(migrated_engine, "ALICE")
    assert len(entries(migrated_engine)) == 1  # nothing half-done was audited


def test_bad_input_is_refused_with_a_problem_per_field(migrated_engine: Engine) -> None:
    with pytest.raises(UserInvalid) as caught:
        service.add_user(
            uow(migrated_engine),
            FAST,
            username="x",
            party=None,
            roles=["liaison", "janitor"],
            password="short",
            actor="t",
            now=NOW,
        )
    fields = sorted(str(p.location.field) for p in caught.value.problems)
    assert fields == ["party", "password", "roles", "username"]
    assert entries(migrated_engine) == []


def test_password_and_role_changes_are_audited_in_order(migrated_engine: Engine) -> None:
    add(migrated_engine, "alice")
    new_password = "another long passphrase"
    service.change_password(
        uow(migrated_engine), FAST, username="alice", password=new_password, actor="t", now=NOW
    )
    service.change_roles(
        uow(migrated_engine), username="alice", roles=["coordinator"], actor="t", now=NOW
    )
    principal = service.authenticate(uow(migrated_engine), FAST, "alice", new_password)
    assert principal.roles == frozenset({"coordinator"})
    log = entries(migrated_engine)
    assert [e.action for e in log] == ["user.add", "user.password", "user.roles"]
    assert log[2].details == {"before": ["viewer"], "after": ["coordinator"]}
    with pytest.raises(NotFound, match="no user named 'carol'"):
        service.change_roles(uow(migrated_engine), username="carol", roles=[], actor="t", now=NOW)


def test_appenders_in_parallel_make_one_unbroken_chain(migrated_engine: Engine) -> None:
    failures: list[BaseException] = []

    def append_some(worker: int) -> None:
        try:
            for index in range(5):
                with uow(migrated_engine) as work:
                    audit.append(
                        work.audit,
                        at=datetime.now(UTC),
                        actor=f"worker{worker}",
                        action="test.append",
                        subject=str(index),
                    )
                    work.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=append_some, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    log = entries(migrated_engine)
    assert [e.seq for e in log] == list(range(1, 21))
    assert audit.verify(log) == []


# --- the CLI, and tampering with the database directly -----------------------------------


@pytest.fixture
def cli_database(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("GUARANTOR_DATABASE_URL", database_url)
    monkeypatch.setenv("GUARANTOR_DATA_DIR", str(tmp_path / "var"))
    return database_url


def run(capsys: pytest.CaptureFixture[str], *args: str, stdin: str = "") -> tuple[int, str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def add_three(capsys: pytest.CaptureFixture[str]) -> None:
    for name, where in [("ana", "--cell"), ("ola", "--party=ua"), ("tom", "--party=us")]:
        code, output = run(
            capsys,
            "users",
            "add",
            name,
            where,
            "--role",
            "viewer",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        assert code == 0, output


def test_users_add_and_list_through_the_cli(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = run(
        capsys,
        "users",
        "add",
        "o.petrenko",
        "--party",
        "ua",
        "--role",
        "liaison",
        "--role",
        "viewer",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert code == 0, output
    assert "added user o.petrenko (party ua; roles: liaison, viewer)" in output
    code, output = run(capsys, "users", "list")
    assert code == 0 and "o.petrenko" in output and "1 user(s)" in output
    code, output = run(capsys, "audit", "verify")
    assert code == 0, output
    assert "1 entries, chain intact" in output


def test_the_cli_refuses_a_short_password_and_a_missing_party_choice(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = run(
        capsys,
        "users",
        "add",
        "ana",
        "--cell",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="short\n",
    )
    assert code == 1
    assert "at least 12 characters" in output and "Traceback" not in output
    code, output = run(capsys, "users", "add", "ana", "--role", "viewer", "--password-stdin")
    assert code == 1 and "--party" in output and "--cell" in output


def tamper(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(sa.text(statement))
    engine.dispose()


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (["UPDATE audit_log SET subject = 'mallory' WHERE seq = 2"], "entry 2: edited"),
        (["DELETE FROM audit_log WHERE seq = 2"], "entry 2: deleted"),
        (
            [
                "UPDATE audit_log SET seq = -2 WHERE seq = 2",
                "UPDATE audit_log SET seq = 2 WHERE seq = 3",
                "UPDATE audit_log SET seq = 3 WHERE seq = -2",
            ],
            "entry 2: reordered",
        ),
    ],
    ids=["edited", "deleted", "reordered"],
)
def test_audit_verify_names_an_edited_a_deleted_and_a_reordered_row(
    cli_database: str,
    capsys: pytest.CaptureFixture[str],
    statements: list[str],
    expected: str,
) -> None:
    add_three(capsys)
    assert run(capsys, "audit", "verify")[0] == 0
    tamper(cli_database, *statements)
    code, output = run(capsys, "audit", "verify")
    assert code == 1
    assert expected in output
    assert "chain BROKEN" in output and "the first at entry 2" in output
