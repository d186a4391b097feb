"""Who may call what: a token (``authentication.py``); writing or downloading needs a token
with the download scope (403 otherwise, saying so)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from photolib.accounts.models import ApiToken


class TokenHolder(BasePermission):
    """Called with a usable API token (without one DRF answers 401)."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiToken)


class DownloadScopeToChange(BasePermission):
    """Reads need any token; anything else (a download, a collection change, acknowledging
    a notice) a token with the download scope."""

    message = _("This token has the read scope: downloads and changes need a token with the "
                "download scope.")

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or (
            isinstance(request.auth, ApiToken) and request.auth.can_download)
