"""The catalog keeps what it derives from photos and accounts current by listening to their
events (``photolib.photos.signals``, ``photolib.accounts.signals``); connected in
``CatalogConfig.ready()``.

Search documents: written when a photo is approved or its copied facts change, rewritten
for every approved photo of a person whose credit changed, and (in the background) for
every photo carrying a tag renamed or deleted; dropped when a photo is withdrawn or taken
down. A document never decides whether a photo may be shown (pages check ``cleared()``
itself); its ``cleared`` mark, which totals and facets count on PostgreSQL,
can only be set from ``cleared()``, so a late or failed update can only hide a photo.

Recall (``photolib.catalog.recall``): a scan of the photo is asked for when it is approved,
withdrawn or taken down, or its owner withdraws from its group; a photo whose rows are
being deleted closes its listing in that very transaction.
"""

from __future__ import annotations

from django.db import connection
from django.db.models.signals import post_delete, pre_delete, pre_save
from django.dispatch import receiver

from photolib.accounts.models import User
from photolib.accounts.signals import credit_changed
from photolib.catalog import recall, search
from photolib.catalog.search.index import refresh_clearance, reindex_tagged_later
from photolib.consent.models import ConsentRecord
from photolib.consent.signals import consent_withdrawn
from photolib.photos.models import Photo, Tag
from photolib.photos.signals import (
    photo_approved,
    photo_facts_changed,
    photo_removing,
    photo_taken_down,
    photo_withdrawn,
)


@receiver(photo_approved, sender=Photo, dispatch_uid="catalog.index_approved")
@receiver(photo_facts_changed, sender=Photo, dispatch_uid="catalog.index_facts")
def index_changed_photo(sender, *, photo_id: str, **kwargs) -> None:
    photo = (Photo.objects.filter(pk=photo_id, status=Photo.Status.APPROVED,
                                  withdrawn_at__isnull=True, taken_down_at__isnull=True)
             .select_related("owner").prefetch_related("tags").first())
    if photo is not None:
        search.index_photo(photo)


@receiver(photo_withdrawn, sender=Photo, dispatch_uid="catalog.unindex_withdrawn")
@receiver(photo_taken_down, sender=Photo, dispatch_uid="catalog.unindex_taken_down")
def unindex_photo(sender, *, photo_id: str, **kwargs) -> None:
    search.unindex_photo(photo_id)


@receiver(pre_delete, sender=Tag, dispatch_uid="catalog.reindex_deleted_tag")
def reindex_deleted_tag(sender, *, instance: Tag, **kwargs) -> None:
    """A tag deleted (in the admin): its photos' documents are rebuilt without its name
    once the delete commits (the photos are listed now, while they still carry it)."""
    reindex_tagged_later(instance.pk, instance.name)


@receiver(pre_save, sender=Tag, dispatch_uid="catalog.reindex_renamed_tag")
def reindex_renamed_tag(sender, *, instance: Tag, raw: bool = False, **kwargs) -> None:
    """A tag renamed (in the admin): its photos' documents are rebuilt with the new name
    once the rename commits. A new tag, or a save that keeps the name, asks nothing."""
    if raw or instance.pk is None:
        return
    before = Tag.objects.filter(pk=instance.pk).values_list("name", flat=True).first()
    if before is not None and before != instance.name:
        reindex_tagged_later(instance.pk, before)


@receiver(post_delete, sender=Tag, dispatch_uid="catalog.forget_deleted_tag")
def forget_deleted_tag(sender, *, instance: Tag, **kwargs) -> None:
    """A tag deleted (in the admin) leaves the documents' tag ids, which the tag facet
    counts before it looks names up (PostgreSQL; ``tag_ids`` is NULL elsewhere)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("UPDATE catalog_searchdocument SET tag_ids = array_remove(tag_ids, %s) "
                           "WHERE tag_ids @> ARRAY[%s]::integer[]", [instance.pk, instance.pk])


@receiver(credit_changed, sender=User, dispatch_uid="catalog.reindex_credit")
def reindex_owner(sender, *, user_id: int, **kwargs) -> None:
    search.reindex_owner(user_id)


@receiver(photo_approved, sender=Photo, dispatch_uid="catalog.recall_approved")
@receiver(photo_withdrawn, sender=Photo, dispatch_uid="catalog.recall_withdrawn")
@receiver(photo_taken_down, sender=Photo, dispatch_uid="catalog.recall_taken_down")
def rescan_photo(sender, *, photo_id: str, **kwargs) -> None:
    recall.recall_on_event([photo_id])


@receiver(consent_withdrawn, sender=ConsentRecord, dispatch_uid="catalog.recall_group")
def rescan_group(sender, *, user_id: int, group_id: int, **kwargs) -> None:
    recall.recall_on_event(Photo.objects.filter(owner_id=user_id, group_id=group_id)
                           .values_list("pk", flat=True))


@receiver(photo_removing, sender=Photo, dispatch_uid="catalog.recall_removed")
def photo_removed(sender, *, photo: Photo, **kwargs) -> None:
    recall.recall_on_removal(photo)


def mark_cleared_after_migrate(sender, *, using: str = "default", **kwargs) -> None:
    """After ``migrate``: documents not marked cleared are asked again (after migration
    0013 added the mark, every document; later, the few the rule refuses). Connected in
    ``CatalogConfig.ready()`` to the catalog's ``post_migrate``."""
    if using == "default":
        refresh_clearance(hidden_only=True)
