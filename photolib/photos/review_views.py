"""Reviewers: the queue, one photo's evidence, decisions, and the dashboard."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count, Min
from django.db.models.functions import TruncWeek
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from photolib.files import serve
from photolib.photos import moderation
from photolib.photos.errors import NoFileOnRecord, PhotoError, PhotoNotFound
from photolib.photos.keys import ORIGINALS, RENDITION_KINDS, RENDITIONS
from photolib.photos.models import ModerationEvent, Photo, Rendition
from photolib.photos.selectors import stuck_in_processing
from photolib.photos.standing import why_not_cleared

reviewer = permission_required("accounts.moderate", raise_exception=True)


@login_required
@reviewer
def queue(request: HttpRequest) -> HttpResponse:
    photos = (Photo.objects.awaiting_review()
              .select_related("owner", "group", "agreement_version", "attestation",
                              "duplicate_of")
              .prefetch_related("tags")[:100])
    failed = Photo.objects.filter(status=Photo.Status.FAILED).select_related("owner")[:50]
    cutoff = timezone.now() - timedelta(minutes=settings.PHOTOLIB_STUCK_PROCESSING_MINUTES)
    stuck = Photo.objects.filter(pk__in=stuck_in_processing(cutoff=cutoff, limit=50))
    return render(request, "review/queue.html",
                  {"photos": photos, "failed": failed, "stuck": stuck})


@login_required
@reviewer
def photo(request: HttpRequest, photo_id) -> HttpResponse:
    item = get_object_or_404(
        Photo.objects.select_related("owner", "group", "agreement_version", "attestation",
                                     "consent_record", "duplicate_of", "reviewed_by")
        .prefetch_related("tags"), pk=photo_id)
    near = Photo.objects.filter(pk__in=item.near_duplicates or []).only("id", "title")
    events = ModerationEvent.objects.filter(photo_id_value=item.pk).select_related("actor")
    return render(request, "review/photo.html",
                  {"photo": item, "near": near, "events": events})


@login_required
@reviewer
def file(request: HttpRequest, photo_id, kind: str) -> HttpResponse:
    """Reviewers see every stored file of a photo, whatever its state."""
    item = get_object_or_404(Photo.objects.select_related("attestation"), pk=photo_id)
    if kind in RENDITION_KINDS:
        stored = get_object_or_404(Rendition, photo=item, spec=str(RENDITION_KINDS[kind]))
        return serve(RENDITIONS, stored.storage_key, content_type=stored.content_type)
    if kind == "release":
        attestation = getattr(item, "attestation", None)
        if attestation is None or not attestation.release_key:
            raise NoFileOnRecord(_("No release on file."))
        return serve(ORIGINALS, attestation.release_key,
                     content_type="application/octet-stream",
                     filename=attestation.release_name or "release", attachment=True)
    if kind == "original":
        if not item.original_key:  # refused at ingest (or erased): the file was removed
            raise NoFileOnRecord(_("No original on file. A file the ingest refuses is not "
                                   "kept; the photo's status says why it was refused."))
        return serve(ORIGINALS, item.original_key,
                     content_type=item.mime_type or "application/octet-stream",
                     filename=item.original_name, attachment=True)
    raise Http404(_("No such file."))


def _decide(request: HttpRequest, action, **kwargs) -> bool:
    """Run one moderation decision; its refusal becomes a message (a photo that does not
    exist is a 404, answered by the middleware from ``PhotoNotFound``)."""
    try:
        action(acting_user=request.user, **kwargs)
    except PhotoNotFound:
        raise
    except PhotoError as exc:
        messages.error(request, str(exc))
        return False
    return True


def _decision_view(action, success, *, with_reason: bool = False,
                   done: str = "review:queue", refused: str = "review:queue"):
    """A reviewer's POST of one decision: run it, say what happened, go to ``done`` (or to
    ``refused`` when the decision does not apply); both are the queue or the photo's page."""

    @login_required
    @reviewer
    @require_POST
    def view(request: HttpRequest, photo_id) -> HttpResponse:
        extra = {"reason": request.POST.get("reason", "")} if with_reason else {}
        target = refused
        if _decide(request, action, photo_id=photo_id, **extra):
            messages.success(request, str(success))
            target = done
        if target == "review:photo":
            return redirect(target, photo_id=photo_id)
        return redirect(target)

    view.__name__ = view.__qualname__ = action.__name__
    return view


@login_required
@reviewer
@require_POST
def approve(request: HttpRequest, photo_id) -> HttpResponse:
    """Approve one photo and say whether it is now in the catalog, and if not, why (the
    owner may have withdrawn it or left the group while it waited).

    The review page's form sends the alt text (asked for when the photo has none); a
    refusal (no alt text) sends the reviewer back to that page."""
    described = {name: request.POST[name] for name in ("alt_text", "extended_description")
                 if name in request.POST}
    if not _decide(request, moderation.photo_approve, photo_id=photo_id, **described):
        if described:
            return redirect("review:photo", photo_id=photo_id)
    else:
        item = Photo.objects.select_related("consent_record", "agreement_version",
                                            "attestation").get(pk=photo_id)
        standing = why_not_cleared(item)
        if standing is None:
            messages.success(request, _("Approved: the photo is in the catalog."))
        else:
            messages.warning(request, _("Approved, but “%(title)s” is not in the catalog: "
                                        "%(reason)s.")
                             % {"title": item.title, "reason": standing.text})
    return redirect("review:queue")
reject = _decision_view(moderation.photo_reject,
                        gettext_lazy("Rejected; the resident was told why."),
                        with_reason=True, refused="review:photo")
take_down = _decision_view(moderation.photo_take_down,
                           gettext_lazy("Taken down: the photo left the catalog."),
                           with_reason=True, done="review:photo", refused="review:photo")
retry = _decision_view(moderation.photo_retry_ingest, gettext_lazy("Ingest queued again."))


@login_required
@reviewer
@require_POST
def focal_point(request: HttpRequest, photo_id) -> HttpResponse:
    """Set where the photo's social crops centre (the review page's click on the photo)."""
    if _decide(request, moderation.photo_set_focal_point, photo_id=photo_id,
               x=request.POST.get("x"), y=request.POST.get("y")):
        messages.success(request, _("Focal point saved: social crops centre there."))
    return redirect("review:photo", photo_id=photo_id)


@login_required
@reviewer
@require_POST
def approve_many(request: HttpRequest) -> HttpResponse:
    ids = request.POST.getlist("photo_id")
    valid = []
    for value in ids:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            messages.error(request, _("“%(value)s” is not a photo id.") % {"value": value[:40]})
    approved, problems = moderation.photo_approve_many(photo_ids=valid,
                                                       acting_user=request.user)
    messages.success(request, ngettext("Approved %(count)d photo.", "Approved %(count)d photos.",
                                       approved) % {"count": approved})
    for problem in problems:
        messages.error(request, problem)
    return redirect("review:queue")


@login_required
@reviewer
def dashboard(request: HttpRequest) -> HttpResponse:
    counts = dict(Photo.objects.order_by().values_list("status").annotate(n=Count("pk")))
    states = [(label, counts.get(value, 0)) for value, label in Photo.Status.choices]
    since = timezone.now() - timedelta(weeks=12)
    uploads = dict(Photo.objects.filter(uploaded_at__gte=since).order_by()
                   .annotate(week=TruncWeek("uploaded_at")).values_list("week")
                   .annotate(n=Count("pk")))
    approvals = dict(ModerationEvent.objects.filter(
        action=ModerationEvent.Action.APPROVE, at__gte=since).order_by()
        .annotate(week=TruncWeek("at")).values_list("week").annotate(n=Count("pk")))
    weeks = sorted({w.date() for w in [*uploads, *approvals]})
    by_week = [{"week": w,
                "uploads": sum(n for k, n in uploads.items() if k.date() == w),
                "approvals": sum(n for k, n in approvals.items() if k.date() == w)}
               for w in weeks]
    peak = max([1] + [max(r["uploads"], r["approvals"]) for r in by_week])
    for i, row in enumerate(by_week):
        row["x"] = 10 + i * 44
        row["uh"] = round(120 * row["uploads"] / peak)
        row["ah"] = round(120 * row["approvals"] / peak)
    oldest = Photo.objects.awaiting_review().aggregate(t=Min("uploaded_at"))["t"]
    return render(request, "review/dashboard.html", {
        "states": states, "by_week": by_week, "chart_width": 20 + 44 * max(1, len(by_week)),
        "oldest_age": timezone.now() - oldest if oldest else None})
