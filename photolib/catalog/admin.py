from django.contrib import admin

from photolib.admin import ReadOnlyAdmin
from photolib.catalog.models import Collection, CollectionEvent, Download, Synonym


@admin.register(Download)
class DownloadAdmin(ReadOnlyAdmin):
    """The usage log is evidence: read-only."""

    # ``api_token``: the token a download through the API came with (empty: the web form).
    list_display = ("at", "photo", "user", "api_token", "rendition", "use", "campaign",
                    "consent_record")
    list_filter = ("use", "rendition")
    search_fields = ("campaign", "user__email", "photo__title")
    date_hierarchy = "at"


class CollectionEventInline(admin.TabularInline):
    model = CollectionEvent
    extra = 0
    fields = ("at", "actor", "action", "detail", "subject", "photo_key")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Collection)
class CollectionAdmin(ReadOnlyAdmin):
    """Read-only, with its history: a collection changes only through the collection
    services (the marketing pages and the API), which log every change with who made it
    (``CollectionEvent``); an edit here would leave no such line."""

    list_display = ("name", "owner", "created_at")
    search_fields = ("name", "owner__email")
    inlines = (CollectionEventInline,)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "editors"]


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    """Reviewers keep the synonyms search applies (``catalog.search.words``); a change
    takes effect at the next search."""

    list_display = ("terms", "note", "updated_at")
    search_fields = ("terms", "note")
