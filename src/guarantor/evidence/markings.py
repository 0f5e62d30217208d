"""Releasability markings: who may see a report.

``PUBLIC``; ``REL TO ua,us`` (released to the listed parties); ``INTERNAL ua`` (the party's
own, released to nobody else). The verification cell sees everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["MARKING_PATTERN", "Marking", "parse_marking"]

_PARTY = r"[a-z0-9_-]+"
_REL = re.compile(rf"^REL\s+TO\s+(?P<parties>{_PARTY}(\s*,\s*{_PARTY})*)$", re.IGNORECASE)
_INTERNAL = re.compile(rf"^INTERNAL\s+(?P<party>{_PARTY})$", re.IGNORECASE)
MARKING_PATTERN = rf"(?i)^(PUBLIC|REL\s+TO\s+{_PARTY}(\s*,\s*{_PARTY})*|INTERNAL\s+{_PARTY})$"


@dataclass(frozen=True, slots=True)
class Marking:
    kind: Literal["public", "rel_to", "internal"]
    parties: frozenset[str] = frozenset()

    def canonical(self) -> str:
        if self.kind == "public":
            return "PUBLIC"
        if self.kind == "internal":
            return f"INTERNAL {next(iter(self.parties))}"
        return "REL TO " + ",".join(sorted(self.parties))

    def released_to(self, party: str | None) -> bool:
        """``party`` None is the neutral verification cell, which sees everything."""
        return party is None or self.kind == "public" or party in self.parties


def parse_marking(text: str | None) -> Marking | None:
    """The marking written in ``text`` (empty means PUBLIC); None if it is not one."""
    value = (text or "").strip()
    if not value or value.upper() == "PUBLIC":
        return Marking("public")
    if match := _REL.match(value):
        parties = frozenset(p.strip().lower() for p in match.group("parties").split(","))
        return Marking("rel_to", parties)
    if match := _INTERNAL.match(value):
        return Marking("internal", frozenset({match.group("party").lower()}))
    return None
