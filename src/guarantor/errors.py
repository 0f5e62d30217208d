"""The one exception tree of Guarantor.

Every error a user can cause is a :class:`GuarantorError`. Its message teaches: it names the
bad value, where it was (file, row or line, field), what was expected with an example, and
the fix. Entry points (CLI, web) turn these into exit codes or HTTP envelopes in exactly one
place each; nothing else catches them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AgreementError",
    "AgreementInvalid",
    "ConfigurationError",
    "ExpressionError",
    "GuarantorError",
    "Location",
    "NotFound",
    "Problem",
    "StorageError",
]


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem was: a file and, when known, its line and column (1-based) or row."""

    file: str
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, phrased to teach."""

    location: Location
    found: str
    expected: str
    fix: str
    code: str = "invalid"
    severity: str = "error"
    context: dict[str, str] = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def render(self) -> str:
        where = str(self.location)
        if self.location.field:
            where += f" [{self.location.field}]"
        return (
            f"{where}: {self.severity} {self.code}: found {self.found}; "
            f"expected {self.expected}; fix: {self.fix}"
        )


class GuarantorError(Exception):
    """Base of every error Guarantor raises on purpose."""

    code = "guarantor_error"
    http_status = 400

    def __init__(self, message: str, *, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message, *(p.render() for p in self.problems)]
        return "\n".join(lines)


class ConfigurationError(GuarantorError):
    """A setting or environment variable is missing or malformed."""

    code = "configuration_error"
    http_status = 500


class AgreementError(GuarantorError):
    """An agreement cannot be found or used as asked."""

    code = "agreement_error"


class AgreementInvalid(AgreementError):
    """An agreement failed validation; ``problems`` lists every problem found."""

    code = "agreement_invalid"
    http_status = 422


class ExpressionError(GuarantorError):
    """A rule expression does not parse or does not type-check."""

    code = "expression_error"
    http_status = 422

    def __init__(
        self,
        message: str,
        *,
        position: int,
        expected: str,
        fix: str,
        source: str = "",
    ) -> None:
        super().__init__(message)
        self.position = position
        self.expected = expected
        self.fix = fix
        self.source = source


class NotFound(GuarantorError):
    """A thing asked for by id does not exist."""

    code = "not_found"
    http_status = 404


class StorageError(GuarantorError):
    """The database could not be reached or is not at the expected schema."""

    code = "storage_error"
    http_status = 503
