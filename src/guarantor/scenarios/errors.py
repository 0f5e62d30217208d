"""The errors of the rules engine, all in the one tree of :mod:`guarantor.errors`.

Each message names the bad value, where it was (agreement, version, rule and revision, or
incident), what was expected with an example, and the fix.
"""

from __future__ import annotations

from guarantor.errors import GuarantorError

__all__ = [
    "IncidentInputError",
    "LateIncidentError",
    "RuleCompileError",
    "ScenarioError",
    "WindowLengthError",
]


class ScenarioError(GuarantorError):
    """Base of the rules engine's errors."""

    code = "scenario_error"
    http_status = 422


class RuleCompileError(ScenarioError):
    """A rule cannot be compiled: an expression or a declarative block the engine cannot run."""

    code = "rule_compile_error"


class WindowLengthError(RuleCompileError):
    """A window of zero or negative length: ``(t - 0, t]`` is empty, so it could never count."""

    code = "window_length"


class IncidentInputError(ScenarioError):
    """An incident (a frame row or a pushed record) the engine cannot evaluate."""

    code = "incident_input"


class LateIncidentError(ScenarioError):
    """A pushed incident (or a correction) is older than the stream's allowed lateness."""

    code = "late_incident"
    http_status = 409
