"""Serialized answers of the desk's busiest reads (the dashboard and the incident list),
kept as JSON bytes and their gzip, so that the many users who ask the same question are
answered without computing, encoding or compressing it again.

An answer is kept under its *whole* cause: the route, the data version it was read on (the
count and latest time of the fusion and evaluation runs, which change every incident and
result), the visibility it was computed with (the markings released to the asker, or
everything for the verification cell) and the normalized query (filter, cursor, limit). The
service computes these answers from the visibility and the filter only, so the same bytes are
exact for every user with the same visibility; a party with other markings, or the cell, has
another key. A new fusion or evaluation run changes the data version, so older answers are
never found again (and age out: the cache keeps the latest answers, at most ``size`` of them
and ``max_bytes`` in all, plain and compressed counted).

One thread computes a missing answer; the others asking for the same key wait for it.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from fastapi import Request, Response

__all__ = [
    "ANSWER_CACHE_BYTES",
    "ANSWER_CACHE_SIZE",
    "Answer",
    "AnswerCache",
    "answer_cache",
    "respond",
]

ANSWER_CACHE_SIZE = 512
ANSWER_CACHE_BYTES = 64 * 2**20  # a dashboard of 2,000 markers is about 0.5 MB with its gzip
GZIP_LEVEL = 6


@dataclass(frozen=True, slots=True)
class Answer:
    """One JSON answer, plain and gzip-compressed."""

    body: bytes
    gzipped: bytes

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped)

    @classmethod
    def of(cls, body: bytes) -> Answer:
        return cls(body, gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0))


class AnswerCache:
    """The latest answers by key, at most ``size`` of them and ``max_bytes`` in all (the
    least recently used goes first)."""

    def __init__(self, size: int = ANSWER_CACHE_SIZE, max_bytes: int = ANSWER_CACHE_BYTES) -> None:
        self._size = size
        self._max_bytes = max_bytes
        self._bytes = 0
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._making: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._answers)

    def _found(self, key: Hashable) -> Answer | None:
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def get(self, key: Hashable, make: Callable[[], bytes]) -> Answer:
        """The answer under ``key``, made by ``make`` (once) when it is missing. An error
        raised by ``make`` is not kept: the next request tries again."""
        found = self._found(key)
        if found is not None:
            return found
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:
            found = self._found(key)
            if found is not None:
                return found
            try:
                answer = Answer.of(make())
                with self._lock:
                    replaced = self._answers.pop(key, None)
                    self._bytes += answer.size - (replaced.size if replaced else 0)
                    self._answers[key] = answer
                    while len(self._answers) > 1 and (
                        len(self._answers) > self._size or self._bytes > self._max_bytes
                    ):
                        self._bytes -= self._answers.popitem(last=False)[1].size
            finally:
                with self._lock:
                    self._making.pop(key, None)
        return answer


def answer_cache(request: Request) -> AnswerCache:
    """The app's cache (one per app; made with the app)."""
    state = request.app.state
    cache: AnswerCache | None = getattr(state, "answers", None)
    if cache is None:
        cache = state.answers = AnswerCache()
    return cache


def _accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() == "gzip" and params.replace(" ", "") not in ("q=0", "q=0.0"):
            return True
    return False


def respond(request: Request, answer: Answer) -> Response:
    """The answer, gzip-compressed when the client accepts it."""
    headers = {"Vary": "Accept-Encoding"}
    if _accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return Response(answer.gzipped, media_type="application/json", headers=headers)
    return Response(answer.body, media_type="application/json", headers=headers)
