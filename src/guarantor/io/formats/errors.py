"""Whole-file problems of intake: the file cannot be read as its layout at all.

A problem with one record is a :class:`~guarantor.io.formats.base.Rejection`, not an error:
the other records still come in. :class:`IntakeError` is for what stops the whole file: it is
empty, a required column is missing, it is not UTF-8, its layout cannot be told, or a
mapping file is invalid. Its message names the file and the fix.
"""

from __future__ import annotations

from guarantor.errors import GuarantorError, Location, Problem

__all__ = ["IntakeError", "intake_error"]


class IntakeError(GuarantorError):
    """A whole input file cannot be imported; ``problems`` says where and how to fix it."""

    code = "intake_error"
    http_status = 422


def intake_error(
    file: str,
    *,
    found: str,
    expected: str,
    fix: str,
    code: str = "invalid_file",
    line: int | None = None,
    field: str | None = None,
) -> IntakeError:
    """An :class:`IntakeError` with one problem, whose message reads as one sentence."""
    problem = Problem(
        location=Location(file, line, None, field),
        found=found,
        expected=expected,
        fix=fix,
        code=code,
    )
    return IntakeError(f"cannot import {file}: {found}", problems=(problem,))
