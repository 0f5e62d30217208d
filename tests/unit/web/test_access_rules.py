"""Access rules the web relies on: permissions by role, releasability, the audit chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from guarantor.services.access_errors import Forbidden
from guarantor.services.audit import GENESIS, AuditEntry, seal, verify
from guarantor.services.security import ROLES, Permission, Principal, released_to, require

CELL = Principal(1, None, frozenset({"analyst"}), "cell.analyst")
UA = Principal(2, "ua", frozenset({"liaison"}), "ua.liaison")
RU = Principal(3, "ru", frozenset({"viewer"}), "ru.viewer")


def test_the_roles_are_those_of_the_product_brief() -> None:
    assert set(ROLES) == {"analyst", "coordinator", "legal", "liaison", "viewer", "admin"}


def test_every_role_may_read_and_only_admins_manage_users() -> None:
    for role in ROLES:
        assert Principal(9, None, frozenset({role})).can(Permission.READ)
    admins = [r for r in ROLES if Principal(9, None, frozenset({r})).can(Permission.USERS_MANAGE)]
    assert admins == ["admin"]


def test_a_refusal_names_the_user_the_permission_and_the_roles_that_grant_it() -> None:
    require(CELL, Permission.INCIDENTS_ASSESS)
    with pytest.raises(Forbidden) as caught:
        require(RU, Permission.INCIDENTS_ASSESS)
    message = caught.value.message
    assert "ru.viewer" in message and "incidents.assess" in message and "analyst" in message
    assert caught.value.http_status == 403 and caught.value.code == "forbidden"


@pytest.mark.parametrize(
    ("marking", "cell", "ua", "ru"),
    [
        ("PUBLIC", True, True, True),
        ("", True, True, True),
        (None, True, True, True),
        ("REL TO ua,us", True, True, False),
        ("rel to UA", True, True, False),
        ("INTERNAL ua", True, True, False),
        ("INTERNAL ru", True, False, True),
        ("SECRET NOFORN", True, False, False),  # does not parse: the cell only
    ],
)
def test_releasability_per_principal(marking: str | None, cell: bool, ua: bool, ru: bool) -> None:
    assert [released_to(p, marking) for p in (CELL, UA, RU)] == [cell, ua, ru]


T0 = datetime(2025, 12, 16, 9, 0, tzinfo=UTC)


def chain(count: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for index in range(count):
        entries.append(
            seal(
                entries[-1] if entries else None,
                at=T0 + timedelta(minutes=index),
                actor="cli:root",
                action="user.add",
                subject=f"user{index}",
                details={"roles": ["viewer"], "n": index, "note": "ü"},
            )
        )
    return entries


def test_a_sealed_chain_starts_at_genesis_and_verifies() -> None:
    entries = chain(4)
    assert entries[0].prev_hash == GENESIS and entries[0].seq == 1
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert verify(entries) == []
    assert verify([]) == []


def test_an_edited_entry_is_named() -> None:
    entries = chain(4)
    entries[1] = replace(entries[1], details={"roles": ["admin"]})
    (found,) = verify(entries)
    assert (found.seq, found.kind) == (2, "edited")


def test_an_entry_rewritten_with_a_fresh_hash_is_named_by_the_next_one() -> None:
    entries = chain(4)
    forged = seal(entries[0], at=entries[1].at, actor="x", action="user.add", subject="user1")
    entries[1] = forged
    (found,) = verify(entries)
    assert (found.seq, found.kind) == (2, "edited")


def test_deleted_entries_are_named_by_their_numbers() -> None:
    entries = chain(5)
    (found,) = verify(entries[:1] + entries[3:])
    assert (found.seq, found.kind) == (2, "deleted")
    assert "entries 2 to 3" in found.reason
    (first,) = verify(entries[1:])
    assert (first.seq, first.kind) == (1, "deleted")


def test_swapped_entries_are_reordered() -> None:
    entries = chain(4)
    swapped = [
        entries[0],
        replace(entries[2], seq=2),
        replace(entries[1], seq=3),
        entries[3],
    ]
    breaks = verify(swapped)
    assert breaks[0].seq == 2
    assert {b.kind for b in breaks} == {"reordered"}


def test_details_that_json_cannot_keep_exactly_are_refused() -> None:
    with pytest.raises(ValueError, match="Out of range float"):
        seal(None, at=T0, actor="a", action="b", subject="c", details={"x": float("nan")})
