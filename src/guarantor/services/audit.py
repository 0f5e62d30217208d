"""The hash-chained audit log: every state change is appended, and any edit shows.

Each entry stores the hash of the entry before it (``prev_hash``; the first entry stores
:data:`GENESIS`) and its own ``hash``: the SHA-256 of the canonical JSON of its ``at``,
``actor``, ``action``, ``subject``, ``details`` and ``prev_hash`` (keys sorted, no spaces,
UTF-8). :func:`verify` walks the chain and names every break:

* ``edited``: a row's content no longer matches its hash, or a row was rewritten with a fresh
  hash so that the next entry no longer chains to it;
* ``deleted``: sequence numbers are missing (entries were removed);
* ``reordered``: an entry chains to an entry that is in the log, but not right before it.

A chain proves the order and content of what is in it; removing entries from its *end*
leaves a shorter valid chain. Keep the head that ``guarantor audit verify`` prints somewhere
else (a daily report, a ticket) to detect that too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from guarantor.services.user_ports import AuditEntry, AuditLog

__all__ = ["GENESIS", "AuditBreak", "AuditEntry", "append", "entry_hash", "seal", "verify"]

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""


@dataclass(frozen=True, slots=True)
class AuditBreak:
    """Where the chain is broken (the first broken sequence number) and why."""

    seq: int
    kind: Literal["edited", "deleted", "reordered"]
    reason: str

    def render(self) -> str:
        return f"entry {self.seq}: {self.kind}: {self.reason}"


def _canonical(value: Mapping[str, Any]) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def entry_hash(
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, Any],
    prev_hash: str,
) -> str:
    """The hash of an entry's content chained to ``prev_hash``."""
    if at.tzinfo is None:
        raise ValueError(f"audit time {at.isoformat()} is naive; expected an aware datetime")
    content = {
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject": subject,
        "details": dict(details),
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(_canonical(content).encode("utf-8")).hexdigest()


def _recomputed(entry: AuditEntry) -> str:
    return entry_hash(
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        subject=entry.subject,
        details=entry.details,
        prev_hash=entry.prev_hash,
    )


def seal(
    previous: AuditEntry | None,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """The entry that follows ``previous`` (None: the first entry), with its hash."""
    plain = json.loads(_canonical(details or {}))  # refuses what JSON cannot keep exactly
    prev_hash = previous.hash if previous is not None else GENESIS
    moment = at.astimezone(UTC)
    return AuditEntry(
        seq=previous.seq + 1 if previous is not None else 1,
        at=moment,
        actor=actor,
        action=action,
        subject=subject,
        details=plain,
        prev_hash=prev_hash,
        hash=entry_hash(
            at=moment,
            actor=actor,
            action=action,
            subject=subject,
            details=plain,
            prev_hash=prev_hash,
        ),
    )


def append(
    log: AuditLog,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to ``log``, in the caller's (writing) transaction."""
    entry = seal(
        log.head(lock=True), at=at, actor=actor, action=action, subject=subject, details=details
    )
    log.insert(entry)
    return entry


def verify(entries: Iterable[AuditEntry]) -> list[AuditBreak]:
    """Every break in the chain of ``entries`` (given in ``seq`` order); [] if intact."""
    rows = list(entries)
    seq_of_hash = {row.hash: row.seq for row in rows}
    breaks: list[AuditBreak] = []
    expected_prev, expected_seq = GENESIS, 1
    previous: AuditEntry | None = None
    for row in rows:
        found = _break(row, previous, expected_prev, expected_seq, seq_of_hash)
        if found is not None:
            breaks.append(found)
        expected_prev, expected_seq, previous = row.hash, row.seq + 1, row
    return breaks


def _break(
    row: AuditEntry,
    previous: AuditEntry | None,
    expected_prev: str,
    expected_seq: int,
    seq_of_hash: dict[str, int],
) -> AuditBreak | None:
    if _recomputed(row) != row.hash:
        return AuditBreak(
            row.seq,
            "edited",
            "its content no longer matches its hash: the row was changed after it was written",
        )
    if row.seq > expected_seq:
        missing = (
            f"entry {expected_seq}"
            if row.seq == expected_seq + 1
            else f"entries {expected_seq} to {row.seq - 1}"
        )
        return AuditBreak(
            expected_seq, "deleted", f"{missing} missing: entry {row.seq} follows directly"
        )
    if row.prev_hash == expected_prev:
        return None
    if row.prev_hash in seq_of_hash or (row.prev_hash == GENESIS and previous is not None):
        chained = seq_of_hash.get(row.prev_hash, 0)
        after = f"entry {chained}" if chained else "the start of the log"
        return AuditBreak(
            row.seq,
            "reordered",
            f"it was written right after {after}, but now follows entry {row.seq - 1}",
        )
    where = previous.seq if previous is not None else row.seq
    return AuditBreak(
        where,
        "edited",
        f"entry {row.seq} was written after an entry with hash {row.prev_hash[:12]}..., "
        f"which is not in the log: entry {where} was rewritten (or replaced after a deletion)",
    )
