"""Ingest (the worker's side): run the pipeline on a stored original, write renditions and
facts, flag duplicates, and leave the photo waiting for review; re-render on demand.

Callers: the ``ingest_photo`` task, ``reprocess_photos``, the demo seed and tests. Renditions
go to fixed keys (``photolib.photos.keys``) and rows are unique per (photo, spec), so every
run is idempotent.
"""

from __future__ import annotations

import logging
import math
import os
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import media_ingest
from media_ingest import IngestError, IngestResult, RenditionSpec
from photolib.accounts.language import override_for
from photolib.accounts.models import User
from photolib.celery import enqueue
from photolib.photos import errors
from photolib.photos.keys import (
    ORIGINALS,
    RENDITIONS,
    SPECS,
    THUMB,
    delete_quietly,
    rendition_key,
    typed_file,
)
from photolib.photos.models import Photo, Rendition
from photolib.photos.pipeline import process_original
from photolib.photos.refusals import refusal_text
from photolib.photos.selectors import stuck_in_processing
from photolib.photos.signals import announce, photo_facts_changed
from photolib.photos.uploads import enqueue_ingest_on_commit

logger = logging.getLogger(__name__)

RERENDER_TASK = "photolib.photos.tasks.rerender_photo"
NEAR_DUPLICATE_MAX_BITS = 6  # dHash bits that may differ for a near-duplicate flag
MAX_NEAR_DUPLICATES = 50


def photo_requeue_stuck(*, older_than: timedelta | None = None) -> str:
    """The periodic job: ask again for the ingest of every photo stuck in ``processing``
    (``selectors.stuck_in_processing``; ``older_than`` defaults to
    ``PHOTOLIB_STUCK_PROCESSING_MINUTES``); returns a summary. Idempotent: a photo asked for
    is not asked for again within ``older_than``, and ingest itself makes only the renditions
    still missing."""
    if older_than is None:
        older_than = timedelta(minutes=settings.PHOTOLIB_STUCK_PROCESSING_MINUTES)
    stuck = stuck_in_processing(cutoff=timezone.now() - older_than)
    with transaction.atomic():
        for photo_id in stuck:
            logger.warning("photo %s has been processing since before %s with no ingest "
                           "under way; sending it to ingest again", photo_id, older_than)
            enqueue_ingest_on_commit(photo_id)
    return f"{len(stuck)} stuck photo(s) sent to ingest again"


def _max_attempts() -> int:
    # Celery's retries plus a few redeliveries after a lost worker; beyond that the file is
    # probably what kills the worker, so stop instead of looping.
    return settings.PHOTOLIB_INGEST_MAX_RETRIES + 3


def _claim(photo_id: uuid.UUID | str) -> Photo | None:
    """Count an attempt on a photo still `processing`; None when there is nothing to do."""
    with transaction.atomic():
        photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None or photo.status != Photo.Status.PROCESSING:
            return None
        if photo.ingest_attempts >= _max_attempts():
            with override_for(photo.owner):
                reason = _("Processing did not finish after %(n)d attempts. A reviewer can "
                           "retry it.") % {"n": photo.ingest_attempts}
            _set_failed(photo, reason)
            return None
        photo.ingest_attempts += 1
        photo.save(update_fields=["ingest_attempts"])
        return photo


def _pause_for_tests() -> None:
    """PHOTOLIB_INGEST_TEST_PAUSE_FILE (tests only): wait while that file exists, at most 60 s."""
    path = settings.PHOTOLIB_INGEST_TEST_PAUSE_FILE
    deadline = time.monotonic() + 60
    while path and os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.1)


def _store_rendition(photo_id: uuid.UUID, rendered: media_ingest.RenderedImage) -> str:
    """Write one rendition at its fixed key, replacing what a killed earlier run left there."""
    storage = storages[RENDITIONS]
    key = rendition_key(photo_id, rendered.spec)
    if storage.exists(key):
        storage.delete(key)
    return storage.save(key, typed_file(rendered.open(), key, rendered.content_type))


def _save_renditions(photo: Photo, result: IngestResult,
                     specs: Sequence[RenditionSpec]) -> None:
    for spec in specs:
        rendered = result.renditions[spec]
        key = _store_rendition(photo.id, rendered)
        Rendition.objects.update_or_create(
            photo=photo, spec=str(spec),
            defaults={"storage_key": key, "width": rendered.width, "height": rendered.height,
                      "size_bytes": rendered.size_bytes, "content_type": rendered.content_type,
                      "created_at": timezone.now()})
        _pause_for_tests()


def _missing_specs(photo: Photo) -> list[RenditionSpec]:
    have = set(Rendition.objects.filter(photo=photo).values_list("spec", flat=True))
    return [spec for spec in SPECS if str(spec) not in have]


def photo_ingest(*, photo_id: uuid.UUID | str) -> Photo | None:
    """Run the pipeline on a photo in ``processing`` and leave it ``pending_review``,
    ``rejected`` (the file is refused, or an exact duplicate of the owner's) or ``failed``.

    Idempotent: a photo no longer ``processing`` (done, deleted) is left alone; renditions go
    to fixed keys and rows are unique per (photo, spec), so a re-run after a killed worker
    leaves exactly one set. The row is locked while renditions and facts are written.
    Returns the photo, or None when there was nothing to do. Raises ``TRANSIENT_ERRORS``
    (storage, database) for the task to retry; everything else is settled here.
    """
    photo = _claim(photo_id)
    if photo is None:
        return Photo.objects.filter(pk=photo_id).first()
    wanted = _missing_specs(photo)
    try:
        # The thumbnail is still rendered when nothing is missing: it gives the hash.
        result = process_original(photo, wanted or [THUMB])
    except errors.OriginalMissing:
        with override_for(photo.owner):  # kept on the photo, read by its owner
            reason = _("The original file is missing from storage, so the photo cannot be "
                       "processed. Please delete it and upload it again.")
        return photo_ingest_failed(photo_id=photo.id, reason=reason)
    except IngestError as exc:
        with override_for(photo.owner):
            reason = refusal_text(exc)
        return _reject(photo.id, reason, detail=f"{exc.reason} ({exc.detail})")

    with transaction.atomic():
        photo = Photo.objects.select_for_update().filter(pk=photo.id).first()
        if photo is None or photo.status != Photo.Status.PROCESSING:
            return photo  # deleted meanwhile, or another run finished first
        # Duplicate checks see each owner's ingests one at a time.
        User.objects.select_for_update().filter(pk=photo.owner_id).first()
        mine = (Photo.objects.filter(owner_id=photo.owner_id, sha256=result.sha256)
                .exclude(pk=photo.pk).exclude(status=Photo.Status.REJECTED)
                .order_by("uploaded_at").first())
        if mine is not None:
            with override_for(photo.owner):
                reason = _("You already uploaded this photo (“%(title)s”).") % {
                    "title": mine.title}
            return _reject_locked(photo, reason, sha256=result.sha256)
        _save_renditions(photo, result, wanted)
        changed = _apply_facts(photo, result)
        photo.duplicate_of = (Photo.objects.filter(sha256=result.sha256)
                              .exclude(owner_id=photo.owner_id)
                              .exclude(status=Photo.Status.REJECTED)
                              .order_by("uploaded_at").first())
        photo.near_duplicates = _near_duplicates(photo, result.phash or "")
        photo.status = Photo.Status.PENDING_REVIEW
        photo.status_reason = ""
        photo.processed_at = timezone.now()
        photo.save(update_fields=[*changed, "duplicate_of", "near_duplicates", "status",
                                  "status_reason", "processed_at"])
    return photo


def _reject(photo_id: uuid.UUID, reason: str, *, detail: str | None = None) -> Photo | None:
    with transaction.atomic():
        photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None or photo.status != Photo.Status.PROCESSING:
            return photo
        logger.info("photo %s refused by the pipeline: %s (%s)", photo_id, reason, detail)
        return _reject_locked(photo, reason)


def _reject_locked(photo: Photo, reason: str, *, sha256: str = "") -> Photo:
    """Mark a locked photo ``rejected``; its original and renditions go once this commits
    (a refused file leaves nothing in storage)."""
    original = photo.original_key
    renditions = rendition_keys(photo)
    Rendition.objects.filter(photo=photo).delete()
    photo.status = Photo.Status.REJECTED
    photo.status_reason = reason
    photo.original_key = ""
    photo.processed_at = timezone.now()
    fields = ["status", "status_reason", "original_key", "processed_at"]
    if sha256:
        photo.sha256 = sha256
        fields.append("sha256")
    photo.save(update_fields=fields)
    transaction.on_commit(partial(delete_quietly, storages[ORIGINALS], [original]))
    transaction.on_commit(partial(delete_quietly, storages[RENDITIONS], renditions))
    return photo


def rendition_keys(photo: Photo) -> list[str]:
    """Every rendition object the photo may have: its rows' keys and the fixed keys of each
    spec (a killed run may have stored one without its row)."""
    keys = set(Rendition.objects.filter(photo=photo).values_list("storage_key", flat=True))
    keys.update(rendition_key(photo.id, spec) for spec in SPECS)
    return sorted(keys)


def _set_failed(photo: Photo, reason: str) -> Photo:
    photo.status = Photo.Status.FAILED
    photo.status_reason = reason
    photo.save(update_fields=["status", "status_reason"])
    return photo


def photo_ingest_failed(*, photo_id: uuid.UUID | str, reason: str) -> Photo | None:
    """Mark a ``processing`` photo ``failed`` with ``reason``; its original stays for a retry.

    Called by the task when retries are exhausted or the time limit is hit.
    """
    with transaction.atomic():
        photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
        if photo is None or photo.status != Photo.Status.PROCESSING:
            return photo
        logger.warning("photo %s failed: %s", photo_id, reason)
        return _set_failed(photo, reason)


# Facts: every value is bounded to its column, so a hostile tag cannot fail the photo.

def _text(photo: Photo, field: str, value: str | None) -> str:
    text = (value or "").replace("\x00", "").strip()
    return text[: Photo._meta.get_field(field).max_length]


def _finite(value: float | None) -> float | None:
    return value if isinstance(value, int | float) and math.isfinite(value) else None


def _positive_int(value: int | None, maximum: int) -> int | None:
    return value if isinstance(value, int) and 0 < value <= maximum else None


def _aware(value: datetime | None, warnings: list[str]) -> datetime | None:
    if value is None:
        return None
    if not 1800 <= value.year <= 2200:
        warnings.append(f"date taken {value.isoformat()} ignored: out of range")
        return None
    # Without an offset the camera's wall-clock time is kept as if it were UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _json_safe(value: Any) -> Any:
    """Strings without NUL (PostgreSQL refuses them in JSON); anything else as text."""
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value).replace("\x00", "")


def _apply_facts(photo: Photo, result: IngestResult) -> list[str]:
    """Copy what the pipeline learned onto ``photo``; return the changed field names."""
    exif = result.exif
    notes: list[str] = []
    lat, lon = _finite(exif.gps_latitude), _finite(exif.gps_longitude)
    if lat is None or lon is None:
        lat = lon = None
    values: dict[str, Any] = {
        "format": _text(photo, "format", result.format),
        "mime_type": _text(photo, "mime_type", result.mime_type),
        "original_size": result.size_bytes,
        "sha256": result.sha256,
        "phash": _text(photo, "phash", result.phash),
        "width": result.width,
        "height": result.height,
        "taken_at": _aware(exif.taken_at, notes),
        "taken_at_offset": _text(photo, "taken_at_offset", exif.taken_at_offset),
        "camera_make": _text(photo, "camera_make", exif.make),
        "camera_model": _text(photo, "camera_model", exif.model),
        "lens": _text(photo, "lens", exif.lens),
        "focal_length": _finite(exif.focal_length),
        "aperture": _finite(exif.aperture),
        "exposure_time": _text(photo, "exposure_time", exif.exposure_time),
        "iso": _positive_int(exif.iso, 2_147_483_647),
        "orientation": _positive_int(exif.orientation, 8),
        "software": _text(photo, "software", exif.software),
        "artist": _text(photo, "artist", exif.artist),
        "copyright": _text(photo, "copyright", exif.copyright),
        "exif_raw": _json_safe(dict(exif.raw)),
        "gps_latitude": lat,
        "gps_longitude": lon,
        "gps_altitude": _finite(exif.gps_altitude),
        # About 1 km: two decimals of a degree. The catalog only ever sees these.
        "coarse_latitude": round(lat, 2) if lat is not None else None,
        "coarse_longitude": round(lon, 2) if lon is not None else None,
    }
    warnings = [str(w).replace("\x00", "")[:300]
                for w in dict.fromkeys([*exif.warnings, *result.warnings, *notes])]
    values["metadata_warnings"] = warnings[:50]
    for field, value in values.items():
        setattr(photo, field, value)
    return list(values)


def _near_duplicates(photo: Photo, phash: str) -> list[str]:
    """Ids of other photos whose perceptual hash is within ``NEAR_DUPLICATE_MAX_BITS``.

    A linear scan over (id, hash) pairs: about 50 ms per 100 000 photos. Beyond that, an
    index on hash bands (or PostgreSQL's ``bit_count``) would replace it.
    """
    if not phash:
        return []
    found: list[str] = []
    candidates = (Photo.objects.exclude(pk=photo.pk).exclude(phash="")
                  .exclude(status=Photo.Status.REJECTED).order_by("uploaded_at")
                  .values_list("id", "phash"))
    for other_id, other in candidates.iterator(chunk_size=2000):
        try:
            close = media_ingest.hamming(phash, other) <= NEAR_DUPLICATE_MAX_BITS
        except ValueError:
            continue
        if close:
            found.append(str(other_id))
            if len(found) >= MAX_NEAR_DUPLICATES:
                break
    return found


def photo_rerender(*, photo_id: uuid.UUID | str, force: bool = False) -> Photo | None:
    """Render a processed photo's renditions again: the missing ones, or all with ``force``.

    For photos past ingest (waiting for review, approved); the status is not changed.
    Photos still ``processing`` or ``failed`` go through :func:`photo_ingest` instead (the
    command does that). Raises ``TRANSIENT_ERRORS``; an original the pipeline now refuses is
    logged and left as it is.
    """
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or not photo.original_key:
        return photo
    specs = list(SPECS) if force else _missing_specs(photo)
    if not specs:
        return photo
    try:
        result = process_original(photo, specs)
    except (errors.OriginalMissing, IngestError) as exc:
        logger.warning("photo %s not re-rendered: %r", photo.id, exc)
        return photo
    with transaction.atomic():
        photo = Photo.objects.select_for_update().filter(pk=photo.id).first()
        if photo is None:
            return None
        _save_renditions(photo, result, specs)
        photo.width, photo.height = result.width, result.height
        photo.phash = result.phash or photo.phash
        photo.save(update_fields=["width", "height", "phash"])
        if photo.status == Photo.Status.APPROVED:
            announce(photo_facts_changed, photo.id)  # the catalog copies the size
    return photo


def photo_renditions_request(*, photo_id: uuid.UUID | str) -> None:
    """Ask the worker for a processed photo's missing renditions (e.g. the print file of a
    photo ingested before it existed). Call inside the caller's transaction: the request is
    handed over once that commits. Idempotent: the task makes only what is still missing."""
    enqueue(RERENDER_TASK, str(photo_id))
