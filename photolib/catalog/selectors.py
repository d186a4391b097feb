"""Reads in the catalog that other pages show: the uses of a resident's photos."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from photolib.catalog.models import Download
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
