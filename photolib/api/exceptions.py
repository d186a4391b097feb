"""One error shape for the API: ``{"error": code, "message": sentence}``, plus ``fields``
(field -> reasons) for a request that does not validate. Domain errors keep their status
(404 for a photo out of the catalog, 429 with ``Retry-After``, 503 for storage); a failing
dependency is a 503, never a 500."""

from __future__ import annotations

import logging

from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from photolib.errors import DEPENDENCY_ERRORS, UNAVAILABLE_MESSAGE, DomainError

logger = logging.getLogger(__name__)


def _flatten(detail) -> str:
    if isinstance(detail, dict):
        return " ".join(_flatten(v) for v in detail.values())
    if isinstance(detail, list):
        return " ".join(_flatten(v) for v in detail)
    return str(detail)


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        data = {"error": exc.code, "message": exc.message}
        if exc.field:
            data["fields"] = {exc.field: [exc.message]}
        response = Response(data, status=exc.status_code)
        for name, value in exc.response_headers().items():
            response[name] = value
        return response
    if isinstance(exc, DEPENDENCY_ERRORS):
        logger.error("API: a dependency failed: %r", exc, exc_info=exc)
        return Response({"error": "unavailable", "message": UNAVAILABLE_MESSAGE},
                        status=status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"error": "invalid",
                         "message": "The request is not valid: " + _flatten(fields),
                         "fields": {k: [str(m) for m in (v if isinstance(v, list) else [v])]
                                    for k, v in fields.items()}}
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {"error": codes if isinstance(codes, str) else exc.default_code,
                         "message": _flatten(exc.detail)}
    return response
