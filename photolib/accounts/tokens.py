"""Email-verification links: signed, time-limited and single-use.

The token signs the user's id together with the address it was sent to, so a
link stops working once the address is verified (reuse) or changed, fails on any
edit (tampering) and expires after ``EMAIL_VERIFICATION_MAX_AGE``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from photolib.accounts.errors import AccountError

SALT = "photolib.accounts.verify-email"


@dataclass(frozen=True)
class VerificationClaim:
    user_id: int
    email: str


class VerificationError(AccountError):
    """A link that cannot verify anything; ``str()`` is the reason shown to the person."""


class ExpiredLink(VerificationError):
    pass


class InvalidLink(VerificationError):
    pass


def make_verification_token(user) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=SALT, compress=True)


def read_verification_token(token: str) -> VerificationClaim:
    """Return the claim inside ``token``; raises ``ExpiredLink`` or ``InvalidLink``."""
    max_age = settings.EMAIL_VERIFICATION_MAX_AGE
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ExpiredLink(_("This verification link has expired.")) from exc
    except signing.BadSignature as exc:
        raise InvalidLink(_("This verification link is not valid.")) from exc
    try:
        return VerificationClaim(user_id=int(data["u"]), email=str(data["e"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidLink(_("This verification link is not valid.")) from exc
