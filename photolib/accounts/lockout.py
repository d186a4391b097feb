"""Sign-in lockout rules on top of django-axes.

Two keys, both applied to the site's login and the Django admin's (both go through
``authenticate()``): the normalised email together with the address (axes' own
counter, with the email lower-cased so another letter case is the same account), and
the client address alone, summed over every account it tried, with its own limit.
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def normalised_username(request, credentials) -> str | None:
    """AXES_USERNAME_CALLABLE: the email as the login compares it (case-insensitive)."""
    username = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if username is None:
        return None
    return str(username).strip().lower()


def address_failures(ip_address: str) -> int:
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = (AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since)
             .aggregate(n=Sum("failures_since_start"))["n"])
    return total or 0


class LockoutBackend(AxesStandaloneBackend):
    """axes' backend plus a per-address limit across all accounts."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None and getattr(settings, "AXES_ENABLED", True):
            ip_address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
            limit = settings.PHOTOLIB_LOGIN_ADDRESS_FAILURE_LIMIT
            if ip_address and address_failures(ip_address) >= limit:
                request.axes_locked_out = True
                raise AxesBackendPermissionDenied("too many failed sign-ins from this address")
        return super().authenticate(request, username=username, password=password, **kwargs)
