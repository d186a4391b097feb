"""Admin: groups are edited; drafts are edited and published; records are read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from photolib import languages
from photolib.admin import ReadOnlyAdmin
from photolib.celery import enqueue
from photolib.consent import errors, services
from photolib.consent.forms import AgreementVersionAdminForm
from photolib.consent.models import AgreementVersion, CommunityGroup, ConsentRecord


@admin.register(CommunityGroup)
class CommunityGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "current")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        """A new search language re-indexes the group's photos in it (in the background:
        until then they are found as before, in the language they were indexed in)."""
        super().save_model(request, obj, form, change)
        if change and "search_language" in form.changed_data:
            enqueue(languages.REINDEX_GROUP_TASK, obj.pk)

    @admin.display(description=_("current agreement"))
    def current(self, obj: CommunityGroup) -> str:
        version = obj.current_version()
        return f"v{version.number}" if version else gettext("none published")


@admin.register(AgreementVersion)
class AgreementVersionAdmin(admin.ModelAdmin):
    form = AgreementVersionAdminForm
    list_display = ("__str__", "group", "number", "language", "state", "published_at",
                    "text_sha256")
    list_filter = ("group", "language")
    ordering = ("group", "-created_at")  # newest first: drafts waiting to be published on top
    actions = ("publish", "publish_as_translation")
    readonly_fields = ("number", "published_at", "published_by", "text_sha256", "created_by",
                       "created_at")

    @admin.display(description=_("state"))
    def state(self, obj: AgreementVersion) -> str:
        return gettext("published") if obj.is_published else gettext("draft")

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_published:
            return False  # published versions are shown read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish the selected drafts"), permissions=["change"])
    def publish(self, request, queryset) -> None:
        self._publish(request, queryset, as_translation=False)

    @admin.action(description=_("Publish the selected drafts as translations of the current "
                                "version"), permissions=["change"])
    def publish_as_translation(self, request, queryset) -> None:
        self._publish(request, queryset, as_translation=True)

    def _publish(self, request, queryset, *, as_translation: bool) -> None:
        for version in queryset.order_by("created_at"):
            try:
                published = services.agreement_publish(version=version, acting_user=request.user,
                                                        as_translation=as_translation)
            except (errors.AgreementImmutable, ValueError) as exc:
                self.message_user(request, f"{version}: {exc}", messages.ERROR)
            else:
                self.message_user(request, gettext("Published %(version)s (SHA-256 %(hash)s…).")
                                  % {"version": published, "hash": published.text_sha256[:12]},
                                  messages.SUCCESS)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    """Read-only: no add, change or delete, for anyone, superusers included."""

    list_display = ("sequence", "created_at", "action", "user", "group",
                    "version_number", "short_hash")
    list_filter = ("action", "group", "agreement_version__number")
    search_fields = ("evidence__email", "id", "record_hash")
    date_hierarchy = "created_at"

    @admin.display(description=_("version"))
    def version_number(self, obj: ConsentRecord):
        return obj.agreement_version.number

    @admin.display(description=_("hash"))
    def short_hash(self, obj: ConsentRecord) -> str:
        return format_html('<code title="{}">{}…</code>', obj.record_hash, obj.record_hash[:12])
