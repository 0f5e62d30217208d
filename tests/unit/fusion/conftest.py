"""Fixtures of fusion tests (the builders live in ``fusion_reports``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl
import pytest
from fusion_reports import Report, make_frame, make_report


@pytest.fixture
def report() -> Callable[..., Report]:
    return make_report


@pytest.fixture
def frame() -> Callable[[Iterable[Report]], pl.DataFrame]:
    return make_frame
