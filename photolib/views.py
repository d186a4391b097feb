from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for an address no view answers: the API's error shape under ``/api/`` (a client
    sending an id of the wrong kind gets JSON, as for every other API error), Django's
    page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"error": "not_found", "message": "No such API resource."},
                            status=404)
    return defaults.page_not_found(request, exception)
