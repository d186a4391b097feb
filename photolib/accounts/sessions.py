"""Shorter sessions for staff.

A reviewer or admin session opens consent records, exports and the admin; one left
open on a shared computer for the default two weeks is an open door. Staff sessions
end ``PHOTOLIB_STAFF_IDLE_MINUTES`` after the last request and at the latest
``PHOTOLIB_STAFF_SESSION_HOURS`` after sign-in, whatever happens in between.
Residents and marketing keep the site's default session length.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import Resolver404, resolve
from django.utils.translation import ngettext

STARTED = "photolib_staff_session_started"


def is_staff_account(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.is_staff
                                      or user.has_perm("accounts.moderate"))


def sessionless(view):
    """Mark ``view`` as one that never reads the session's user: it authenticates every
    request itself (the API, by token) or needs no one (a signed file link). The staff
    session rules (this module's limits, the second factor) then neither block it nor
    apply to it: it does not look at the session."""
    view.sessionless = True
    return view


def is_sessionless(view) -> bool:
    return bool(getattr(view, "sessionless", False))


def _sessionless_request(request) -> bool:
    try:
        return is_sessionless(resolve(request.path_info).func)
    except Resolver404:
        return False


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and is_staff_account(user)
                and not _sessionless_request(request)):
            now = time.time()
            started = request.session.setdefault(STARTED, now)
            if now - started > settings.PHOTOLIB_STAFF_SESSION_HOURS * 3600:
                logout(request)
                hours = settings.PHOTOLIB_STAFF_SESSION_HOURS
                messages.info(request, ngettext(
                    "Your staff session ended after %(hours)d hour. Please sign in again.",
                    "Your staff session ended after %(hours)d hours. Please sign in again.",
                    hours) % {"hours": hours})
                return redirect_to_login(request.get_full_path())
            # Sliding: every request moves the end of an idle session forward.
            request.session.set_expiry(settings.PHOTOLIB_STAFF_IDLE_MINUTES * 60)
        return self.get_response(request)

