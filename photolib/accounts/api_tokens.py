"""Personal API tokens for marketing staff: made and revoked on the web, used by the API.

A token is ``plk_`` followed by 43 random URL-safe characters (256 bits). Only its SHA-256
is stored: a token that random needs no slow hash, and a database leak reveals no usable
token. The secret is returned once, by :func:`api_token_create`, and never again.

Callers: the token page (``photolib.api.views``), the API's authentication class
(:func:`api_token_authenticate`) and tests.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from photolib.accounts.errors import TokenInvalid, TokenRefused
from photolib.accounts.models import ApiToken, User

PREFIX = "plk_"
#: ``last_used_at`` is written at most this often per token (not on every call).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def may_hold_tokens(user: User) -> bool:
    """API tokens are for the catalog: active users holding ``accounts.use_catalog``."""
    return user.is_active and user.has_perm("accounts.use_catalog")


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


@transaction.atomic
def api_token_create(*, user: User, name: str, scope: str,
                     expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns the row and the secret (shown once, never stored).

    Raises ``TokenRefused`` for a user without the catalog role, an empty name, an unknown
    scope or an expiry that is not in the future; nothing is stored then.
    """
    name = (name or "").strip()
    if not may_hold_tokens(user):
        raise TokenRefused(_("API tokens are for marketing staff who use the catalog."))
    if not name:
        raise TokenRefused(_("Give the token a name, such as the system that will use it."),
                           field="name")
    if scope not in ApiToken.Scope.values:
        raise TokenRefused(_("Choose the read or the download scope."), field="scope")
    if expires_at is not None and expires_at <= timezone.now():
        raise TokenRefused(_("The expiry must be in the future."), field="expires_at")
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:80], scope=scope,
                                    prefix=raw[:len(PREFIX) + 4], digest=_digest(raw),
                                    expires_at=expires_at)
    return token, raw


@transaction.atomic
def api_token_revoke(*, user: User, token_id) -> ApiToken:
    """Revoke one of ``user``'s tokens at once (again: changes nothing).
    ``ApiToken.DoesNotExist`` for a token that is not theirs."""
    token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str) -> ApiToken:
    """The usable token whose secret is ``raw``, with its user; notes when it was used.

    Raises ``TokenInvalid`` with the reason (unknown, revoked, expired, or its owner no
    longer active or in marketing). Never says which of two tokens exists.
    """
    raw = (raw or "").strip()
    if not raw.startswith(PREFIX) or len(raw) > 200:
        raise TokenInvalid(_("That is not an API token of this site."))
    token = (ApiToken.objects.select_related("user").filter(digest=_digest(raw)).first())
    if token is None:
        raise TokenInvalid(_("Unknown API token."))
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenInvalid(_("This API token was revoked."))
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenInvalid(_("This API token has expired."))
    if not may_hold_tokens(token.user):
        raise TokenInvalid(_("The owner of this API token may no longer use the catalog."))
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
