"""Account errors: each carries a sentence the person can act on; nothing was changed."""

from __future__ import annotations

from photolib.errors import DomainError


class AccountError(DomainError):
    """Base of every account error."""
