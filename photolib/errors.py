"""The one base of every domain error, and its translation to a response at the edge.

Each app has its own base (``PhotoError``, ``ConsentError``, ``CatalogError``,
``AccountError``) deriving from :class:`DomainError`. Views catch them where a form can show
the message next to its field; anything that escapes a view is answered once, here, by
:class:`DomainErrorMiddleware`: a JSON body for JSON callers, the plain error page otherwise,
with the error's own status. Never a 500 for a reason we can state.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


class DomainError(Exception):
    """``str(exc)`` is a sentence the person can act on; nothing was stored or changed.

    ``status_code`` is the HTTP status it maps to, ``code`` a stable machine-readable name,
    ``field`` the form field it belongs to, if any.
    """

    status_code = 400
    code = "invalid"

    def __init__(self, message: str = "", *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def error_response(request: HttpRequest, exc: DomainError) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": exc.code, "message": exc.message}, status=exc.status_code)
    return render(request, "error.html", {"message": exc.message, "status": exc.status_code},
                  status=exc.status_code)


class DomainErrorMiddleware:
    """Answers a ``DomainError`` that a view let through with its status and message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError):
            return error_response(request, exception)
        return None
