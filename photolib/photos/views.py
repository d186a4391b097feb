"""The resident's photo pages: upload, My photos, edit, delete, status and thumbnails.

Views parse the request, call one service or selector, and translate ``PhotoError`` into a
form error or a JSON body with its status code. The upload page's script sends one request
per file and asks for JSON (``Accept: application/json``); without script the same view takes
a normal form post with any number of files (up to ``DATA_UPLOAD_MAX_NUMBER_FILES``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    UnreadablePostError,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from photolib import ratelimit
from photolib.consent.errors import ConsentError
from photolib.consent.forms import JoinForm
from photolib.consent.selectors import reading_language
from photolib.consent.services import RequestContext
from photolib.errors import error_response, wants_json
from photolib.files import serve
from photolib.http import client_ip, user_agent
from photolib.photos import errors, expiry, lifecycle, selectors, uploads
from photolib.photos.forms import ACCEPT, PhotoDetailsForm, UploadForm
from photolib.photos.keys import RENDITION_KINDS, RENDITIONS, THUMB, safe_stem
from photolib.photos.models import Photo, Rendition
from photolib.photos.standing import standings
from photolib.photos.upload_handler import MaxSizeUploadHandler

UsesOf = Callable[[list[Photo]], dict[Any, list]]


def megabytes(count: int) -> str:
    return f"{count / 1_000_000:g} MB"


def photo_json(photo: Photo, *, has_thumb: bool | None = None) -> dict[str, Any]:
    if has_thumb is None:
        has_thumb = photo.renditions.filter(spec=str(THUMB)).exists()
    editable = photo.is_editable
    return {
        "id": str(photo.id),
        "title": photo.title,
        "original_name": photo.original_name,
        "status": photo.status,
        "status_label": photo.get_status_display(),
        "reason": photo.status_reason,
        "status_url": reverse("photos:status", args=[photo.id]),
        "thumb_url": reverse("photos:rendition", args=[photo.id, "thumb"]) if has_thumb else None,
        "edit_url": reverse("photos:edit", args=[photo.id]) if editable else None,
    }


def _error_json(exc: errors.PhotoError, *, file_name: str = "") -> JsonResponse:
    body = {"error": exc.message, "code": exc.code, "field": exc.field, "file": file_name}
    return JsonResponse(body, status=exc.status_code)


# --- Upload ---------------------------------------------------------------------------------

@csrf_exempt  # checked by csrf_protect below, once our upload handler is in place
@login_required
@permission_required("accounts.contribute", raise_exception=True)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """The upload page (GET) and the upload itself (POST: one or more files)."""
    limiter = MaxSizeUploadHandler(request, max_bytes=settings.PHOTOLIB_MAX_UPLOAD_BYTES)
    if request.method == "POST":
        # Every attempt counts, refused ones too, and before a byte of the body is read:
        # a flood is turned away without costing us its upload.
        try:
            ratelimit.enforce("upload", account=request.user.pk)
        except ratelimit.RateLimited as exc:
            return _rate_limited(request, exc)
        # Must precede any access to request.POST/FILES (the CSRF check reads them).
        request.upload_handlers.insert(0, limiter)
        try:
            request.POST, request.FILES  # noqa: B018 - parse now, to answer bad requests clearly
        except TooManyFilesSent:
            return _bad_request(request, _("Send at most %(count)d files at once.")
                                % {"count": settings.DATA_UPLOAD_MAX_NUMBER_FILES},
                                code="too_many_files")
        except RequestDataTooBig:
            return _bad_request(request, _("The form's text fields are too large."),
                                code="too_big")
        except UnreadablePostError:
            return _bad_request(request, _("The upload was interrupted. Please try again."),
                                code="interrupted")
    return _upload(request, limiter)


def _rate_limited(request: HttpRequest, exc: ratelimit.RateLimited) -> HttpResponse:
    """The 429 in the upload script's JSON shape (it shows ``error`` next to the file), or
    the plain rate-limit page. The request body is never read."""
    if wants_json(request):
        response = JsonResponse({"error": exc.message, "code": exc.code, "field": None,
                                 "file": "", "retry_after": exc.retry_after},
                                status=exc.status_code)
    else:
        response = error_response(request, exc)
    response["Retry-After"] = str(exc.retry_after)
    return response


def _bad_request(request: HttpRequest, message: str, *, code: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": message, "code": code, "field": None, "file": ""},
                            status=400)
    return render(request, "photos/upload.html", _upload_context(request, None,
                                                                 problems=[message]),
                  status=400)


def _upload_context(request: HttpRequest, form: UploadForm | None, *,
                    groups: list | None = None, **extra) -> dict:
    if groups is None:
        groups = selectors.uploadable_groups(request.user)
    if form is None:
        form = UploadForm(groups=groups)
    return {"form": form, "groups": groups, "accept": ACCEPT,
            "max_size": megabytes(settings.PHOTOLIB_MAX_UPLOAD_BYTES),
            "max_bytes": settings.PHOTOLIB_MAX_UPLOAD_BYTES,
            "max_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES, **extra}


@csrf_protect
def _upload(request: HttpRequest, limiter: MaxSizeUploadHandler) -> HttpResponse:
    groups = selectors.uploadable_groups(request.user)
    if request.method == "GET":
        return render(request, "photos/upload.html",
                      _upload_context(request, None, groups=groups))

    as_json = wants_json(request)
    form = UploadForm(request.POST, request.FILES, groups=groups)
    files = request.FILES.getlist("file")
    too_large = [errors.FileRefused(
        _("%(name)s is too large. The maximum is %(max)s per photo.") % {
            "name": name, "max": megabytes(settings.PHOTOLIB_MAX_UPLOAD_BYTES)},
        code="too_large")
        for name in limiter.refused]
    if not form.is_valid():
        if as_json:
            details = {field: [e["message"] for e in items]
                       for field, items in form.errors.get_json_data().items()}
            first_field = next(iter(details))
            return JsonResponse({"error": " ".join(details[first_field]), "code": "invalid",
                                 "field": first_field, "file": "", "errors": details},
                                status=400)
        return render(request, "photos/upload.html",
                      _upload_context(request, form, groups=groups), status=400)
    if not files and not too_large:
        error = errors.InvalidInput(_("Choose at least one photo to upload."), field="file")
        if as_json:
            return _error_json(error)
        return render(request, "photos/upload.html",
                      _upload_context(request, form, groups=groups, problems=[error.message]),
                      status=400)

    data = form.cleaned_data
    created: list[Photo] = []
    problems: list[tuple[str, errors.PhotoError]] = [(name, exc) for name, exc
                                                      in zip(limiter.refused, too_large,
                                                             strict=True)]
    for file in files:
        try:
            photo = uploads.photo_upload(
                acting_user=request.user, group=data["group"], upload=file,
                title=data["title"], description=data["description"], tags=data["tags"],
                place_name=data["place_name"], hide_location=data["hide_location"],
                own_work=data["own_work"],
                people=data["people"], release=data.get("release"))
        except errors.PhotoError as exc:
            problems.append((file.name, exc))
        else:
            created.append(photo)

    if as_json:
        if created:
            photo = Photo.objects.get(pk=created[0].pk)  # the eager task may have finished it
            return JsonResponse({"photo": photo_json(photo)}, status=201)
        name, exc = problems[0]
        return _error_json(exc, file_name=name)

    if created and not problems:
        messages.success(request, ngettext(
            "%(count)d photo uploaded. It is processed now and then waits for review.",
            "%(count)d photos uploaded. They are processed now and then wait for review.",
            len(created)) % {"count": len(created)})
        return redirect("photos:mine")
    listed = [f"{name}: {exc.message}" for name, exc in problems]
    if created:
        messages.success(request, _("%(count)d uploaded.") % {"count": len(created)})
    return render(request, "photos/upload.html",
                  _upload_context(request, form, groups=groups, problems=listed),
                  status=200 if created else max(exc.status_code for _n, exc in problems))


# --- My photos ------------------------------------------------------------------------------

@login_required
@permission_required("accounts.contribute", raise_exception=True)
@require_GET
def mine(request: HttpRequest, uses_of: UsesOf | None = None) -> HttpResponse:
    """The resident's photos, with each one's uses. ``uses_of`` (photos of the page -> uses
    by photo id) is handed in by the URL configuration: the uses are the catalog's rows, and
    photos sits below the catalog."""
    page = Paginator(selectors.photos_of(request.user), 48).get_page(request.GET.get("page"))
    photos = list(page.object_list)
    uses = uses_of(photos) if uses_of is not None else {}
    standing = standings(photos)
    rows = [{"photo": p, "has_thumb": selectors.has_rendition(p, THUMB),
             "uses": uses.get(p.pk, []), "standing": standing.get(p.pk)} for p in photos]
    return render(request, "photos/mine.html", {"page": page, "rows": rows})


def _own_photo_or_404(request: HttpRequest, photo_id: uuid.UUID) -> Photo:
    photo = selectors.photo_of(request.user, photo_id)
    if photo is None:
        raise Http404(_("No such photo."))
    return photo


@login_required
@permission_required("accounts.contribute", raise_exception=True)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, photo_id: uuid.UUID) -> HttpResponse:
    photo = _own_photo_or_404(request, photo_id)
    error = None
    if request.method == "POST":
        form = PhotoDetailsForm(request.POST)
        if form.is_valid():
            try:
                lifecycle.photo_update(acting_user=request.user, photo_id=photo.id,
                                      **form.cleaned_data)
            except errors.PhotoError as exc:
                error = exc
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                    error = None
            else:
                messages.success(request, _("Saved “%(title)s”.")
                                 % {"title": form.cleaned_data["title"]})
                return redirect("photos:mine")
    else:
        form = PhotoDetailsForm(initial={
            "title": photo.title, "description": photo.description,
            "tags": ", ".join(t.name for t in photo.tags.all()), "place_name": photo.place_name,
            "hide_location": photo.hide_location, "alt_text": photo.alt_text,
            "extended_description": photo.extended_description})
    status = 200
    if request.method == "POST":
        status = error.status_code if error else 400
    elif not photo.is_editable:
        error = errors.NotEditable(_("This photo can no longer be changed: it has left the "
                                     "review queue."))
    return render(request, "photos/edit.html",
                  {"photo": photo, "form": form, "error": error}, status=status)


@login_required
@permission_required("accounts.contribute", raise_exception=True)
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, photo_id: uuid.UUID,
           uses_of: UsesOf | None = None) -> HttpResponse:
    """Delete one of the resident's photos, in any state. ``uses_of`` (handed in by the URL
    configuration, as for My photos) says whether the city used it: then it is withdrawn
    and kept for the legal-defence period instead, and the page says so first."""
    photo = _own_photo_or_404(request, photo_id)
    uses = (uses_of([photo]) if uses_of is not None else {}).get(photo.pk, [])
    error = None
    if request.method == "POST":
        try:
            kept = lifecycle.photo_delete(acting_user=request.user, photo_id=photo.id,
                                          used=bool(uses), context=RequestContext(
                                              ip_address=client_ip(request),
                                              user_agent=user_agent(request)))
        except errors.PhotoError as exc:
            error = exc
        else:
            if kept is None:
                messages.success(request, _("Deleted “%(title)s”.") % {"title": photo.title})
            else:
                messages.success(request, _("“%(title)s” is withdrawn; the city keeps it only "
                                            "until %(date)s, then deletes it.")
                                 % {"title": photo.title,
                                    "date": f"{kept.legal_hold_until:%Y-%m-%d}"})
            return redirect("photos:mine")
    status = error.status_code if error and request.method == "POST" else 200
    return render(request, "photos/delete.html",
                  {"photo": photo, "error": error, "uses": uses,
                   "hold_days": settings.PHOTOLIB_LEGAL_HOLD_DAYS}, status=status)


# --- Status and files -----------------------------------------------------------------------

@login_required
@require_GET
def status(request: HttpRequest, photo_id: uuid.UUID) -> JsonResponse:
    """The upload page polls this until the photo leaves ``processing``."""
    photo = selectors.photo_of(request.user, photo_id)
    if photo is None:
        return JsonResponse({"error": _("No such photo."), "code": "not_found"}, status=404)
    response = JsonResponse({"photo": photo_json(photo)})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def rendition(request: HttpRequest, photo_id: uuid.UUID, kind: str) -> HttpResponse:
    """A rendition for its owner (or a reviewer): streamed, or a short-lived signed link."""
    spec = RENDITION_KINDS.get(kind)
    photo = selectors.photo_visible_to(request.user, photo_id) if spec else None
    item = (Rendition.objects.filter(photo=photo, spec=str(spec)).first()
            if photo is not None else None)
    if item is None:
        raise Http404(_("No such image."))
    return serve(RENDITIONS, item.storage_key, content_type=item.content_type,
                 filename=f"{safe_stem(photo.title)}-{kind}.{spec.extension}")


# --- Renewal ----------------------------------------------------------------------------

@login_required
@permission_required("accounts.contribute", raise_exception=True)
def renew(request: HttpRequest) -> HttpResponse:
    """Photos whose licence term ends soon (or has ended), by group, each group with its
    current agreement in full and its statements to tick; a POST renews the photos ticked
    in one group (``expiry.photos_renew``)."""
    photos = expiry.renewable(request.user)
    by_group: dict[int, list[Photo]] = {}
    for photo in photos:
        by_group.setdefault(photo.group_id, []).append(photo)
    posted_group = request.POST.get("group") if request.method == "POST" else None
    sections, status = [], 200
    for group_id, items in by_group.items():
        group = items[0].group
        version = group.current_version(reading_language(request.user))
        if version is None:
            continue
        data = request.POST if posted_group == str(group_id) else None
        form = JoinForm(data, version=version, verb="renew", prefix=f"g{group_id}")
        chosen = set(request.POST.getlist("photo_id")) if data else {str(p.pk) for p in items}
        if data is not None:
            if form.is_valid():
                try:
                    renewed = expiry.photos_renew(
                        owner=request.user, group=group, photo_ids=chosen,
                        version_id=form.cleaned_data["version_id"],
                        statements_affirmed=form.affirmed(),
                        context=RequestContext(ip_address=client_ip(request),
                                               user_agent=user_agent(request)))
                except (errors.PhotoError, ConsentError) as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(request, ngettext(
                        "Renewed %(count)d photo under %(group)s's current agreement.",
                        "Renewed %(count)d photos under %(group)s's current agreement.",
                        len(renewed)) % {"count": len(renewed), "group": group.name})
                    return redirect("photos:mine")
            status = 400
        sections.append({"group": group, "version": version, "photos": items,
                         "form": form, "chosen": chosen})
    return render(request, "photos/renew.html", {"sections": sections, "now": timezone.now()},
                  status=status)
