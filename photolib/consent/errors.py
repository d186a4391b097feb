"""Consent errors: each carries a sentence a resident or reviewer can act on."""

from photolib.errors import DomainError


class ConsentError(DomainError):
    """Base: ``str(exc)`` is the message shown; nothing was recorded."""


class NotVerified(ConsentError):
    pass


class AlreadyMember(ConsentError):
    status_code = 409


class NotMember(ConsentError):
    pass


class NotCurrentVersion(ConsentError):
    pass


class StatementsMissing(ConsentError):
    pass


class MembershipChanged(ConsentError):
    """The form shown (join or re-accept) no longer fits the person's standing."""


class AgreementImmutable(ConsentError):
    status_code = 409


class LedgerImmutable(ConsentError):
    """Raised on any attempt to change or delete a consent record."""
