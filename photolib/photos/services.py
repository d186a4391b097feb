"""Writes on photos: upload, ingest, edit, delete, retry; the storage keys they use.

Callers: the photos views, the ``ingest_photo`` task, the management commands, the demo seed
and tests. This module is the adapter between Django and :mod:`media_ingest`: it opens the
original from storage, calls the pure pipeline, writes objects and rows and sets the status.

Storage keys (relative to each alias; on S3 the alias adds its ``location`` prefix):

- original: ``<photo uuid>/<ascii slug of the name>.<extension sniffed from the content>``
- signed release: ``<photo uuid>/release.<pdf|image extension>`` (also ``originals``)
- rendition: ``<photo uuid>/<spec>``, e.g. ``<uuid>/thumb-400-q85.jpg`` (``renditions``)
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import PurePath
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.text import slugify

import media_ingest
from media_ingest import IngestError, IngestResult, Limits, RenditionSpec
from photolib.accounts.models import User
from photolib.consent.models import CommunityGroup
from photolib.consent.selectors import membership
from photolib.photos import errors
from photolib.photos.models import (
    ModerationEvent,
    People,
    Photo,
    PhotoAttestation,
    Rendition,
    Tag,
)

logger = logging.getLogger(__name__)

SPECS: tuple[RenditionSpec, ...] = media_ingest.DEFAULT_SPECS  # (PREVIEW, THUMB)
NEAR_DUPLICATE_MAX_BITS = 6  # dHash bits that may differ for a near-duplicate flag
MAX_TAGS = 20
MAX_NEAR_DUPLICATES = 50
ALIAS_ORIGINALS = "originals"
ALIAS_RENDITIONS = "renditions"

# --- The attestation, word for word (the form shows exactly these sentences) -------------

OWN_WORK_STATEMENT = "I took this photo myself and I own its copyright."
PEOPLE_STATEMENTS: dict[str, str] = {
    People.NONE: "No identifiable people appear in this photo.",
    People.CONSENTED: "Identifiable people appear in this photo, and each of them agreed to "
                      "its use under the group's agreement.",
    People.RELEASE: "Identifiable people appear in this photo, and I attach the release they "
                    "signed.",
    People.MINORS: "Minors appear in this photo, and I attach the release a parent or guardian "
                   "of each of them signed.",
}
RELEASE_ALWAYS = frozenset({People.RELEASE, People.MINORS})


def attestation_statement(*, own_work: bool, people: str) -> str:
    """The exact text the uploader affirmed, stored on the ``PhotoAttestation``."""
    parts = [OWN_WORK_STATEMENT] if own_work else []
    parts.append(PEOPLE_STATEMENTS[people])
    return " ".join(parts)


# --- Errors a task may retry ------------------------------------------------------------

def _transient_errors() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = [OSError, OperationalError, InterfaceError]
    try:  # the S3 client's own failures (connection, throttling, 5xx); absent without boto
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is a dependency
        pass
    else:
        found += [BotoCoreError, ClientError]
    return tuple(found)


TRANSIENT_ERRORS = _transient_errors()
"""Storage and database failures that may pass: the ingest task retries on these."""

# Pillow's bomb guard escalates warnings with ``warnings.catch_warnings``, which is process-wide
# state: calls into media_ingest are serialised within a process. A Celery prefork child runs
# one task at a time, so this only ever waits in a threaded web process (eager tasks, and the
# cheap upload-time header check).
pillow_lock = threading.Lock()


def ingest_limits() -> Limits:
    """The limits from settings, read at call time."""
    return Limits(max_bytes=settings.PHOTOLIB_MAX_UPLOAD_BYTES,
                  max_pixels=settings.PHOTOLIB_MAX_PIXELS)


# --- Storage keys -------------------------------------------------------------------------

def safe_stem(name: str) -> str:
    """An ASCII slug of a file name without its extension (``"photo"`` when nothing is left)."""
    stem = slugify(PurePath(name).stem.replace("_", "-"))[:80].strip("-")
    return stem or "photo"


def original_key(photo_id: uuid.UUID | str, name: str, extension: str) -> str:
    return f"{photo_id}/{safe_stem(name)}.{extension}"


def release_key(photo_id: uuid.UUID | str, extension: str) -> str:
    return f"{photo_id}/release.{extension}"


def rendition_key(photo_id: uuid.UUID | str, spec: RenditionSpec) -> str:
    return f"{photo_id}/{spec}"


def display_name(name: str, limit: int = 255) -> str:
    """The uploaded file's own name, kept for display: no path, no control characters."""
    name = PurePath(name.replace("\\", "/")).name
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > limit:
        suffix = PurePath(name).suffix[:16]
        name = name[: limit - len(suffix)] + suffix
    return name or "photo"


def _typed_file(fileobj: BinaryIO, name: str, content_type: str) -> File:
    """A ``File`` that carries its content type: django-storages' S3 backend sends it as the
    object's ``ContentType`` instead of guessing from the name or trusting the browser."""
    wrapped = File(fileobj, name=name)
    wrapped.content_type = content_type
    return wrapped


def _delete_quietly(storage: Storage, names: Iterable[str]) -> None:
    """Remove objects, logging (not raising) failures: ``sweep_storage`` finds what is left."""
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:
            logger.warning("could not delete %s; sweep_storage will report it", name,
                           exc_info=True)


def _storage_failure(exc: BaseException) -> errors.StorageUnavailable:
    logger.error("storage failed during an upload: %r", exc)
    return errors.StorageUnavailable(
        "We could not store your photo just now, so nothing was saved. Please try again in a "
        "few minutes.")


# --- Upload -------------------------------------------------------------------------------

def _check_image(upload: File, limits: Limits) -> media_ingest.SniffResult:
    """Sniff and check limits from headers only; nothing is decoded, nothing stored."""
    try:
        with pillow_lock:
            return media_ingest.check_upload(upload.file, upload.size, limits)
    except IngestError as exc:
        raise errors.FileRefused(exc.reason, code=exc.code) from exc


def _check_release(release: File, limits: Limits) -> tuple[str, str]:
    """A signed release must be a PDF or an accepted image; returns (extension, content type)."""
    if release.size > limits.max_bytes:
        raise errors.InvalidInput(
            f"The release file is too large; the maximum is {limits.max_bytes // 1_000_000} MB.",
            field="release")
    release.file.seek(0)
    head = release.file.read(8)
    release.file.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf", "application/pdf"
    try:
        sniffed = media_ingest.sniff(release.file)
    except IngestError:
        raise errors.InvalidInput(
            "The release must be a PDF or a photo of the signed page (JPEG, PNG, WebP, "
            "HEIC/HEIF or TIFF).", field="release") from None
    return sniffed.extension, sniffed.mime_type


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Trimmed, lower-case, unique tag names in the order given; raises ``InvalidInput``."""
    names: list[str] = []
    for raw in tags:
        name = " ".join(str(raw).split()).lower()
        if not name or name in names:
            continue
        if len(name) > Tag._meta.get_field("name").max_length:
            raise errors.InvalidInput(f"The tag “{name[:30]}…” is too long (60 characters at "
                                      "most).", field="tags")
        names.append(name)
    if len(names) > MAX_TAGS:
        raise errors.InvalidInput(f"Use at most {MAX_TAGS} tags.", field="tags")
    return names


def _clean_details(*, title: str, description: str, place_name: str) -> tuple[str, str, str]:
    title = " ".join((title or "").split())
    if not title:
        raise errors.InvalidInput("Give the photo a title.", field="title")
    if len(title) > 200:
        raise errors.InvalidInput("Keep the title under 200 characters.", field="title")
    place_name = " ".join((place_name or "").split())
    if len(place_name) > 200:
        raise errors.InvalidInput("Keep the place name under 200 characters.", field="place_name")
    return title, (description or "").strip(), place_name


def uploads_in_last_day(user: User) -> int:
    return Photo.objects.filter(owner=user,
                                uploaded_at__gte=timezone.now() - timedelta(days=1)).count()


def _check_daily_limit(user: User) -> None:
    limit = settings.PHOTOLIB_UPLOADS_PER_DAY
    if uploads_in_last_day(user) >= limit:
        raise errors.DailyLimitReached(
            f"You have uploaded {limit} photos in the last 24 hours, the most we accept in a "
            "day. Please upload the rest tomorrow.")


def _enqueue_ingest(photo_id: uuid.UUID) -> None:
    from photolib.photos.tasks import ingest_photo  # the task module imports this one

    ingest_photo.delay(str(photo_id))


def photo_upload(
    *,
    acting_user: User,
    group: CommunityGroup,
    upload: File,
    title: str,
    description: str = "",
    tags: Iterable[str] = (),
    place_name: str = "",
    own_work: bool,
    people: str,
    release: File | None = None,
) -> Photo:
    """Store one original and create its ``processing`` row, attestation and tags; return it.

    ``upload`` is a Django ``File`` (an ``UploadedFile`` from a request); it is read in
    chunks, never whole. Order: permission and input checks, content sniffing and header-only
    limits (``media_ingest.check_upload``), the daily limit, then the original (and release)
    go to the ``originals`` storage, then the rows in one transaction; the ingest task is
    enqueued when it commits.

    Raises ``NotAllowed`` (not a verified resident with a grant under the group's current
    agreement), ``InvalidInput``, ``FileRefused`` (format, bytes, pixels), ``DailyLimitReached``
    or ``StorageUnavailable``. Whatever is raised, nothing is left behind: no row, no object.
    """
    if not (acting_user.is_active and acting_user.has_perm("accounts.contribute")):
        raise errors.NotAllowed("Only residents can upload photos.")
    if not acting_user.is_verified:
        raise errors.NotAllowed("Confirm your email address before uploading photos.")
    state = membership(acting_user, group)
    if not state.may_upload:
        if state.needs_reaccept:
            raise errors.NotAllowed(
                f"{group} has a new version of its agreement. Read and accept it before "
                "uploading more photos.")
        raise errors.NotAllowed(f"Join {group} (accept its agreement) before uploading to it.")
    grant = state.grant
    version = grant.agreement_version

    title, description, place_name = _clean_details(
        title=title, description=description, place_name=place_name)
    tag_names = clean_tags(tags)
    if not own_work:
        raise errors.InvalidInput("You can only share photos you took yourself: tick the "
                                  "statement to confirm it.", field="own_work")
    if people not in People.values:
        raise errors.InvalidInput("Say whether identifiable people appear in the photo.",
                                  field="people")
    release_needed = people in RELEASE_ALWAYS or (
        version.release_required_for_people and people != People.NONE)
    if release_needed and release is None:
        raise errors.InvalidInput(
            "Attach the signed release (a PDF or a photo of the signed page).", field="release")
    if not release_needed:
        release = None  # nothing to keep: no one needs to have signed anything

    limits = ingest_limits()
    sniffed = _check_image(upload, limits)
    release_type = _check_release(release, limits) if release is not None else None
    _check_daily_limit(acting_user)

    photo_id = uuid.uuid4()
    name = display_name(upload.name or "photo")
    originals = storages[ALIAS_ORIGINALS]
    stored: list[str] = []
    try:
        try:
            upload.file.seek(0)
            stored_original = originals.save(
                original_key(photo_id, name, sniffed.extension),
                _typed_file(upload.file, name, sniffed.mime_type))
            stored.append(stored_original)
            stored_release = ""
            if release is not None and release_type is not None:
                release.file.seek(0)
                stored_release = originals.save(
                    release_key(photo_id, release_type[0]),
                    _typed_file(release.file, release.name or "release", release_type[1]))
                stored.append(stored_release)
        except TRANSIENT_ERRORS as exc:
            raise _storage_failure(exc) from exc

        with transaction.atomic():
            # One upload at a time per person, so the daily limit holds under concurrency.
            User.objects.select_for_update().filter(pk=acting_user.pk).first()
            _check_daily_limit(acting_user)
            photo = Photo.objects.create(
                id=photo_id, owner=acting_user, group=group, consent_record=grant,
                agreement_version=version, rights_expire_at=version.term_ends(grant.created_at),
                status=Photo.Status.PROCESSING, title=title, description=description,
                place_name=place_name, original_name=name, original_key=stored_original,
                original_size=upload.size, mime_type=sniffed.mime_type, format=sniffed.format,
            )
            if tag_names:
                photo.tags.set(_tags(tag_names))
            PhotoAttestation.objects.create(
                photo=photo, consent_record=grant, own_work=True, people=people,
                release_key=stored_release,
                release_name=display_name(release.name or "release") if release else "",
                statement=attestation_statement(own_work=True, people=people),
            )
            # robust: a broker hiccup must not turn a stored upload into an error;
            # `reprocess_photos` finishes photos left in `processing` (--stuck-minutes).
            transaction.on_commit(partial(_enqueue_ingest, photo.id), robust=True)
    except BaseException:
        _delete_quietly(originals, stored)
        raise
    return photo


def _tags(names: Sequence[str]) -> list[Tag]:
    return [Tag.objects.get_or_create(name=name)[0] for name in names]


# --- Ingest (the worker) --------------------------------------------------------------------

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
            _set_failed(photo, f"Processing did not finish after {photo.ingest_attempts} "
                               "attempts. A reviewer can retry it.")
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


def _process_original(photo: Photo, specs: Sequence[RenditionSpec]) -> IngestResult:
    """Read the original once from storage and run the pipeline on it."""
    try:
        fileobj = storages[ALIAS_ORIGINALS].open(photo.original_key, "rb")
    except FileNotFoundError as exc:
        raise errors.OriginalMissing(photo.original_key) from exc
    with fileobj, pillow_lock:
        return media_ingest.process(fileobj, ingest_limits(), specs=specs)


def _store_rendition(photo_id: uuid.UUID, rendered: media_ingest.RenderedImage) -> str:
    """Write one rendition at its fixed key, replacing what a killed earlier run left there."""
    storage = storages[ALIAS_RENDITIONS]
    key = rendition_key(photo_id, rendered.spec)
    if storage.exists(key):
        storage.delete(key)
    return storage.save(key, _typed_file(rendered.open(), key, rendered.content_type))


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
        # The smallest spec is still rendered when nothing is missing: it gives the hash.
        result = _process_original(photo, wanted or SPECS[-1:])
    except errors.OriginalMissing:
        return photo_ingest_failed(
            photo_id=photo.id,
            reason="The original file is missing from storage, so the photo cannot be "
                   "processed. Please delete it and upload it again.")
    except IngestError as exc:
        return _reject(photo.id, exc.reason, detail=exc.detail)

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
            return _reject_locked(photo, f"You already uploaded this photo (“{mine.title}”).",
                                  sha256=result.sha256)
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
    renditions = _rendition_keys(photo)
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
    transaction.on_commit(partial(_delete_quietly, storages[ALIAS_ORIGINALS], [original]))
    transaction.on_commit(partial(_delete_quietly, storages[ALIAS_RENDITIONS], renditions))
    return photo


def _rendition_keys(photo: Photo) -> list[str]:
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


# --- Re-rendering (reprocess_photos) ----------------------------------------------------

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
        result = _process_original(photo, specs)
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
            # The catalog's search document copies the size; keep it equal.
            from photolib.catalog.search import index_photo

            index_photo(photo)
    return photo


# --- The resident's edits -------------------------------------------------------------------

def _own_editable(acting_user: User, photo_id: uuid.UUID | str) -> Photo:
    photo = Photo.objects.select_for_update().filter(pk=photo_id, owner=acting_user).first()
    if photo is None:
        raise errors.PhotoNotFound("No such photo.")
    if not photo.is_editable:
        raise errors.NotEditable(
            f"“{photo.title}” is {photo.get_status_display().lower()}; photos can only be "
            "changed or deleted while they wait for review.")
    return photo


@transaction.atomic
def photo_update(
    *,
    acting_user: User,
    photo_id: uuid.UUID | str,
    title: str,
    description: str = "",
    tags: Iterable[str] = (),
    place_name: str = "",
) -> Photo:
    """Change what the owner says about a photo while it waits for review; return it.

    Raises ``PhotoNotFound`` (not theirs), ``NotEditable`` or ``InvalidInput``. Only these
    fields are written, so a worker finishing the ingest at the same time loses nothing.
    """
    photo = _own_editable(acting_user, photo_id)
    photo.title, photo.description, photo.place_name = _clean_details(
        title=title, description=description, place_name=place_name)
    photo.save(update_fields=["title", "description", "place_name"])
    photo.tags.set(_tags(clean_tags(tags)))
    return photo


@transaction.atomic
def photo_delete(*, acting_user: User, photo_id: uuid.UUID | str) -> None:
    """Delete the owner's photo while it waits for review: rows now, files once committed.

    The attestation goes with it (the model refuses single deletes; this is the one place
    that removes one, for a photo nobody reviewed or used). A ``ModerationEvent`` keeps the
    photo's id, who deleted it and when. Raises ``PhotoNotFound`` or ``NotEditable``.
    """
    photo = _own_editable(acting_user, photo_id)
    attestation = PhotoAttestation.objects.filter(photo=photo).first()
    originals = [photo.original_key, attestation.release_key if attestation else ""]
    renditions = _rendition_keys(photo)
    ModerationEvent.objects.create(
        photo_id_value=photo.id, photo=photo, actor=acting_user,
        action=ModerationEvent.Action.DELETE,
        reason=f"Deleted by its owner while {photo.get_status_display().lower()}: "
               f"“{photo.title}” ({photo.original_name}).")
    PhotoAttestation.objects.filter(photo=photo).delete()
    photo.delete()
    transaction.on_commit(partial(_delete_quietly, storages[ALIAS_ORIGINALS], originals))
    transaction.on_commit(partial(_delete_quietly, storages[ALIAS_RENDITIONS], renditions))


@transaction.atomic
def photo_retry_ingest(*, acting_user: User, photo_id: uuid.UUID | str) -> Photo:
    """A reviewer sends a ``failed`` photo through ingest again; return it (``processing``).

    Raises ``NotAllowed`` without the ``accounts.moderate`` permission, ``PhotoNotFound``,
    or ``NotEditable`` when the photo is not ``failed``.
    """
    if not acting_user.has_perm("accounts.moderate"):
        raise errors.NotAllowed("Only reviewers can retry processing.")
    photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
    if photo is None:
        raise errors.PhotoNotFound("No such photo.")
    if photo.status != Photo.Status.FAILED:
        raise errors.NotEditable("Only photos whose processing failed can be retried.")
    photo.status = Photo.Status.PROCESSING
    photo.status_reason = ""
    photo.ingest_attempts = 0
    photo.save(update_fields=["status", "status_reason", "ingest_attempts"])
    ModerationEvent.objects.create(photo_id_value=photo.id, photo=photo, actor=acting_user,
                                   action=ModerationEvent.Action.RETRY)
    transaction.on_commit(partial(_enqueue_ingest, photo.id), robust=True)
    return photo

