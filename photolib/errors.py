"""The one base of every domain error, and its translation to a response at the edge.

Each app has its own base (``PhotoError``, ``ConsentError``, ``CatalogError``,
``AccountError``) deriving from :class:`DomainError`. Views catch them where a form can show
the message next to its field; anything that escapes a view is answered once, here, by
:class:`DomainErrorMiddleware`: a JSON body for JSON callers, the plain error page otherwise,
with the error's own status. Never a 500 for a reason we can state.
"""

from __future__ import annotations

import logging
import smtplib

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext, gettext_noop

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """``str(exc)`` is a sentence the person can act on; nothing was stored or changed.

    ``status_code`` is the HTTP status it maps to, ``code`` a stable machine-readable name,
    ``field`` the form field it belongs to, if any.
    """

    status_code = 400
    code = "invalid"
    #: The page that explains it; it gets ``message``, ``status`` and ``error`` (this).
    template_name = "error.html"

    def __init__(self, message: str = "", *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code

    def response_headers(self) -> dict[str, str]:
        """Headers the answer carries besides the body (``Retry-After`` for a 429)."""
        return {}


class DependencyUnavailable(DomainError):
    """A service the page needs (database, file storage, broker, mail) failed or did not
    answer within its timeout; nothing was changed. Trying again later may work."""

    status_code = 503
    code = "unavailable"


def _dependency_errors() -> tuple[type[BaseException], ...]:
    """The failures of a service we depend on, as opposed to bugs of ours."""
    found: list[type[BaseException]] = [ConnectionError, TimeoutError, smtplib.SMTPException,
                                        OperationalError, InterfaceError]
    try:
        from botocore.exceptions import BotoCoreError
        from kombu.exceptions import OperationalError as BrokerError
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - all are dependencies
        pass
    else:
        found += [BotoCoreError, BrokerError, RedisConnectionError, RedisTimeoutError]
    return tuple(found)


DEPENDENCY_ERRORS = _dependency_errors()
UNAVAILABLE_MESSAGE = gettext_noop("A service this page needs is not answering just now, so "
                                   "nothing was changed. Please try again in a few minutes.")


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def error_response(request: HttpRequest, exc: DomainError) -> HttpResponse:
    if wants_json(request):
        response = JsonResponse({"error": exc.code, "message": exc.message},
                                status=exc.status_code)
    else:
        response = render(request, exc.template_name,
                          {"message": exc.message, "status": exc.status_code, "error": exc},
                          status=exc.status_code)
    for name, value in exc.response_headers().items():
        response[name] = value
    return response


class DomainErrorMiddleware:
    """Answers a ``DomainError`` that a view let through with its status and message, and a
    failure of a service the page needs (``DEPENDENCY_ERRORS``: the database, storage, the
    broker, mail, after their timeouts) with 503 and a plain sentence instead of a bare 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError):
            return error_response(request, exception)
        if isinstance(exception, DEPENDENCY_ERRORS):
            logger.error("%s %s: a dependency failed: %r", request.method, request.path,
                         exception, exc_info=exception)
            return error_response(request, DependencyUnavailable(gettext(UNAVAILABLE_MESSAGE)))
        return None
