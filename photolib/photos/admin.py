"""Admin for photos: read-only views of rows the services own, plus a retry action.

Nothing here edits a photo, a rendition, an attestation or a moderation event: the services
and the review pages do that, with their checks and audit rows.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from photolib.photos import errors, moderation
from photolib.photos.models import ModerationEvent, Photo, PhotoAttestation, Rendition, Tag


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RenditionInline(ReadOnlyMixin, admin.TabularInline):
    model = Rendition
    extra = 0
    fields = ("spec", "storage_key", "width", "height", "size_bytes", "content_type",
              "created_at")
    readonly_fields = fields


class AttestationInline(ReadOnlyMixin, admin.StackedInline):
    model = PhotoAttestation
    extra = 0
    fields = ("own_work", "people", "statement", "release_name", "release_key",
              "consent_record", "created_at")
    readonly_fields = fields


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "group", "status", "format", "width", "height",
                    "uploaded_at")
    list_filter = ("status", "group", "format")
    search_fields = ("title", "original_name", "owner__email", "sha256")
    date_hierarchy = "uploaded_at"
    list_select_related = ("owner", "group")
    inlines = (AttestationInline, RenditionInline)
    actions = ("retry_ingest",)
    fieldsets = (
        (None, {"fields": ("id", "title", "description", "tags", "place_name", "owner",
                           "group", "status", "status_reason")}),
        (_("Rights"), {"fields": ("consent_record", "agreement_version", "rights_expire_at")}),
        (_("Original"), {"fields": ("original_name", "original_key", "original_size", "mime_type",
                                 "format", "sha256", "phash", "width", "height")}),
        (_("Camera"), {"fields": ("taken_at", "taken_at_offset", "camera_make", "camera_model",
                               "lens", "focal_length", "aperture", "exposure_time", "iso",
                               "orientation", "software", "artist", "copyright")}),
        (_("Location (exact: reviewers only)"), {"fields": (
            "gps_latitude", "gps_longitude", "gps_altitude", "coarse_latitude",
            "coarse_longitude")}),
        (_("Ingest"), {"fields": ("duplicate_of", "near_duplicates", "metadata_warnings",
                               "exif_raw", "uploaded_at", "processed_at", "ingest_attempts")}),
        (_("Review"), {"fields": ("reviewed_at", "reviewed_by", "withdrawn_at", "taken_down_at",
                               "takedown_reason")}),
    )

    def get_readonly_fields(self, request, obj=None):
        return [f for group in self.fieldsets for f in group[1]["fields"]]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Retry processing of the selected failed photos"))
    def retry_ingest(self, request, queryset) -> None:
        done = 0
        for photo in queryset.filter(status=Photo.Status.FAILED):
            try:
                moderation.photo_retry_ingest(acting_user=request.user, photo_id=photo.pk)
            except errors.PhotoError as exc:
                self.message_user(request, f"{photo}: {exc}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, ngettext("%(n)d photo sent to processing again.",
                                            "%(n)d photos sent to processing again.",
                                            done) % {"n": done})


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("at", "action", "photo_id_value", "actor", "reason")
    list_filter = ("action",)
    search_fields = ("photo_id_value", "actor__email", "reason")
    date_hierarchy = "at"


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)
