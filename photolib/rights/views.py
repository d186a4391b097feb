"""The resident's export and erasure pages, and the reviewers' erasure log."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from photolib.catalog.models import Download
from photolib.consent.services import RequestContext
from photolib.files import content_disposition
from photolib.http import client_ip, user_agent
from photolib.photos.models import Photo
from photolib.rights import errors
from photolib.rights.erasure import account_erase
from photolib.rights.export import export_entries, export_zip_stream
from photolib.rights.forms import EraseForm
from photolib.rights.models import ErasureLog


@login_required
@require_GET
def export(request: HttpRequest) -> StreamingHttpResponse:
    """"Download my data": the ZIP, streamed. Asking again simply makes a new one."""
    response = StreamingHttpResponse(export_zip_stream(export_entries(request.user)),
                                     content_type="application/zip")
    response["Content-Disposition"] = content_disposition(
        f"my-photo-library-data-{timezone.now():%Y-%m-%d}.zip", attachment=True)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest) -> HttpResponse:
    """"Delete my account": what happens, then a confirmation by password."""
    photos = Photo.objects.filter(owner=request.user)
    used = photos.filter(pk__in=Download.objects.values("photo_id")).count()
    form = EraseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                account_erase(user=request.user, acting_user=request.user,
                              password=form.cleaned_data["password"],
                              context=RequestContext(ip_address=client_ip(request),
                                                     user_agent=user_agent(request)))
            except errors.RightsError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status_code
            else:
                logout(request)
                return render(request, "rights/erased.html")
    return render(request, "rights/erase.html",
                  {"form": form, "photo_count": photos.count(), "used_count": used,
                   "hold_days": settings.PHOTOLIB_LEGAL_HOLD_DAYS}, status=status)


@login_required
@permission_required("accounts.moderate", raise_exception=True)
@require_GET
def erasure_log(request: HttpRequest) -> HttpResponse:
    """Reviewers: every erasure, who asked, when, and what was kept and why."""
    entries = ErasureLog.objects.select_related("acting_user").order_by("-at")[:500]
    if not entries:
        messages.info(request, _("No account has been erased yet."))
    return render(request, "rights/erasure_log.html", {"entries": entries})
