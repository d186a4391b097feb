from django.contrib import admin

from photolib.admin import ReadOnlyAdmin
from photolib.catalog.models import Collection, Download, Synonym


@admin.register(Download)
class DownloadAdmin(ReadOnlyAdmin):
    """The usage log is evidence: read-only."""

    # ``api_token``: the token a download through the API came with (empty: the web form).
    list_display = ("at", "photo", "user", "api_token", "rendition", "use", "campaign",
                    "consent_record")
    list_filter = ("use", "rendition")
    search_fields = ("campaign", "user__email", "photo__title")
    date_hierarchy = "at"


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "created_at")
    search_fields = ("name", "owner__email")


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    """Reviewers keep the synonyms search applies (``catalog.search.words``); a change
    takes effect at the next search."""

    list_display = ("terms", "note", "updated_at")
    search_fields = ("terms", "note")
