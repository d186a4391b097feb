"""API authentication: a personal token as ``Authorization: Bearer <token>``, nothing else.

Sessions do not open the API: a request is the token's, whatever cookies it carries, so a
page on another site cannot make a signed-in browser call the API (no CSRF to guard), and
the web's session rules (staff second factor, idle limits) have nothing to say about it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from photolib.accounts.api_tokens import api_token_authenticate
from photolib.accounts.errors import TokenInvalid


class ApiTokenAuthentication(BaseAuthentication):
    """``(user, ApiToken)`` for a usable token; no header: anonymous (the views then answer
    401); a bad, revoked or expired token: 401 with the reason."""

    def authenticate(self, request):
        header = get_authorization_header(request)
        if not header:
            return None
        scheme, _sep, raw = header.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        try:
            token = api_token_authenticate(raw)
        except TokenInvalid as exc:
            raise AuthenticationFailed(str(exc)) from exc
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="photolib"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "photolib.api.authentication.ApiTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description":
                "A personal API token (made on the site's API tokens page)."}
