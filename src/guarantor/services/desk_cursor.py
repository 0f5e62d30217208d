"""Opaque pagination cursors: the (time, id) of the last item of a page, bound to its list
and filter, with a checksum so that an edited cursor is refused with a clear error.

A cursor only says where the next page starts; every page is filtered for the principal
again, so a forged cursor can reveal nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime

from guarantor.services.desk_views import CursorInvalid

__all__ = ["decode_cursor", "encode_cursor", "fingerprint"]

_SALT = b"guarantor-cursor-v1:"
_CHECK = 8
_FIX = "fix: drop the cursor parameter to start again from the first page"


def fingerprint(*parts: object) -> str:
    """A short digest of a list's filter, so a cursor of one filter is refused by another."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:12]


def _check(payload: bytes) -> bytes:
    return hashlib.sha256(_SALT + payload).digest()[:_CHECK]


def encode_cursor(kind: str, filter_print: str, time: datetime, item_id: str) -> str:
    payload = json.dumps(
        {"k": kind, "f": filter_print, "t": time.isoformat(), "i": item_id},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    return base64.urlsafe_b64encode(payload + _check(payload)).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str, filter_print: str) -> tuple[datetime, str]:
    """The (time, id) a cursor of list ``kind`` under filter ``filter_print`` points after."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError) as exc:
        raise CursorInvalid(
            f"cursor {cursor[:40]!r} is not a cursor of this server; {_FIX}"
        ) from exc
    payload, check = raw[:-_CHECK], raw[-_CHECK:]
    if len(raw) <= _CHECK or _check(payload) != check:
        raise CursorInvalid(
            f"cursor {cursor[:40]!r} was altered or truncated (its checksum does not match); "
            f"use the next_cursor of the previous page as it was given; {_FIX}"
        )
    try:
        data = json.loads(payload)
        found_kind, found_filter = str(data["k"]), str(data["f"])
        time, item_id = datetime.fromisoformat(str(data["t"])), str(data["i"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CursorInvalid(f"cursor {cursor[:40]!r} cannot be read; {_FIX}") from exc
    if found_kind != kind:
        raise CursorInvalid(
            f"the cursor belongs to the {found_kind} list, not the {kind} list; {_FIX}"
        )
    if found_filter != filter_print:
        raise CursorInvalid(
            "the cursor was made for other filters than this request's; keep the filters of "
            f"the first page when following next_cursor; {_FIX}"
        )
    return time, item_id
