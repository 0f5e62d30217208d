"""Who may do what, and who may see what.

A **principal** is a signed-in user as the use cases see it: an id, the party the user belongs
to (``None`` for the neutral **verification cell**) and a set of **roles**. Each role grants
**permissions** (:data:`ROLE_PERMISSIONS`); :func:`require` refuses an action the roles do not
grant with :class:`~guarantor.services.access_errors.Forbidden`.

**Releasability** (:func:`released_to`): the verification cell sees everything; a party sees
``PUBLIC``, ``REL TO`` lists that name it, and ``INTERNAL`` markings of its own party. A
marking that does not parse is released to nobody but the cell (fail closed). Every read path
filters with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from guarantor.evidence.markings import parse_marking
from guarantor.services.access_errors import Forbidden

__all__ = [
    "ROLES",
    "ROLE_PERMISSIONS",
    "Permission",
    "Principal",
    "Role",
    "permissions_of",
    "released_to",
    "require",
    "roles_granting",
]


class Role(StrEnum):
    """The roles of PRODUCT.md section 2."""

    ANALYST = "analyst"  # verification analyst: intake, grading, incidents, assessments
    COORDINATOR = "coordinator"  # coordination officer: obligations, commitments
    LEGAL = "legal"  # legal and policy staff: agreements as code
    LIAISON = "liaison"  # party liaison: what is released to the party, right of reply
    VIEWER = "viewer"  # reads what is released to it
    ADMIN = "admin"  # users and the audit log


ROLES: tuple[str, ...] = tuple(role.value for role in Role)


class Permission(StrEnum):
    READ = "read"
    REPORTS_WRITE = "reports.write"
    INCIDENTS_ASSESS = "incidents.assess"
    REPORTS_PUBLISH = "reports.publish"
    OBLIGATIONS_UPDATE = "obligations.update"
    COMMITMENTS_RECORD = "commitments.record"
    AGREEMENTS_WRITE = "agreements.write"
    REPLIES_FILE = "replies.file"
    USERS_MANAGE = "users.manage"
    AUDIT_READ = "audit.read"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ANALYST: frozenset(
        {
            Permission.READ,
            Permission.REPORTS_WRITE,
            Permission.INCIDENTS_ASSESS,
            Permission.REPORTS_PUBLISH,
        }
    ),
    Role.COORDINATOR: frozenset(
        {Permission.READ, Permission.OBLIGATIONS_UPDATE, Permission.COMMITMENTS_RECORD}
    ),
    Role.LEGAL: frozenset({Permission.READ, Permission.AGREEMENTS_WRITE}),
    Role.LIAISON: frozenset({Permission.READ, Permission.REPLIES_FILE}),
    Role.VIEWER: frozenset({Permission.READ}),
    Role.ADMIN: frozenset({Permission.READ, Permission.USERS_MANAGE, Permission.AUDIT_READ}),
}


def permissions_of(roles: Iterable[str]) -> frozenset[Permission]:
    """Every permission the roles grant together; unknown role names grant nothing."""
    granted: set[Permission] = set()
    for name in roles:
        if name in ROLES:
            granted |= ROLE_PERMISSIONS[Role(name)]
    return frozenset(granted)


def roles_granting(permission: Permission) -> tuple[str, ...]:
    """The roles that grant ``permission``, in the order of :data:`ROLES`."""
    return tuple(role.value for role in Role if permission in ROLE_PERMISSIONS[role])


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user: ``party`` None is the neutral verification cell."""

    user_id: int
    party: str | None
    roles: frozenset[str]
    username: str = ""
    permissions: frozenset[Permission] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "permissions", permissions_of(self.roles))

    @property
    def in_cell(self) -> bool:
        return self.party is None

    @property
    def affiliation(self) -> str:
        return "the verification cell" if self.party is None else f"party '{self.party}'"

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


def require(principal: Principal, permission: Permission) -> None:
    """Raise :class:`Forbidden` unless the principal's roles grant ``permission``."""
    if principal.can(permission):
        return
    who = principal.username or f"user {principal.user_id}"
    held = ", ".join(sorted(principal.roles)) or "none"
    needed = ", ".join(roles_granting(permission))
    raise Forbidden(
        f"{who} (roles: {held}) may not do '{permission.value}'; it needs one of the roles "
        f"{needed}; fix: ask an administrator to grant one (guarantor users roles)"
    )


def released_to(principal: Principal, marking_text: str | None) -> bool:
    """Whether an item with releasability ``marking_text`` may be shown to ``principal``.

    Empty text is ``PUBLIC``. A marking that does not parse is shown to the cell only.
    """
    if principal.party is None:
        return True
    marking = parse_marking(marking_text)
    if marking is None:
        return False
    return marking.released_to(principal.party)
