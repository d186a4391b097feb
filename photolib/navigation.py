"""The navigation each role sees: one table, filtered by permission.

Each entry is (label, url name, permission or None for any signed-in person).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise

# Entries that show a count (a function of the user), e.g. unread recall notices.
BADGES = {"catalog:notices": "photolib.catalog.recall.unread_count"}

ENTRIES: tuple[tuple[StrOrPromise, str, str | None], ...] = (
    (_("Groups"), "consent:group_list", "accounts.contribute"),
    (_("Upload"), "photos:upload", "accounts.contribute"),
    (_("My photos"), "photos:mine", "accounts.contribute"),
    (_("Catalog"), "catalog:search", "accounts.use_catalog"),
    (_("Collections"), "catalog:collections", "accounts.use_catalog"),
    (_("Notices"), "catalog:notices", "accounts.use_catalog"),
    (_("API tokens"), "api:tokens", "accounts.use_catalog"),
    (_("Review queue"), "review:queue", "accounts.moderate"),
    (_("Dashboard"), "review:dashboard", "accounts.moderate"),
    (_("Consent records"), "consent:record_list", "accounts.moderate"),
    (_("Erasures"), "rights:erasure_log", "accounts.moderate"),
    (_("Agreements"), "admin:consent_agreementversion_changelist", "accounts.moderate"),
    (_("Admin"), "admin:index", "accounts.use_admin"),
    (_("My consent"), "consent:my_consent", "accounts.contribute"),
    (_("Account"), "accounts:profile", None),
)


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_entries": []}
    entries = []
    for label, url_name, perm in ENTRIES:
        if perm is not None and not user.has_perm(perm):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue  # the app that serves it is not installed in this build
        badge = import_string(BADGES[url_name])(user) if url_name in BADGES else 0
        entries.append({"label": label, "url": url, "active": False, "badge": badge})
    # The entry whose address is the longest prefix of this page's is the current one.
    matches = [e for e in entries if request.path.startswith(e["url"])]
    if matches:
        max(matches, key=lambda e: len(e["url"]))["active"] = True
    return {"nav_entries": entries}


def site(request: HttpRequest) -> dict:
    return {"controller_name": settings.CONTROLLER_NAME}
