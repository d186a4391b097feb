"""Marketing's catalog: search, photo page, renditions, downloads, collections.

Every view reads photos through ``Photo.objects.cleared()`` (directly or via the
search and download services); anything else answers 404, never 403, so the
catalog does not leak that a photo exists.
"""

from __future__ import annotations

import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from photolib import ratelimit
from photolib.catalog import recall, search, selectors, services
from photolib.catalog.errors import (
    CollectionRefused,
    DownloadRefused,
    FileMissing,
    FilePreparing,
    FileUnavailable,
    NoSuchCollection,
    NotInCatalog,
    SigningFailed,
)
from photolib.catalog.forms import (
    SHAPE_LABELS,
    CollectionForm,
    DownloadForm,
    SearchForm,
    ShareForm,
)
from photolib.catalog.models import Collection, Listing, RecallNotice
from photolib.consent.models import USE_LABELS
from photolib.consent.services import RequestContext
from photolib.files import content_disposition, serve
from photolib.http import client_ip, user_agent
from photolib.photos import moderation
from photolib.photos.errors import PhotoNotFound, WrongState
from photolib.photos.keys import RENDITION_KINDS, RENDITIONS
from photolib.photos.models import Photo, Rendition
from photolib.storage_config import DOWNLOADS
from photolib.zipstream import ZipSink

marketing = permission_required("accounts.use_catalog", raise_exception=True)


def _cleared_or_404(photo_id) -> Photo:
    try:
        return services.cleared_photo(photo_id)
    except (Photo.DoesNotExist, ValueError, TypeError) as exc:
        raise NotInCatalog(_("No such photo in the catalog.")) from exc


@login_required
@marketing
def search_page(request: HttpRequest) -> HttpResponse:
    """The catalog's search. A first visit is a search for everything (bound, so it is
    valid, and sorted by best match, which is newest first without words). A page past
    the last one shows an empty grid and says how many pages there are, with a link to
    the last; a page number that is not one is a form error."""
    form = SearchForm(request.GET)
    result = None
    past_end = False
    facets: dict = {}
    if form.is_valid():
        f = form.filters()
        result = search.search(f)
        past_end = bool(result.total) and result.past_end
        for item in result.facets.get("shape", []):  # the engine names shapes in English
            item.label = str(SHAPE_LABELS.get(item.value, item.label))
        facets = {name: [(item, form.facet_href(name, item.value)) for item in items]
                  for name, items in result.facets.items()}
    return render(request, "catalog/search.html", {
        "form": form, "result": result, "facets": facets, "past_end": past_end,
        "chips": form.chips(), "active_tags": form.tags(), "query": form.query(),
        "page_error": form.errors.get("page"),
        "last_page_href": form.page_href(result.pages) if result else "",
        "previous_href": form.page_href(result.page - 1) if result else "",
        "next_href": form.page_href(result.page + 1) if result else "",
        "suggestion_href": _with_words(form, result.suggestion) if result else "",
    })


def _with_words(form: SearchForm, q: str) -> str:
    """This search's query string with the words ``q`` instead (for "Did you mean")."""
    if not q:
        return ""
    rest = form.without("q")
    return "&".join(filter(None, [rest, urlencode({"q": q})]))


@login_required
@marketing
def photo_detail(request: HttpRequest, photo_id) -> HttpResponse:
    photo = _cleared_or_404(photo_id)
    form = DownloadForm(initial={"use": (photo.agreement_version.permitted_uses or [""])[0]},
                        permitted_uses=photo.agreement_version.permitted_uses)
    return _photo_page(request, photo, form)


def _photo_page(request: HttpRequest, photo: Photo, form: DownloadForm, error: str | None = None,
                status: int = 200) -> HttpResponse:
    """The photo page, first shown or again with the download form's errors."""
    return render(request, "catalog/photo_detail.html", {
        "photo": photo, "version": photo.agreement_version, "form": form, "error": error,
        "terms": services.usage_terms(photo),
        "collections": services.collections_of(request.user),
        "permitted": [(u, _(USE_LABELS.get(u, u)))
                      for u in photo.agreement_version.permitted_uses],
    }, status=status)


def licence(request: HttpRequest, photo_id) -> HttpResponse:
    """The web statement of rights embedded in downloaded files (public: the licence
    terms only, no photo). A photo that was in the catalog once and is no longer answers
    410 Gone with why and since when, and names nobody; one never in it answers 404."""
    try:
        photo = services.cleared_photo(photo_id)
    except Photo.DoesNotExist:
        listing = recall.last_listing(photo_id)
        if listing is None:
            raise NotInCatalog(_("No such photo in the catalog.")) from None
        reason, since = (recall.departures([listing.photo_key])[listing.photo_key]
                         if listing.ended_at is None
                         else (listing.get_reason_display(), listing.rights_ended_at))
        return render(request, "catalog/licence_gone.html",
                      {"photo_key": listing.photo_key, "reason": reason, "since": since},
                      status=410)
    return render(request, "catalog/licence.html",
                  {"photo": photo, "terms": services.usage_terms(photo),
                   "version": photo.agreement_version})


@login_required
@marketing
def rendition(request: HttpRequest, photo_id, kind: str) -> HttpResponse:
    if kind not in RENDITION_KINDS:
        raise Http404(_("No such rendition."))
    photo = _cleared_or_404(photo_id)
    stored = get_object_or_404(Rendition, photo=photo, spec=str(RENDITION_KINDS[kind]))
    return serve(RENDITIONS, stored.storage_key, content_type=stored.content_type,
                 filename=f"{photo.pk}-{kind}.jpg")


@login_required
@marketing
def download(request: HttpRequest, photo_id) -> HttpResponse:
    photo = _cleared_or_404(photo_id)
    if request.method != "POST":
        return redirect("catalog:photo", photo_id=photo.pk)
    ratelimit.enforce("download", account=request.user.pk)
    form = DownloadForm(request.POST, permitted_uses=photo.agreement_version.permitted_uses)
    error = None
    if form.is_valid():
        try:
            prepared = services.download_prepare(
                photo_id=photo.pk, user=request.user, **form.cleaned_data)
        except Photo.DoesNotExist as exc:
            raise NotInCatalog(_("No such photo in the catalog.")) from exc
        except DownloadRefused as exc:
            error = str(exc)
        else:
            return serve(DOWNLOADS, prepared.storage_name, content_type="image/jpeg",
                         filename=prepared.filename, attachment=True)
    return _photo_page(request, photo, form, error=error, status=400)


# --- collections -------------------------------------------------------------

@login_required
@marketing
def collections(request: HttpRequest) -> HttpResponse:
    form = CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        collection = services.collection_create(owner=request.user, **form.cleaned_data)
        return redirect("catalog:collection", pk=collection.pk)
    cleared = Photo.objects.cleared().values("pk")
    items = (services.collections_of(request.user)
             .annotate(n=Count("items", distinct=True),
                       usable=Count("items", filter=Q(items__photo_key__in=cleared),
                                    distinct=True))
             .order_by("-created_at"))
    return render(request, "catalog/collections.html", {"collections": items, "form": form})


def _collection_or_404(request: HttpRequest, pk) -> Collection:
    """A collection the user owns or edits; any other id, forged or someone else's, is
    the same 404 (never says whether it exists)."""
    try:
        return services.collections_of(request.user).get(pk=pk)
    except (Collection.DoesNotExist, ValueError, TypeError) as exc:
        raise NoSuchCollection(_("No such collection.")) from exc


HISTORY_LENGTH = 20


@login_required
@marketing
def collection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _collection_or_404(request, pk)
    return _collection_page(request, collection)


def _collection_page(request: HttpRequest, collection: Collection, *,
                     share_form: ShareForm | None = None,
                     rename_form: CollectionForm | None = None,
                     status: int = 200) -> HttpResponse:
    """The collection page, first shown or again with the share or rename form's errors."""
    photos, gone = selectors.collection_contents(collection)
    is_owner = collection.owner_id == request.user.pk
    return render(request, "catalog/collection_detail.html", {
        "collection": collection, "photos": photos, "gone": gone,
        "total": len(photos) + len(gone),
        "form": DownloadForm(), "is_owner": is_owner,
        "editors": list(collection.editors.order_by("email")),
        "history": list(collection.events.select_related("actor", "subject")
                        [:HISTORY_LENGTH]),
        "share_form": share_form or ShareForm(),
        "colleagues": (list(services.marketing_staff().exclude(pk=request.user.pk)
                            .values_list("email", flat=True)) if is_owner else []),
        "rename_form": rename_form or CollectionForm(instance=collection,
                                                     prefix="rename"),
    }, status=status)


@login_required
@marketing
@require_POST
def collection_share(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _collection_or_404(request, pk)
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            colleague = services.collection_share(collection=collection,
                                                  acting_user=request.user,
                                                  email=form.cleaned_data["email"])
        except CollectionRefused as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, _("“%(name)s” is shared with %(email)s.")
                             % {"name": collection.name, "email": colleague.email})
            return redirect("catalog:collection", pk=collection.pk)
    return _collection_page(request, collection, share_form=form, status=400)


@login_required
@marketing
@require_POST
def collection_unshare(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _collection_or_404(request, pk)
    try:
        services.collection_unshare(collection=collection, acting_user=request.user,
                                    user_id=int(request.POST.get("user_id", "")))
    except (ValueError, TypeError):
        messages.error(request, _("No such colleague shares this collection."))
    except CollectionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Stopped sharing."))
    return redirect("catalog:collection", pk=collection.pk)


@login_required
@marketing
@require_POST
def collection_rename(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _collection_or_404(request, pk)
    form = CollectionForm(request.POST, prefix="rename")
    if form.is_valid():
        try:
            services.collection_rename(collection=collection, acting_user=request.user,
                                       **form.cleaned_data)
        except CollectionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Renamed to “%(name)s”.") % {"name": collection.name})
            return redirect("catalog:collection", pk=collection.pk)
    collection.refresh_from_db()
    return _collection_page(request, collection, rename_form=form, status=400)


@login_required
@marketing
@require_POST
def collection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _collection_or_404(request, pk)
    name = collection.name
    try:
        services.collection_delete(collection=collection, acting_user=request.user)
    except CollectionRefused as exc:
        messages.error(request, str(exc))
        return redirect("catalog:collection", pk=collection.pk)
    messages.success(request, _("Deleted “%(name)s”.") % {"name": name})
    return redirect("catalog:collections")


@login_required
@marketing
@require_POST
def collection_add(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _collection_or_404(request, pk)
    try:
        services.collection_add(collection=collection, photo_id=request.POST.get("photo_id"),
                                acting_user=request.user)
    except (Photo.DoesNotExist, ValidationError, ValueError, TypeError):
        messages.error(request, _("That photo is not in the catalog, so it was not added."))
        return redirect("catalog:collection", pk=collection.pk)
    messages.success(request, _("Added to “%(name)s”.") % {"name": collection.name})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("catalog:collection", args=[pk])  # never redirect off the site
    return redirect(back)


@login_required
@marketing
@require_POST
def collection_remove(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _collection_or_404(request, pk)
    try:
        services.collection_remove(collection=collection, photo_id=request.POST.get("photo_id"),
                                   acting_user=request.user)
    except (ValidationError, ValueError, TypeError):
        messages.error(request, _("No such photo in this collection."))
    return redirect("catalog:collection", pk=collection.pk)


@login_required
@marketing
@require_POST
def collection_zip(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole collection as a streamed ZIP: every photo passes the download checks
    and is logged; photos whose agreement does not permit the use are left out and
    named in README.txt."""
    collection = _collection_or_404(request, pk)
    ratelimit.enforce("download", account=request.user.pk)  # the whole ZIP is one
    form = DownloadForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a rendition and a use, and name the campaign."))
        return redirect("catalog:collection", pk=pk)
    photo_ids = list(collection.items.values_list("photo_key", flat=True))
    data = form.cleaned_data

    def stream():
        sink = ZipSink()
        skipped: list[str] = []
        gone: list = []
        with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:
            for photo_id in photo_ids:
                try:
                    prepared = services.download_prepare(photo_id=photo_id, user=request.user,
                                                         collection=collection, **data)
                except Photo.DoesNotExist:
                    gone.append(photo_id)  # out of the catalog: named in the README
                    continue
                except (DownloadRefused, FileMissing, FilePreparing, FileUnavailable,
                        SigningFailed) as exc:
                    skipped.append(str(exc))  # the rest of the ZIP still goes out
                    continue
                with storages[DOWNLOADS].open(prepared.storage_name, "rb") as fh, \
                        archive.open(f"{prepared.download.pk.hex[:8]}-{prepared.filename}",
                                     "w") as entry:
                    for chunk in iter(lambda: fh.read(1 << 16), b""):
                        entry.write(chunk)
                        yield sink.drain()
            readme = [f"Collection: {collection.name}",
                      f"Use: {USE_LABELS.get(data['use'])}; campaign: {data['campaign']}",
                      str(_("Each file carries its credit line and licence in its IPTC, "
                            "XMP and EXIF metadata, and signed Content Credentials "
                            "(C2PA)."))]
            if gone:
                departed = recall.departures(gone)
                titles = dict(recall.titles(gone))
                skipped += [
                    f"“{titles.get(k) or 'untitled'}” (id {k}): no longer in the catalog, "
                    f"{departed[k][0]}"
                    + (f" since {departed[k][1]:%Y-%m-%d}" if departed[k][1] else "")
                    + "; no new use." for k in gone]
            if skipped:
                readme += ["", "Left out:"] + [f"- {s}" for s in skipped]
            archive.writestr("README.txt", "\n".join(readme) + "\n")
        yield sink.drain()

    response = StreamingHttpResponse(stream(), content_type="application/zip")
    response["Content-Disposition"] = content_disposition(
        f"{collection.name[:60] or 'collection'}.zip", attachment=True)
    return response


# --- recall notices ----------------------------------------------------------

@login_required
@marketing
def notices(request: HttpRequest) -> HttpResponse:
    rows = selectors.notices_of(request.user)
    return render(request, "catalog/notices.html", {"notices": [
        {"notice": n, "lines": recall.notice_lines(n), "subject": recall.notice_subject(n)}
        for n in rows]})


@login_required
@marketing
@require_POST
def notice_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        recall.notice_acknowledge(user=request.user, notice_id=pk)
    except RecallNotice.DoesNotExist as exc:
        raise Http404(_("No such notice.")) from exc
    messages.success(request, _("Acknowledged: the library has recorded that you read it."))
    return redirect("catalog:notices")


@login_required
@permission_required("accounts.moderate", raise_exception=True)
def photo_recall(request: HttpRequest, photo_id) -> HttpResponse:
    """Reviewers: for one photo, each time it left the catalog, who was told and who
    acknowledged."""
    listings = (Listing.objects.filter(photo_key=photo_id).order_by("-listed_at")
                .prefetch_related("notices__user"))
    return render(request, "review/recall.html", {"photo_key": photo_id,
                                                  "listings": listings})


# --- residents ---------------------------------------------------------------

@login_required
@require_POST
def withdraw_photo(request: HttpRequest, photo_id) -> HttpResponse:
    try:
        photo = moderation.photo_withdraw(
            photo_id=photo_id, acting_user=request.user,
            context=RequestContext(ip_address=client_ip(request), user_agent=user_agent(request)))
    except PhotoNotFound:
        raise  # a 404, from the middleware
    except WrongState as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("“%(title)s” is withdrawn: the city will not use it "
                                    "for anything new.") % {"title": photo.title})
    return redirect("photos:mine")
