"""The photos app's stored objects, as ``sweep_storage`` knows them: originals (with signed
releases) and renditions."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from photolib.consent.evidence import withdrawn_photo_ids
from photolib.consent.models import ConsentRecord
from photolib.outbox.models import OutboxMessage
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


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _photo_id_of(key: str) -> str | None:
    try:
        return str(uuid.UUID(key.split("/", 1)[0]))
    except ValueError:
        return None


def _keep_originals(orphans: list[str]) -> dict[str, str]:
    """Orphan originals never deleted: those whose photo id the consent evidence store (a
    photo withdrawal's checkpoint), the ledger or an outbox row's arguments name. After a
    database restore such a photo's row may be what was lost, and its original the proof."""
    candidates = {key: pid for key in orphans if (pid := _photo_id_of(key))}
    if not candidates:
        return {}
    ids = set(candidates.values())
    named: dict[str, str] = {}
    for pid in withdrawn_photo_ids() & ids:
        named[pid] = "named by a photo withdrawal in the consent evidence store"
    for pid in ConsentRecord.objects.filter(photo_id__in=list(ids)).values_list("photo_id",
                                                                              flat=True):
        named.setdefault(str(pid), "named by a photo withdrawal in the consent ledger")
    for args in OutboxMessage.objects.values_list("args", flat=True).iterator(chunk_size=2000):
        for text in _strings(args):
            if text in ids:
                named.setdefault(text, "named by a task in the outbox")
    return {key: named[pid] for key, pid in candidates.items() if pid in named}


def _rendition_keys() -> set[str]:
    return set(Rendition.objects.values_list("storage_key", flat=True))


def _forget_renditions(missing: list[str]) -> str:
    """Rendition rows without an object go; ``reprocess_photos`` renders them again."""
    removed, _ = Rendition.objects.filter(storage_key__in=missing).delete()
    return f"removed {removed} rendition row(s)"


ORIGINAL_FILES = StoredFiles(alias=ORIGINALS, known_keys=_original_keys,
                             forget_missing=_fail_photos_without_original,
                             keep=_keep_originals)
RENDITION_FILES = StoredFiles(alias=RENDITIONS, known_keys=_rendition_keys,
                              forget_missing=_forget_renditions)
