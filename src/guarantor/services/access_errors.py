"""Errors of access: who may do what. Part of the one exception tree (:mod:`guarantor.errors`).

Entry points turn them into exit codes or HTTP envelopes like every other
:class:`~guarantor.errors.GuarantorError`: ``Unauthenticated`` is 401, ``Forbidden`` 403,
``UserInvalid`` 422 (with a problem per bad field) and ``UserExists`` 409.
"""

from __future__ import annotations

from guarantor.errors import GuarantorError

__all__ = ["CsrfRefused", "Forbidden", "Unauthenticated", "UserExists", "UserInvalid"]


class Unauthenticated(GuarantorError):
    """No valid session, or a username and password that do not match (never says which)."""

    code = "unauthenticated"
    http_status = 401


class Forbidden(GuarantorError):
    """The signed-in user's roles do not allow what was asked, or a request lacked its CSRF
    token."""

    code = "forbidden"
    http_status = 403


class UserInvalid(GuarantorError):
    """A username, party, role or password does not meet the rules; ``problems`` says which."""

    code = "user_invalid"
    http_status = 422


class UserExists(GuarantorError):
    """A user with that username already exists."""

    code = "user_exists"
    http_status = 409


class CsrfRefused(Forbidden):
    """A state-changing request without the anti-forgery token of its session."""

    code = "csrf_refused"
