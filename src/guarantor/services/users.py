"""Use cases of users: add one, sign one in, change a password, roles or standing.

Passwords are hashed with Argon2id (:class:`Passwords`, argon2-cffi's recommended
parameters). Signing in never says whether the username or the password was wrong, and
takes as long for an unknown user as for a known one. Every change to a user is appended to
the audit log in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from guarantor.errors import Location, NotFound, Problem
from guarantor.services import audit
from guarantor.services.access_errors import Unauthenticated, UserInvalid
from guarantor.services.security import ROLES, Principal, Role
from guarantor.services.user_ports import NewUser, SecurityUnitOfWork, UserRecord

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "SIGN_IN_FAILED",
    "Passwords",
    "add_user",
    "authenticate",
    "change_password",
    "change_roles",
    "check_credentials",
    "check_new_user",
    "list_users",
    "normalize_username",
    "principal_of",
    "set_disabled",
]

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
SIGN_IN_FAILED = "the username or the password is wrong, or the account is disabled"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
_PARTY = re.compile(r"^[a-z0-9_-]{1,80}$")


class Passwords:
    """Argon2id hashing. ``hasher`` may be given cheaper parameters in tests."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._decoy = self._hasher.hash("guarantor: a hash to verify against for unknown users")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; ``None`` spends the same time and says no."""
        try:
            ok = self._hasher.verify(password_hash or self._decoy, password)
        except (VerificationError, InvalidHashError):
            return False
        return bool(ok) and password_hash is not None


def _problem(field: str, found: str, expected: str, fix: str) -> Problem:
    return Problem(Location("user", field=field), found, expected, fix)


def normalize_username(username: str) -> str:
    return username.strip().lower()


def _check_roles(roles: Iterable[str], party: str | None) -> list[Problem]:
    problems = []
    given = list(roles)
    if not given:
        problems.append(
            _problem(
                "roles",
                "no role",
                f"one or more of {', '.join(ROLES)}",
                "give at least one role, e.g. viewer",
            )
        )
    for role in given:
        if role not in ROLES:
            problems.append(
                _problem(
                    "roles",
                    repr(role),
                    f"one of {', '.join(ROLES)}",
                    "use one of the role names, e.g. analyst",
                )
            )
    if Role.LIAISON.value in given and party is None:
        problems.append(
            _problem(
                "party",
                "the verification cell",
                "a party for a liaison (a liaison speaks for one party)",
                "give the liaison's party, e.g. ua",
            )
        )
    return problems


def _check_password(password: str, username: str) -> list[Problem]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return [
            _problem(
                "password",
                f"{len(password)} characters",
                f"at least {MIN_PASSWORD_LENGTH} characters",
                "choose a longer passphrase, e.g. four unrelated words",
            )
        ]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [
            _problem(
                "password",
                f"{len(password)} characters",
                f"at most {MAX_PASSWORD_LENGTH} characters",
                "choose a shorter passphrase",
            )
        ]
    if password.strip().lower() == username:
        return [_problem("password", "the username", "a secret", "choose a different password")]
    return []


def _check_new_user(username: str, party: str | None, roles: frozenset[str]) -> list[Problem]:
    problems = []
    if not _USERNAME.match(username):
        problems.append(
            _problem(
                "username",
                repr(username),
                "2 to 64 of a-z 0-9 . _ @ - starting with a letter or digit, e.g. 'o.petrenko'",
                "choose a username of that form",
            )
        )
    if party is not None and not _PARTY.match(party):
        problems.append(
            _problem(
                "party",
                repr(party),
                "a party id of a-z 0-9 _ - as in the agreement, e.g. 'ua'",
                "give the party's id, or none for the verification cell",
            )
        )
    return problems + _check_roles(roles, party)


def check_new_user(username: str, party: str | None, roles: Iterable[str]) -> None:
    """Raise :class:`UserInvalid` if the username, party or roles are refused (before asking
    for a password)."""
    name = normalize_username(username)
    party = party.strip().lower() if party is not None else None
    problems = _check_new_user(name, party, frozenset(roles))
    if problems:
        raise UserInvalid(f"user '{username}' cannot be added", problems=tuple(problems))


def add_user(
    uow: SecurityUnitOfWork,
    passwords: Passwords,
    *,
    username: str,
    party: str | None,
    roles: Iterable[str],
    password: str,
    actor: str,
    now: datetime,
) -> UserRecord:
    """Create a user (``party`` None: the verification cell) and audit it."""
    name = normalize_username(username)
    party = party.strip().lower() if party is not None else None
    role_set = frozenset(roles)
    problems = _check_new_user(name, party, role_set) + _check_password(password, name)
    if problems:
        raise UserInvalid(f"user '{username}' cannot be added", problems=tuple(problems))
    new = NewUser(name, party, role_set, passwords.hash(password), now)
    with uow:
        record = uow.users.add(new)
        details = {"party": party, "roles": sorted(role_set)}
        audit.append(
            uow.audit, at=now, actor=actor, action="user.add", subject=name, details=details
        )
        uow.commit()
    return record


def check_credentials(
    uow: SecurityUnitOfWork, passwords: Passwords, username: str, password: str
) -> UserRecord:
    """The matching, enabled user; otherwise :class:`Unauthenticated` with one message for
    every cause (unknown user, wrong password, disabled), in about the same time."""
    with uow:
        record = uow.users.by_username(normalize_username(username))
    ok = passwords.verify(record.password_hash if record else None, password)
    if record is None or not ok or record.disabled:
        raise Unauthenticated(SIGN_IN_FAILED + "; fix: check both and try again")
    return record


def authenticate(
    uow: SecurityUnitOfWork, passwords: Passwords, username: str, password: str
) -> Principal:
    """The principal of a matching, enabled user (see :func:`check_credentials`)."""
    return principal_of(check_credentials(uow, passwords, username, password))


def principal_of(record: UserRecord) -> Principal:
    return Principal(record.id, record.party, record.roles, record.username)


def list_users(uow: SecurityUnitOfWork) -> list[UserRecord]:
    with uow:
        return uow.users.list()


def _existing(uow: SecurityUnitOfWork, username: str) -> UserRecord:
    record = uow.users.by_username(normalize_username(username))
    if record is None:
        raise NotFound(
            f"no user named '{username}'; fix: check the spelling (guarantor users list)"
        )
    return record


def change_password(
    uow: SecurityUnitOfWork,
    passwords: Passwords,
    *,
    username: str,
    password: str,
    actor: str,
    now: datetime,
) -> None:
    """Set a new password (every session of the user ends) and audit it."""
    with uow:
        record = _existing(uow, username)
        problems = _check_password(password, record.username)
        if problems:
            raise UserInvalid("the new password is refused", problems=tuple(problems))
        uow.users.update(record.id, password_hash=passwords.hash(password))
        audit.append(
            uow.audit, at=now, actor=actor, action="user.password", subject=record.username
        )
        uow.commit()


def change_roles(
    uow: SecurityUnitOfWork, *, username: str, roles: Iterable[str], actor: str, now: datetime
) -> None:
    """Replace a user's roles and audit it."""
    role_set = frozenset(roles)
    with uow:
        record = _existing(uow, username)
        problems = _check_roles(role_set, record.party)
        if problems:
            raise UserInvalid(f"roles of '{record.username}' refused", problems=tuple(problems))
        uow.users.update(record.id, roles=role_set)
        details = {"before": sorted(record.roles), "after": sorted(role_set)}
        audit.append(
            uow.audit,
            at=now,
            actor=actor,
            action="user.roles",
            subject=record.username,
            details=details,
        )
        uow.commit()


def set_disabled(
    uow: SecurityUnitOfWork, *, username: str, disabled: bool, actor: str, now: datetime
) -> None:
    """Disable (every session ends, sign-in refused) or enable a user, and audit it."""
    with uow:
        record = _existing(uow, username)
        uow.users.update(record.id, disabled=disabled)
        action = "user.disable" if disabled else "user.enable"
        audit.append(uow.audit, at=now, actor=actor, action=action, subject=record.username)
        uow.commit()
