"""Account errors: each carries a sentence the person can act on; nothing was changed."""

from __future__ import annotations

from photolib.errors import DomainError


class AccountError(DomainError):
    """Base of every account error."""


class TokenRefused(AccountError):
    """An API token cannot be made (no catalog role, no name, an expiry in the past)."""


class TokenInvalid(AccountError):
    """The API token given is unknown, revoked or expired (the API answers 401)."""

    status_code = 401
    code = "not_authenticated"
