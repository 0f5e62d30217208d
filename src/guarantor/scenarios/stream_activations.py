"""The columnar path's activations as frames: built as the batch target builds them.

On the columnar path (:mod:`guarantor.scenarios.stream_columnar`) a window activation is
raised by handles (:class:`~guarantor.scenarios.partition_columnar.Raised`: revision,
measure, the handles of the incidents in its window). For a frame of events its row is made
without a record per incident: the cited incidents' rows are gathered from the held frames
(one frame, ``frame_of``), posed as the batch's window result over them, and turned into
activation rows by :func:`~guarantor.scenarios.activations.activations_frame`, the function
the batch target uses; window-free scenario matches likewise from the pushed frame. The
obligations follow with :func:`~guarantor.scenarios.obligations.obligations_by_template`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from guarantor.scenarios.activations import activations_frame
from guarantor.scenarios.partition_columnar import Raised
from guarantor.scenarios.program import RevisionProgram, VersionProgram
from guarantor.scenarios.results import ACTIVATION_SCHEMA, empty
from guarantor.scenarios.windows import WindowResult, empty_windows

__all__ = ["frame_activations"]

FrameOf = Callable[[np.ndarray], pl.DataFrame]
"""The held record columns of the incidents behind some handles, in their order."""


def frame_activations(
    program: VersionProgram,
    prepared: pl.DataFrame,
    frame_of: FrameOf,
    raised: list[Raised],
    plain: list[tuple[RevisionProgram, np.ndarray]],
) -> pl.DataFrame:
    """The rows (:data:`~guarantor.scenarios.results.ACTIVATION_SCHEMA`) of the window
    activations ``raised`` and of the window-free scenario matches ``plain`` (rows of
    ``prepared``), in the batch's order."""
    pieces = []
    if plain:
        pieces.append(activations_frame(program, prepared, plain, empty_windows()))
    if raised:
        lengths = np.asarray([len(r.contributors) for r in raised], dtype=np.int64)
        handles = np.concatenate([r.contributors for r in raised])
        triggers = np.cumsum(lengths) - 1
        windows = WindowResult(
            rows=np.arange(len(handles), dtype=np.int64),
            values=np.ones(len(handles), dtype=np.int64),
            act_pairs=triggers,
            act_starts=triggers - lengths + 1,
            act_revisions=np.asarray([r.revision.index for r in raised], dtype=np.int64),
            act_measures=np.asarray([r.measure for r in raised], dtype=np.float64),
            act_thresholds=np.asarray([_threshold(r) for r in raised], dtype=np.float64),
        )
        pieces.append(activations_frame(program, frame_of(handles), [], windows))
    if not pieces:
        return empty(ACTIVATION_SCHEMA)
    return pl.concat(pieces) if len(pieces) > 1 else pieces[0]


def _threshold(raised: Raised) -> float:
    window = raised.revision.window
    assert window is not None
    return window.threshold
