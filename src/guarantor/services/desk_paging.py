"""How the desk pages its lists: a :class:`Listing` (what to fetch, count and order by)
answers one page by keyset cursor, or every item in chunks for an export; lists that are
small are paged in memory the same way. Limits and :class:`FilterInvalid` are here too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from guarantor.errors import GuarantorError
from guarantor.services.desk_cursor import decode_cursor, encode_cursor
from guarantor.services.desk_ports import Key
from guarantor.services.desk_views import Page

__all__ = [
    "DEFAULT_LIMIT",
    "EXPORT_CHUNK",
    "MAX_LIMIT",
    "FilterInvalid",
    "Listing",
    "check_limit",
    "in_memory",
    "time_or_epoch",
]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
EXPORT_CHUNK = 5000
T = TypeVar("T")


class FilterInvalid(GuarantorError):
    """A list filter that cannot be applied (an unknown zone, a bad limit)."""

    code = "filter_invalid"
    http_status = 422


def check_limit(limit: int) -> int:
    """``limit`` when it is a page size the desk serves, else :class:`FilterInvalid`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise FilterInvalid(
            f"limit {limit} is out of range; expected 1 to {MAX_LIMIT}; fix: ask for at most "
            f"{MAX_LIMIT} items per page and follow next_cursor"
        )
    return limit


@dataclass(frozen=True, slots=True)
class Listing(Generic[T]):
    """One list of the desk: ``fetch(after, n)`` gives the next ``n`` items after the key
    ``after`` (newest first), ``count()`` all of them, ``key(item)`` an item's (time, id)."""

    kind: str
    fetch: Callable[[Key | None, int], list[T]]
    count: Callable[[], int]
    key: Callable[[T], Key]

    def page(self, filter_print: str, cursor: str | None, limit: int) -> Page[T]:
        """The page after ``cursor`` (handed out for this list and filter), with the total."""
        after = decode_cursor(cursor, self.kind, filter_print) if cursor else None
        rows = self.fetch(after, check_limit(limit) + 1)
        items = tuple(rows[:limit])
        next_cursor = None
        if len(rows) > limit:
            time, item_id = self.key(items[-1])
            next_cursor = encode_cursor(self.kind, filter_print, time, item_id)
        return Page(items=items, next_cursor=next_cursor, total=self.count())

    def every(self) -> Iterator[T]:
        """Every item, newest first, fetched :data:`EXPORT_CHUNK` at a time."""
        after: Key | None = None
        while True:
            rows = self.fetch(after, EXPORT_CHUNK)
            yield from rows
            if len(rows) < EXPORT_CHUNK:
                return
            after = self.key(rows[-1])


def in_memory(kind: str, items: list[T], key: Callable[[T], Key]) -> Listing[T]:
    """The listing of ``items`` already read, ordered newest first by ``key``."""
    ordered = sorted(items, key=key, reverse=True)

    def fetch(after: Key | None, n: int) -> list[T]:
        rest = [i for i in ordered if after is None or key(i) < after]
        return rest[:n]

    return Listing(kind, fetch, lambda: len(ordered), key)


_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


def time_or_epoch(value: datetime | None) -> datetime:
    """``value``, or the epoch when unknown (it then sorts last, newest first)."""
    return value if value is not None else _EPOCH
