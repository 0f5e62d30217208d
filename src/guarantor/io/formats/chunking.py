"""Regroup parsed blocks into chunks of exactly ``chunk_rows`` input records.

Chunk ``k`` holds the records numbered ``k * chunk_rows + 1`` to ``(k + 1) * chunk_rows``,
whatever the blocks the reader happened to cut: the output does not depend on block sizes.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

import polars as pl

from guarantor.io.formats.base import Rejection

__all__ = ["ROW", "Rechunker"]

ROW = "__row"


class Rechunker:
    """Feed it (good records with :data:`ROW`, rejections, count) per block, in order."""

    def __init__(self, chunk_rows: int) -> None:
        if chunk_rows < 1:
            raise ValueError(f"chunk_rows must be at least 1, not {chunk_rows}")
        self.size = chunk_rows
        self.last = 0  # number of the last record fed
        self.end = chunk_rows  # number of the last record of the chunk being filled
        self.frames: list[pl.DataFrame] = []
        self.rejections: list[Rejection] = []

    def add(
        self, frame: pl.DataFrame, rejections: list[Rejection], count: int
    ) -> Iterator[tuple[pl.DataFrame, list[Rejection]]]:
        """Chunks completed by these ``count`` records (the frame's ROW is ascending)."""
        self.last += count
        rows = frame[ROW]
        keys = [r.row_number for r in rejections]
        done_rows = done_rejections = 0
        while self.last >= self.end:
            cut = int(rows.search_sorted(self.end, side="right")) if frame.height else 0
            split = bisect.bisect_right(keys, self.end)
            self._keep(frame[done_rows:cut], rejections[done_rejections:split])
            done_rows, done_rejections = cut, split
            yield self._flush()
            self.end += self.size
        self._keep(frame[done_rows:], rejections[done_rejections:])

    def finish(self) -> Iterator[tuple[pl.DataFrame, list[Rejection]]]:
        """The last, shorter chunk, if any record is left."""
        if any(f.height for f in self.frames) or self.rejections:
            yield self._flush()

    def _keep(self, frame: pl.DataFrame, rejections: list[Rejection]) -> None:
        if frame.height or not self.frames:
            self.frames.append(frame)
        self.rejections.extend(rejections)

    def _flush(self) -> tuple[pl.DataFrame, list[Rejection]]:
        frame = pl.concat(self.frames, how="vertical") if len(self.frames) > 1 else self.frames[0]
        chunk = (frame, self.rejections)
        self.frames = [frame.clear()]
        self.rejections = []
        return chunk
