"""``manage.py sweep_storage [--delete]``: find storage objects and rows that lost each other.

Reports objects in ``originals``/``renditions`` that no row names (an upload whose row failed
to commit, a rendition a killed worker left) and rows whose object is gone. With ``--delete``
it removes orphan objects older than ``--grace-minutes`` (an upload in flight has its object
before its row), deletes rendition rows without an object (``reprocess_photos`` renders them
again), and marks photos whose original is gone as ``failed`` (photo rows carry consent
evidence, so they are never deleted here).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.storage import Storage, storages
from django.core.management.base import BaseCommand
from django.utils import timezone

from photolib.photos import services
from photolib.photos.models import Photo, PhotoAttestation, Rendition


def walk(storage: Storage, path: str = ""):
    """Every file name under ``path``, recursively (works on every storage backend)."""
    directories, files = storage.listdir(path)
    for name in files:
        yield f"{path}/{name}" if path else name
    for directory in directories:
        yield from walk(storage, f"{path}/{directory}" if path else directory)


class Command(BaseCommand):
    help = "List (and with --delete remove) storage objects without rows and rows without objects."

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="remove the orphans")
        parser.add_argument("--grace-minutes", type=int, default=60,
                            help="leave objects younger than this alone (default 60)")

    def handle(self, *args, delete: bool, grace_minutes: int, **options):
        originals = storages[services.ALIAS_ORIGINALS]
        renditions = storages[services.ALIAS_RENDITIONS]
        cutoff = timezone.now() - timedelta(minutes=grace_minutes)

        known_originals = set(Photo.objects.exclude(original_key="")
                              .values_list("original_key", flat=True))
        known_originals |= set(PhotoAttestation.objects.exclude(release_key="")
                               .values_list("release_key", flat=True))
        known_renditions = set(Rendition.objects.values_list("storage_key", flat=True))
        found = {"originals": set(walk(originals)), "renditions": set(walk(renditions))}

        orphans = [("originals", originals, name)
                   for name in sorted(found["originals"] - known_originals)]
        orphans += [("renditions", renditions, name)
                    for name in sorted(found["renditions"] - known_renditions)]
        missing_originals = sorted(known_originals - found["originals"])
        missing_renditions = sorted(known_renditions - found["renditions"])

        removed = 0
        for alias, storage, name in orphans:
            young = storage.get_modified_time(name) > cutoff
            note = " (younger than the grace period: kept)" if young and delete else ""
            self.stdout.write(f"object without a row: {alias}/{name}{note}")
            if delete and not young:
                storage.delete(name)
                removed += 1
        for key in missing_originals:
            self.stdout.write(f"row without an object: originals/{key}")
        for key in missing_renditions:
            self.stdout.write(f"row without an object: renditions/{key}")
        if delete:
            Rendition.objects.filter(storage_key__in=missing_renditions).delete()
            failed = 0
            for photo in Photo.objects.filter(original_key__in=missing_originals):
                if photo.status in (Photo.Status.PROCESSING, Photo.Status.PENDING_REVIEW):
                    photo.status = Photo.Status.FAILED
                    photo.status_reason = ("The original file is missing from storage. Please "
                                           "delete the photo and upload it again.")
                    photo.save(update_fields=["status", "status_reason"])
                    failed += 1
            self.stdout.write(
                f"Removed {removed} object(s) and {len(missing_renditions)} rendition row(s); "
                f"marked {failed} photo(s) failed.")
        else:
            self.stdout.write(
                f"{len(orphans)} object(s) without a row, "
                f"{len(missing_originals) + len(missing_renditions)} row(s) without an object. "
                "Run with --delete to remove the orphans.")
