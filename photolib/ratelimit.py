"""Abuse limits: how often one client address, account or email may ask for something.

Each limit is named ``<action>-<scope>`` in ``settings.PHOTOLIB_RATE_LIMITS`` (for example
``password-reset-email``) with a rate such as ``"3/hour"``. The ``limits`` library counts the
attempts in ``settings.PHOTOLIB_RATE_LIMIT_STORAGE`` with a moving window, so a burst cannot
straddle a window boundary. Views call :func:`enforce` before doing the work (an upload's
body is not read yet); past a limit it raises :class:`RateLimited`, which
``photolib.errors.DomainErrorMiddleware`` answers with a 429 page and ``Retry-After``.

Only this module talks to the limiter; it imports no app, so every app may call it.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time
from datetime import timedelta

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.checks import Warning as CheckWarning
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from photolib.errors import DomainError

logger = logging.getLogger(__name__)

#: What the person was asking for, as the 429 page names it.
ACTIONS = {
    "sign-up": _("sign-ups"),
    "resend-verification": _("requests for a new verification link"),
    "password-reset": _("password reset requests"),
    "upload": _("uploads"),
    "download": _("downloads"),
    "api": _("API calls"),
}
#: Whose attempts were counted, as the 429 page says it.
SCOPES = {
    "address": _("from your network address"),
    "account": _("from your account"),
    "email": _("for this email address"),
}


def _wait_words(seconds: int) -> str:
    if seconds < 90:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    if seconds < 2 * 3600:
        minutes = math.ceil(seconds / 60)
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}


class RateLimited(DomainError):
    """Too many attempts of ``action`` counted per ``scope``; nothing was done or sent.

    ``retry_after`` is the number of whole seconds until one more attempt is allowed.
    """

    status_code = 429
    code = "rate_limited"
    template_name = "rate_limited.html"

    def __init__(self, *, action: str, scope: str, retry_after: int):
        self.action, self.scope = action, scope
        self.retry_after = max(1, int(retry_after))
        self.retry_at = timezone.now() + timedelta(seconds=self.retry_after)
        self.what = ACTIONS.get(action, action)
        self.wait = _wait_words(self.retry_after)
        super().__init__(
            gettext("There were too many %(what)s %(scope)s in a short time, so this one was "
                    "not carried out. Please try again in %(wait)s.")
            % {"what": self.what, "scope": SCOPES.get(scope, ""), "wait": self.wait})

    def response_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def client_address(request: HttpRequest) -> str | None:
    """The client's address exactly as the sign-in lockout finds it (django-axes' helper,
    so ``PHOTOLIB_PROXY_COUNT`` proxies are handled the same way)."""
    return getattr(request, "axes_ip_address", None) or get_client_ip_address(request)


@functools.cache
def _limiter(uri: str) -> MovingWindowRateLimiter:
    options: dict = {"wrap_exceptions": True}
    if uri.startswith(("redis://", "rediss://")):
        # A limiter that stops answering must not hold a web thread for long.
        options.update(key_prefix="photolib-ratelimit", socket_connect_timeout=2,
                       socket_timeout=2)
    return MovingWindowRateLimiter(storage_from_string(uri, **options))


@functools.cache
def _items(rate: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(rate))


def _key(scope: str, value: str | int) -> str:
    text = str(value).strip()
    if scope == "email":
        # The store keeps no addresses: a digest of the normalised (lower-cased) email.
        text = hashlib.sha256(text.lower().encode()).hexdigest()
    return text


def enforce(action: str, *, address: str | None = None, account: str | int | None = None,
            email: str | None = None) -> None:
    """Count one attempt of ``action`` for each key given (``None`` or empty: not counted)
    against the limit ``<action>-<scope>``; raise :class:`RateLimited` at the first key
    already at its limit (that attempt is not counted for the keys after it).

    Callers: the views of sign-up, resend-verification, password reset, upload and
    download, before they read the request body or do any work. A limit set to ``off`` is
    skipped; a limit store that does not answer is logged and the attempt allowed, so an
    outage of Redis does not close the site.
    """
    limiter = _limiter(settings.PHOTOLIB_RATE_LIMIT_STORAGE)
    for scope, value in (("address", address), ("account", account), ("email", email)):
        if value is None or str(value).strip() == "":
            continue
        name = f"{action}-{scope}"
        try:
            rate = settings.PHOTOLIB_RATE_LIMITS[name]
        except KeyError as exc:
            raise ImproperlyConfigured(
                f"PHOTOLIB_RATE_LIMITS has no limit named {name!r}; add it to the settings "
                "(or set it to None to count nothing).") from exc
        if rate is None:
            continue
        key = _key(scope, value)
        for item in _items(rate):
            try:
                allowed = limiter.hit(item, name, key)
                if allowed:
                    continue
                reset_at = limiter.get_window_stats(item, name, key).reset_time
            except StorageError as exc:
                logger.error("rate limit %s not counted: the limit store failed: %r", name, exc)
                return
            raise RateLimited(action=action, scope=scope,
                              retry_after=math.ceil(reset_at - time.time()))


def reset() -> None:
    """Forget every count in the configured store (tests; an operator after an incident).
    A store that does not answer has nothing to forget here: that is logged, not raised."""
    try:
        _limiter(settings.PHOTOLIB_RATE_LIMIT_STORAGE).storage.reset()
    except StorageError as exc:
        logger.error("rate limit counts not reset: the limit store failed: %r", exc)


def storage_check(app_configs=None, **kwargs) -> list[CheckWarning]:
    """``check --deploy``: counts kept in memory are per process, so each gunicorn worker
    would allow the whole limit again, and a restart forgets them."""
    if settings.PHOTOLIB_RATE_LIMIT_STORAGE.startswith("memory://"):
        return [CheckWarning(
            "PHOTOLIB_RATE_LIMIT_STORAGE is memory://: each web process counts abuse limits "
            "on its own and forgets them when it restarts.",
            hint="Set PHOTOLIB_RATE_LIMIT_STORAGE=redis://HOST:6379/N (a Redis database of "
                 "its own) so every process shares one count.",
            id="photolib.W010")]
    return []
