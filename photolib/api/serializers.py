"""What the API answers and accepts. Output serializers read photos that the views got
through ``Photo.objects.cleared()``; nothing here queries on its own except the links."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from photolib.catalog import recall
from photolib.catalog.forms import SearchForm
from photolib.catalog.models import Download
from photolib.catalog.services import licence_url, usage_terms
from photolib.consent.models import USES
from photolib.photos.keys import RENDITION_KINDS

#: Renditions the API links to (the print file is downloaded, never linked).
LINKED_RENDITIONS = ("thumb", "preview")


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="A stable code: invalid, not_found, "
                                            "not_authenticated, permission_denied, ...")
    message = serializers.CharField(help_text="A sentence saying what was wrong.")
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   required=False, help_text="Field -> reasons (400 only).")


class RenditionLinkSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LINKED_RENDITIONS)
    url = serializers.URLField()
    max_edge = serializers.IntegerField()


def rendition_links(photo) -> list[dict]:
    return [{"kind": kind, "max_edge": RENDITION_KINDS[kind].max_edge,
             "url": absolute(reverse("api:rendition", args=[photo.pk, kind]))}
            for kind in LINKED_RENDITIONS]


class LocationSerializer(serializers.Serializer):
    place = serializers.CharField(allow_blank=True)
    latitude = serializers.FloatField(allow_null=True, help_text="Coarse (about 1 km).")
    longitude = serializers.FloatField(allow_null=True, help_text="Coarse (about 1 km).")


class PhotoSummarySerializer(serializers.Serializer):
    """One photo in a search page or a collection."""

    id = serializers.UUIDField()
    title = serializers.CharField()
    credit_line = serializers.SerializerMethodField()
    taken_at = serializers.DateTimeField(allow_null=True)
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_credit_line(self, photo) -> str:
        return photo.credit_line()

    def get_url(self, photo) -> str:
        return absolute(reverse("api:photo", args=[photo.pk]))

    def get_thumbnail_url(self, photo) -> str:
        return absolute(reverse("api:rendition", args=[photo.pk, "thumb"]))


class TermSerializer(serializers.Serializer):
    expires_at = serializers.DateTimeField(allow_null=True,
                                           help_text="Null: perpetual unless withdrawn.")
    term_years = serializers.IntegerField(allow_null=True)


class AgreementSerializer(serializers.Serializer):
    group = serializers.CharField()
    version = serializers.IntegerField()
    text_sha256 = serializers.CharField()
    url = serializers.URLField()


class PhotoSerializer(PhotoSummarySerializer):
    """A cleared photo with what reusing it needs: credit, licence, uses, term, place."""

    description = serializers.CharField(allow_blank=True)
    alt_text = serializers.CharField(
        allow_blank=True, help_text="Text alternative for the image (the HTML alt), at most "
                                    "250 characters; empty when none is written yet.")
    extended_description = serializers.CharField(
        allow_blank=True, help_text="A longer description for people who cannot see it.")
    tags = serializers.SerializerMethodField()
    credit_required = serializers.SerializerMethodField()
    licence_summary = serializers.SerializerMethodField()
    licence_url = serializers.SerializerMethodField()
    permitted_uses = serializers.SerializerMethodField()
    term = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    agreement = serializers.SerializerMethodField()
    renditions = serializers.SerializerMethodField()

    def get_tags(self, photo) -> list[str]:
        return [t.name for t in photo.tags.all()]

    def get_credit_required(self, photo) -> bool:
        return photo.agreement_version.credit_required

    def get_licence_summary(self, photo) -> str:
        return usage_terms(photo)

    def get_licence_url(self, photo) -> str:
        return licence_url(photo)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=USES)))
    def get_permitted_uses(self, photo) -> list[str]:
        return list(photo.agreement_version.permitted_uses)

    @extend_schema_field(TermSerializer)
    def get_term(self, photo) -> dict:
        return {"expires_at": photo.rights_expire_at,
                "term_years": photo.agreement_version.term_years or None}

    @extend_schema_field(LocationSerializer)
    def get_location(self, photo) -> dict:
        if photo.hide_location:
            return {"place": "", "latitude": None, "longitude": None}
        return {"place": photo.place_name, "latitude": photo.coarse_latitude,
                "longitude": photo.coarse_longitude}

    @extend_schema_field(AgreementSerializer)
    def get_agreement(self, photo) -> dict:
        version = photo.agreement_version
        return {"group": photo.group.name, "version": version.number,
                "text_sha256": version.text_sha256,
                "url": absolute(reverse("consent:agreement_detail", args=[version.pk]))}

    @extend_schema_field(RenditionLinkSerializer(many=True))
    def get_renditions(self, photo) -> list[dict]:
        return rendition_links(photo)


class FacetSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    capped = serializers.BooleanField()


class SearchResultSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    total_capped = serializers.BooleanField(help_text="More matched than were counted.")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    has_next = serializers.BooleanField()
    showing_for = serializers.CharField(allow_blank=True,
                                        help_text="Words searched instead of a typo.")
    suggestion = serializers.CharField(allow_blank=True, help_text="“Did you mean”.")
    notice = serializers.CharField(allow_blank=True)
    results = PhotoSummarySerializer(many=True, source="photos")
    facets = serializers.DictField(child=FacetSerializer(many=True))


class SearchQuerySerializer(serializers.Serializer):
    """The search's parameters, for the schema only: they are read by the catalog page's
    own form (``SearchForm``), so both take and refuse exactly the same things."""

    q = serializers.CharField(required=False, max_length=200)
    group = serializers.IntegerField(required=False)
    tag = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    place = serializers.CharField(required=False, max_length=100)
    taken_from = serializers.DateField(required=False)
    taken_to = serializers.DateField(required=False)
    shape = serializers.ChoiceField(required=False,
                                    choices=[c for c, _ in SearchForm.base_fields["shape"]
                                             .choices if c])
    min_px = serializers.IntegerField(required=False, min_value=1, max_value=100_000)
    make = serializers.CharField(required=False, max_length=100)
    people = serializers.ChoiceField(required=False, choices=["none", "consented"])
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180)
    radius = serializers.FloatField(required=False, min_value=0.1, max_value=500)
    sort = serializers.ChoiceField(required=False, choices=["newest", "taken", "relevance"])
    page = serializers.IntegerField(required=False, min_value=1, max_value=100_000)


class CollectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    is_owner = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def get_is_owner(self, collection) -> bool:
        return collection.owner_id == self.context["request"].user.pk

    def get_url(self, collection) -> str:
        return absolute(reverse("api:collection", args=[collection.pk]))


class GonePhotoSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="key")
    title = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(help_text="Why it left the catalog.")
    since = serializers.DateTimeField(allow_null=True)


class CollectionDetailSerializer(CollectionSerializer):
    photos = PhotoSummarySerializer(many=True, help_text="Photos in the catalog.")
    gone = GonePhotoSerializer(many=True, help_text="Photos that left the catalog: "
                                                    "placeholders with the reason.")


class CollectionPhotoSerializer(serializers.Serializer):
    photo_id = serializers.UUIDField()


class DownloadRequestSerializer(serializers.Serializer):
    photo_id = serializers.UUIDField()
    rendition = serializers.ChoiceField(choices=Download.Rendition.choices, default="web")
    use = serializers.ChoiceField(choices=USES, help_text="One of the photo's permitted uses.")
    campaign = serializers.CharField(max_length=200, help_text="What the photo is for.")


class DownloadSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="download.pk")
    photo_id = serializers.UUIDField(source="download.photo_id")
    rendition = serializers.CharField(source="download.rendition")
    use = serializers.CharField(source="download.use")
    campaign = serializers.CharField(source="download.campaign")
    at = serializers.DateTimeField(source="download.at")
    filename = serializers.CharField()
    file_url = serializers.URLField(help_text="The file, with its credit and licence "
                                              "embedded; works without the token, briefly.")
    file_url_expires_at = serializers.DateTimeField()
    credit_line = serializers.CharField()
    licence_url = serializers.URLField()


class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    photo_id = serializers.UUIDField(source="listing.photo_key")
    title = serializers.CharField(source="listing.title", allow_blank=True)
    reason = serializers.CharField(source="listing.reason")
    reason_text = serializers.CharField(source="listing.reason_text")
    left_at = serializers.DateTimeField(source="listing.ended_at")
    rights_ended_at = serializers.DateTimeField(source="listing.rights_ended_at",
                                                allow_null=True)
    meaning = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    downloads = serializers.ListField(child=serializers.DictField())
    collections = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)

    def get_meaning(self, notice) -> str:
        return recall.meaning(notice.listing.reason)

    def get_text(self, notice) -> str:
        return "\n".join(recall.notice_lines(notice))

