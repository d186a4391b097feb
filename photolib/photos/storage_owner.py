"""The photos app's stored objects, as ``sweep_storage`` knows them: originals (with signed
releases) and renditions."""

from __future__ import annotations

from photolib.photos.keys import ORIGINALS, RENDITIONS
from photolib.photos.models import Photo, PhotoAttestation, Rendition
from photolib.sweep import StoredFiles


def _original_keys() -> set[str]:
    keys = set(Photo.objects.exclude(original_key="").values_list("original_key", flat=True))
    keys |= set(PhotoAttestation.objects.exclude(release_key="")
                .values_list("release_key", flat=True))
    return keys


def _fail_photos_without_original(missing: list[str]) -> str:
    """Photos whose original is gone cannot be reviewed: ``failed`` (their rows carry consent
    evidence, so they are never deleted here)."""
    failed = 0
    for photo in Photo.objects.filter(original_key__in=missing):
        if photo.status in (Photo.Status.PROCESSING, Photo.Status.PENDING_REVIEW):
            photo.status = Photo.Status.FAILED
            photo.status_reason = ("The original file is missing from storage. Please delete "
                                   "the photo and upload it again.")
            photo.save(update_fields=["status", "status_reason"])
            failed += 1
    return f"marked {failed} photo(s) failed"


def _rendition_keys() -> set[str]:
    return set(Rendition.objects.values_list("storage_key", flat=True))


def _forget_renditions(missing: list[str]) -> str:
    """Rendition rows without an object go; ``reprocess_photos`` renders them again."""
    removed, _ = Rendition.objects.filter(storage_key__in=missing).delete()
    return f"removed {removed} rendition row(s)"


ORIGINAL_FILES = StoredFiles(alias=ORIGINALS, known_keys=_original_keys,
                             forget_missing=_fail_photos_without_original)
RENDITION_FILES = StoredFiles(alias=RENDITIONS, known_keys=_rendition_keys,
                              forget_missing=_forget_renditions)
