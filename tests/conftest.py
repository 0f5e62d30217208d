"""Suite-wide rules: test helpers import from this folder, and no test may be skipped (a
skipped test proves nothing, so a run with one fails)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped and exitstatus == 0:
        print(f"\n{len(_skipped)} test(s) skipped; skipping is not allowed here: {_skipped[:5]}")
        session.exitstatus = 1
