"""The bounds and the making of :class:`guarantor.web.answer_cache.AnswerCache`."""

from __future__ import annotations

import gzip
import threading

import pytest

from guarantor.web.answer_cache import AnswerCache


def test_an_answer_is_made_once_and_kept_plain_and_gzipped() -> None:
    cache = AnswerCache()
    made: list[str] = []

    def make() -> bytes:
        made.append("x")
        return b'{"a": 1}'

    first = cache.get(("k",), make)
    again = cache.get(("k",), make)
    assert made == ["x"] and again is first
    assert first.body == b'{"a": 1}' and gzip.decompress(first.gzipped) == first.body


def test_the_least_recently_used_goes_first_when_there_are_too_many() -> None:
    cache = AnswerCache(size=2)
    cache.get("a", lambda: b"a")
    cache.get("b", lambda: b"b")
    cache.get("a", lambda: b"not made again")  # "a" is now the most recently used
    cache.get("c", lambda: b"c")
    assert len(cache) == 2
    assert cache.get("a", lambda: b"made again").body == b"a"  # kept
    assert cache.get("b", lambda: b"made again").body == b"made again"  # dropped before


def test_the_answers_are_bounded_in_bytes() -> None:
    body = b"x" * 1000
    one = AnswerCache().get("size", lambda: body).size
    cache = AnswerCache(size=100, max_bytes=3 * one)
    for key in range(10):
        cache.get(key, lambda: body)
    assert len(cache) == 3
    assert cache.get(9, lambda: b"made again").body == body
    assert cache.get(0, lambda: b"made again").body == b"made again"


def test_a_failed_making_is_not_kept_and_is_tried_again() -> None:
    cache = AnswerCache()

    def fail() -> bytes:
        raise ValueError("no answer")

    with pytest.raises(ValueError, match="no answer"):
        cache.get("k", fail)
    assert len(cache) == 0
    assert cache.get("k", lambda: b"now").body == b"now"


def test_threads_asking_for_one_key_at_once_get_one_making() -> None:
    cache = AnswerCache()
    started = threading.Event()
    release = threading.Event()
    made: list[int] = []

    def slow() -> bytes:
        made.append(1)
        started.set()
        release.wait(10)
        return b"one"

    first = threading.Thread(target=lambda: cache.get("k", slow))
    first.start()
    started.wait(10)
    answers: list[bytes] = []
    others = [
        threading.Thread(target=lambda: answers.append(cache.get("k", slow).body)) for _ in range(4)
    ]
    for thread in others:
        thread.start()
    release.set()
    for thread in [first, *others]:
        thread.join(10)
    assert made == [1] and answers == [b"one"] * 4
