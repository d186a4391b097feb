"""Small request helpers shared by the apps."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseBadRequest, JsonResponse

from photolib.errors import wants_json

NUL_REFUSED = "The request contains a NUL character, which no field accepts."


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; with ``PHOTOLIB_PROXY_COUNT`` proxies in front, the
    address the outermost trusted proxy saw."""
    proxies = settings.AXES_IPWARE_PROXY_COUNT or 0
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                     if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:512]


class PrivateResponsesNotStoredMiddleware:
    """Every answer to a signed-in user is ``Cache-Control: private, no-store`` unless
    its view chose a policy itself.

    Receipts, consent exports, the resident's data export and the reviewers' CSV carry
    personal data; so does almost every page a signed-in user sees. No shared proxy may
    keep them and no browser may write them to disk, where the next user of a library
    computer would find them. Views that serve files meant to be cached (renditions,
    the city's public key) set their own ``Cache-Control`` and keep it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header(
                "Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` from ``settings.PHOTOLIB_PERMISSIONS_POLICY`` on every answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PHOTOLIB_PERMISSIONS_POLICY)
        return response


class RefuseNulMiddleware:
    """A NUL character in a query or form value is refused with 400 before any view:
    PostgreSQL cannot store or compare it, so it would otherwise end as a 500 deep in
    a filter (the admin's list search, for one). JSON callers and the API get the API's
    error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sources = [request.GET]
        if request.method == "POST" and request.content_type != "multipart/form-data":
            sources.append(request.POST)
        for values in sources:
            for key, items in values.lists():
                if "\x00" in key or any("\x00" in v for v in items):
                    if wants_json(request) or request.path_info.startswith("/api/"):
                        return JsonResponse({"error": "invalid", "message": NUL_REFUSED},
                                            status=400)
                    return HttpResponseBadRequest(
                        NUL_REFUSED,
                        content_type="text/plain; charset=utf-8")
        return self.get_response(request)
