"""Reads on photos for the resident's pages: their photos, one photo, where they may upload.

The catalog's uses of a resident's photos are the catalog's to read
(``photolib.catalog.selectors.uses_by_photo``); the URL configuration hands that selector to
the My photos view.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Prefetch, QuerySet

from media_ingest import RenditionSpec
from photolib.accounts.models import User
from photolib.consent.models import CommunityGroup, ConsentRecord
from photolib.consent.selectors import membership
from photolib.outbox.models import OutboxMessage
from photolib.photos.models import Photo, Rendition
from photolib.photos.uploads import INGEST_TASK


def photos_of(user: User) -> QuerySet[Photo]:
    """The person's photos, newest first, with group, tags and renditions fetched alongside."""
    return (Photo.objects.owned_by(user).select_related("group")
            .prefetch_related("tags", Prefetch("renditions", queryset=Rendition.objects
                                               .only("id", "photo_id", "spec")))
            .order_by("-uploaded_at"))


def photo_of(user: User, photo_id: uuid.UUID | str) -> Photo | None:
    """One of the person's own photos, or None (also for other people's: never leak them)."""
    return Photo.objects.owned_by(user).select_related("group").filter(pk=photo_id).first()


def photo_visible_to(user: User, photo_id: uuid.UUID | str) -> Photo | None:
    """A photo its owner or a reviewer may look at, or None."""
    photos = Photo.objects.all()
    if not user.has_perm("accounts.moderate"):
        photos = photos.owned_by(user)
    return photos.filter(pk=photo_id).first()


def has_rendition(photo: Photo, spec: RenditionSpec) -> bool:
    """Uses the prefetched renditions when there are some."""
    return any(r.spec == str(spec) for r in photo.renditions.all())


def uploadable_groups(user: User) -> list[CommunityGroup]:
    """Groups the person may upload to now: a grant under each group's current version."""
    group_ids = (ConsentRecord.objects.filter(user=user).order_by()
                 .values_list("group_id", flat=True).distinct())
    groups = CommunityGroup.objects.filter(pk__in=list(group_ids)).order_by("name")
    return [group for group in groups if membership(user, group).may_upload]


def stuck_in_processing(*, cutoff: datetime, ids: Iterable | None = None,
                        limit: int = 500) -> list[str]:
    """Ids (as strings) of photos ``processing`` since before ``cutoff`` whose ingest has not
    been asked for since (no outbox message for it after ``cutoff``): their task was lost.
    ``ids`` narrows the search to those photos; at most ``limit``, oldest first."""
    photos = Photo.objects.filter(status=Photo.Status.PROCESSING, uploaded_at__lte=cutoff)
    if ids is not None:
        photos = photos.filter(pk__in=list(ids))
    candidates = [str(pk) for pk in photos.order_by("uploaded_at")
                  .values_list("pk", flat=True)[:limit]]
    if not candidates:
        return []
    asked = {str(args[0]) for args in OutboxMessage.objects
             .filter(task_name=INGEST_TASK, created_at__gt=cutoff)
             .values_list("args", flat=True) if args}
    return [pk for pk in candidates if pk not in asked]
