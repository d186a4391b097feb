"""Each account's time zone: the choices, the check, and the middleware that shows every
time in it. Stored times stay UTC; signed and hashed receipt content is never localised."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


@cache
def available_zones() -> tuple[str, ...]:
    """The IANA zone names this machine's zoneinfo knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def default_time_zone() -> str:
    """A new account's zone: the site's (``TIME_ZONE``)."""
    return settings.TIME_ZONE


def validate_time_zone(value: str) -> None:
    if value not in available_zones():
        raise ValidationError(_("Choose a time zone from the list, e.g. Europe/Berlin."),
                              code="invalid_time_zone")


class TimeZoneMiddleware:
    """A signed-in person sees times in their account's zone; anyone else in the site's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        name = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
        if name and name in available_zones():
            timezone.activate(zoneinfo.ZoneInfo(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
