"""Read ahead: the next chunk is parsed while the current one is written.

Parsing, geocoding and validating a chunk (Polars, NumPy and GEOS, which release the GIL)
and writing the previous one (SQLite and PostgreSQL drivers, which release it while the
database works) use different cores. :func:`read_ahead` runs an iterator in a thread of its
own and hands its items over through a queue of ``depth`` items, so at most ``depth + 2``
items are alive at once (the one being made, those waiting, the one being used): memory
stays bounded whatever the file size.

Nothing about the database moves to that thread: the batch's one transaction stays on the
caller's connection. An exception in the thread is raised again in the caller at the item
where it happened; leaving the ``with`` block early (an error while writing) stops the
thread at its next item and closes the iterator (and so the file it reads).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

__all__ = ["read_ahead"]

T = TypeVar("T")

_POLL_S = 0.1


class _Done:
    """The end of the items."""


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class _Reader(Generic[T]):
    def __init__(self, items: Iterator[T], depth: int) -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, not {depth}")
        self._items = items
        self._queue: queue.Queue[T | _Done | _Failed] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="guarantor-read-ahead", daemon=True)

    def _run(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    return
            self._put(_Done())
        except BaseException as error:  # handed to the caller, which raises it
            self._put(_Failed(error))
        finally:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()

    def _put(self, item: T | _Done | _Failed) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if isinstance(item, _Done):
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._thread.join()


@contextlib.contextmanager
def read_ahead(items: Iterator[T], *, depth: int = 1) -> Iterator[Iterator[T]]:
    """``items``, produced in a background thread at most ``depth`` items ahead::

    with read_ahead(chunks) as ready:
        for chunk in ready:
            write(chunk)
    """
    reader = _Reader(items, depth)
    reader.start()
    try:
        yield iter(reader)
    finally:
        reader.stop()
