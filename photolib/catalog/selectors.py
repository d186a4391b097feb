"""Reads in the catalog that other pages show: the uses of a resident's photos; a user's
recall notices and what a collection holds (the web pages and the API)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import F, QuerySet

from photolib.catalog.models import Collection, Download, RecallNotice
from photolib.photos.models import Photo


def uses_by_photo(photos: Iterable[Photo]) -> dict[object, list[Download]]:
    """The catalog's uses of each photo (use, campaign, date; never who downloaded), newest
    first, keyed by photo id; one query for all of them. My photos shows them."""
    uses: dict[object, list[Download]] = defaultdict(list)
    ids = [photo.pk for photo in photos]
    if ids:
        for download in (Download.objects.filter(photo_id__in=ids).order_by("-at")
                         .only("id", "photo_id", "use", "campaign", "at", "rendition")):
            uses[download.photo_id].append(download)
    return dict(uses)


def notices_of(user) -> QuerySet[RecallNotice]:
    """``user``'s recall notices, unread first, newest first (the notices page, the API)."""
    return (RecallNotice.objects.filter(user=user).select_related("listing")
            .order_by(F("acknowledged_at").desc(nulls_first=True), "-created_at", "-pk"))


def collection_contents(collection: Collection) -> tuple[list[Photo], list[dict]]:
    """What a collection holds: its photos still in the catalog (``cleared()``, newest
    first) and, for each one that left, ``{"key", "title", "reason", "since"}``."""
    from photolib.catalog import recall

    keys = list(collection.items.values_list("photo_key", flat=True))
    photos = list(Photo.objects.cleared().filter(pk__in=keys)
                  .select_related("group", "owner", "agreement_version")
                  .order_by("-uploaded_at"))
    usable = {p.pk for p in photos}
    gone_keys = [k for k in keys if k not in usable]
    departed = recall.departures(gone_keys)
    titles = dict(recall.titles(gone_keys))
    gone = [{"key": k, "title": titles.get(k, ""), "reason": departed[k][0],
             "since": departed[k][1]} for k in gone_keys]
    return photos, gone


def cleared_in_order(ids: list) -> list[Photo]:
    """The cleared photos among ``ids``, in that order, with their group, owner and
    agreement version (what a credit line and a licence need): one query, none for no ids.
    The API's search answers its page with these, so a page costs the same however many
    photos it shows."""
    if not ids:
        return []
    by_id = {p.pk: p for p in Photo.objects.cleared().filter(pk__in=ids)
             .select_related("group", "owner", "agreement_version")}
    return [by_id[i] for i in ids if i in by_id]
