"""The API's views: parse, call the catalog's service or selector, translate errors.

Every photo is read through ``Photo.objects.cleared()`` (``services.cleared_photo``, the
search, ``collection_contents``, ``download_prepare``); anything else is a 404, never a 403.
Each call is counted against the token owner's ``api-account`` limit, and a download also
against the web's ``download-account`` limit: one budget per person, whichever way they ask.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from photolib import ratelimit
from photolib.api import serializers as s
from photolib.api import services as api_services
from photolib.api.permissions import DownloadScopeToChange, TokenHolder
from photolib.catalog import recall, search, selectors, services
from photolib.catalog.errors import DownloadRefused
from photolib.catalog.forms import SearchForm
from photolib.catalog.models import Collection, RecallNotice
from photolib.files import serve
from photolib.photos.keys import RENDITION_KINDS, RENDITIONS
from photolib.photos.models import Photo, Rendition
from photolib.storage_config import DOWNLOADS

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Malformed: the fields and reasons."),
    401: OpenApiResponse(s.ErrorSerializer, description="No token, or a revoked or expired "
                                                        "one."),
    403: OpenApiResponse(s.ErrorSerializer, description="The token's scope does not allow it."),
    404: OpenApiResponse(s.ErrorSerializer, description="Not in the catalog (or not yours)."),
    429: OpenApiResponse(s.ErrorSerializer, description="Too many calls; see Retry-After."),
}


def errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in (401, 429, *codes)}


class ApiView(APIView):
    permission_classes = [TokenHolder, DownloadScopeToChange]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticated and permitted
        ratelimit.enforce("api", account=request.user.pk)


def _not_in_catalog() -> NotFound:
    return NotFound(_("No such photo in the catalog."))


def _cleared(photo_id) -> Photo:
    try:
        return services.cleared_photo(photo_id)
    except (Photo.DoesNotExist, DjangoValidationError, ValueError, TypeError) as exc:
        raise _not_in_catalog() from exc


def _form_errors(form) -> ApiValidationError:
    fields = {("non_field_errors" if k == "__all__" else k): [str(m) for m in v]
              for k, v in form.errors.items()}
    return ApiValidationError(fields)


class SearchView(ApiView):
    @extend_schema(
        operation_id="search", parameters=[s.SearchQuerySerializer],
        responses={200: s.SearchResultSerializer, **errors(400)},
        description="The catalog's search: the same words, filters, facets and pages as the "
                    "catalog page. Several `tag` parameters narrow the search.")
    def get(self, request):
        form = SearchForm(_strip_unknown(request.query_params))
        if not form.is_valid():
            raise _form_errors(form)
        result = search.search(form.filters())
        # The grid's rows carry only what the page shows; the API's need the agreement.
        result.photos = selectors.cleared_in_order([p.pk for p in result.photos])
        return Response(s.SearchResultSerializer(result, context={"request": request}).data)


def _strip_unknown(params: QueryDict) -> QueryDict:
    known = QueryDict(mutable=True)
    for key in SearchForm.base_fields:
        for value in params.getlist(key):
            known.appendlist(key, value)
    return known


class PhotoView(ApiView):
    @extend_schema(operation_id="photo", responses={200: s.PhotoSerializer, **errors(404)})
    def get(self, request, photo_id):
        photo = _cleared(photo_id)
        return Response(s.PhotoSerializer(photo, context={"request": request}).data)


class RenditionView(ApiView):
    @extend_schema(operation_id="photo_rendition",
                   responses={(200, "image/jpeg"): OpenApiResponse(
                       description="The rendition (no EXIF, no GPS)."), **errors(404)})
    def get(self, request, photo_id, kind):
        if kind not in s.LINKED_RENDITIONS:
            raise NotFound(_("No such rendition: use thumb or preview."))
        photo = _cleared(photo_id)
        stored = Rendition.objects.filter(photo=photo, spec=str(RENDITION_KINDS[kind])).first()
        if stored is None:
            raise NotFound(_("This rendition is not stored."))
        return serve(RENDITIONS, stored.storage_key, content_type=stored.content_type,
                     filename=f"{photo.pk}-{kind}.jpg")


class CollectionListView(ApiView):
    @extend_schema(operation_id="collections",
                   responses={200: s.CollectionSerializer(many=True), **errors()})
    def get(self, request):
        rows = services.collections_of(request.user).order_by("-created_at", "-pk")
        return Response(s.CollectionSerializer(rows, many=True,
                                               context={"request": request}).data)


def _collection(request, pk) -> Collection:
    try:
        return services.collections_of(request.user).get(pk=pk)
    except (Collection.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such collection.")) from exc


def _collection_data(request, collection: Collection) -> dict:
    photos, gone = selectors.collection_contents(collection)
    collection.photos, collection.gone = photos, gone
    return s.CollectionDetailSerializer(collection, context={"request": request}).data


class CollectionView(ApiView):
    @extend_schema(operation_id="collection",
                   responses={200: s.CollectionDetailSerializer, **errors(404)})
    def get(self, request, pk):
        return Response(_collection_data(request, _collection(request, pk)))


class CollectionPhotosView(ApiView):
    @extend_schema(operation_id="collection_add", request=s.CollectionPhotoSerializer,
                   responses={200: s.CollectionDetailSerializer, **errors(400, 403, 404)},
                   description="Add a photo of the catalog (owner or editor; download scope).")
    def post(self, request, pk):
        collection = _collection(request, pk)
        data = s.CollectionPhotoSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.collection_add(collection=collection,
                                    photo_id=data.validated_data["photo_id"],
                                    acting_user=request.user)
        except Photo.DoesNotExist as exc:
            raise _not_in_catalog() from exc
        return Response(_collection_data(request, collection))


class CollectionPhotoView(ApiView):
    @extend_schema(operation_id="collection_remove",
                   responses={200: s.CollectionDetailSerializer, **errors(403, 404)},
                   description="Remove a photo (owner or editor; download scope). Removing one "
                               "that is not there changes nothing.")
    def delete(self, request, pk, photo_id):
        collection = _collection(request, pk)
        services.collection_remove(collection=collection, photo_id=photo_id,
                                   acting_user=request.user)
        return Response(_collection_data(request, collection))


class DownloadView(ApiView):
    @extend_schema(
        operation_id="download", request=s.DownloadRequestSerializer,
        responses={201: s.DownloadSerializer, **errors(400, 403, 404),
                   503: OpenApiResponse(s.ErrorSerializer, description="Storage is not "
                                        "answering, or the print file is being made.")},
        description="The web form's download: the same checks (permitted use, campaign) and "
                    "the same log entry, naming this token. Answers a short-lived file URL.")
    def post(self, request):
        data = s.DownloadRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ratelimit.enforce("download", account=request.user.pk)
        try:
            prepared = services.download_prepare(user=request.user, api_token=request.auth,
                                                 **data.validated_data)
        except Photo.DoesNotExist as exc:
            raise _not_in_catalog() from exc
        except DownloadRefused as exc:
            # The serializer checked the campaign and rendition: what is left is the use.
            raise ApiValidationError({"use": [str(exc)]}) from exc
        photo = prepared.download.photo
        url, expires = api_services.file_url(prepared.download)
        return Response(s.DownloadSerializer({
            "download": prepared.download, "filename": prepared.filename, "file_url": url,
            "file_url_expires_at": expires, "credit_line": photo.credit_line(),
            "licence_url": services.licence_url(photo)}).data, status=status.HTTP_201_CREATED)


@require_safe
def download_file(request: HttpRequest, signed: str) -> HttpResponse:
    """The file behind a download's short-lived link (no token: the link is the key)."""
    try:
        download = api_services.file_for(signed)
    except api_services.LinkExpired:
        return HttpResponse(_("This link has expired: ask the API for the download again."),
                            status=410, content_type="text/plain; charset=utf-8")
    except (api_services.Download.DoesNotExist, DjangoValidationError) as exc:
        raise Http404(_("No such file.")) from exc
    return serve(DOWNLOADS, download.file_key, content_type="image/jpeg",
                 filename=download.file_key.rsplit("/", 1)[-1], attachment=True)


class NoticeListView(ApiView):
    @extend_schema(operation_id="notices", responses={200: s.NoticeSerializer(many=True),
                                                      **errors()},
                   description="Your recall notices: photos you hold that left the catalog, "
                               "unread first.")
    def get(self, request):
        return Response(s.NoticeSerializer(selectors.notices_of(request.user), many=True).data)


class NoticeAcknowledgeView(ApiView):
    @extend_schema(operation_id="notice_acknowledge", request=None,
                   responses={200: s.NoticeSerializer, **errors(403, 404)})
    def post(self, request, pk):
        try:
            notice = recall.notice_acknowledge(user=request.user, notice_id=pk)
        except RecallNotice.DoesNotExist as exc:
            raise NotFound(_("No such notice.")) from exc
        return Response(s.NoticeSerializer(notice).data)
