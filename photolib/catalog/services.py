"""Writes in the catalog: downloads (file with rights metadata + usage record),
collections. Every photo reaching marketing is read through ``Photo.objects.cleared()``.

Download copies live in the catalog's own storage alias (``downloads``) at
``<download uuid>/<file name>``, recorded on their ``Download`` row (``file_key``), so
``sweep_storage`` knows them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import media_ingest
from photolib.accounts.models import User
from photolib.catalog.errors import DownloadRefused, FileMissing, FileUnavailable
from photolib.catalog.models import Collection, CollectionItem, Download
from photolib.catalog.recall import listing_ensure_open
from photolib.catalog.rights import RightsInfo, embed_xmp, rights_xmp
from photolib.celery import enqueue
from photolib.consent.models import USE_LABELS
from photolib.photos.errors import OriginalMissing
from photolib.photos.keys import PREVIEW, RENDITIONS
from photolib.photos.models import Photo, Rendition
from photolib.photos.pipeline import TRANSIENT_ERRORS, render_original
from photolib.storage_config import DOWNLOADS

PRINT_SPEC = media_ingest.RenditionSpec("print", 16384, "JPEG", 92)
FIRST_USE_MAIL_TASK = "photolib.catalog.tasks.send_first_use_email"

logger = logging.getLogger(__name__)

__all__ = ["DownloadRefused", "download_prepare", "collection_create", "collection_add",
           "collection_remove"]


@dataclass(frozen=True)
class PreparedDownload:
    download: Download
    storage_name: str
    filename: str
    content_type: str = "image/jpeg"


def cleared_photo(photo_id) -> Photo:
    """The photo if it is cleared right now; ``Photo.DoesNotExist`` otherwise."""
    return (Photo.objects.cleared()
            .select_related("owner", "group", "agreement_version", "consent_record",
                            "attestation")
            .get(pk=photo_id))


def licence_url(photo: Photo) -> str:
    return f"{settings.SITE_URL}{reverse('catalog:licence', args=[photo.pk])}"


def usage_terms(photo: Photo) -> str:
    version = photo.agreement_version
    uses = ", ".join(version.use_labels())
    term = (f"until {photo.rights_expire_at:%Y-%m-%d}" if photo.rights_expire_at
            else "perpetual unless withdrawn")
    credit = (f"Credit required: “{photo.credit_line()}”." if version.credit_required
              else "Credit not required.")
    return (f"Licensed to {settings.CONTROLLER_NAME} (non-exclusive) for: {uses}; {term}. "
            f"{credit} Agreement {photo.group.name} v{version.number}, "
            f"SHA-256 {version.text_sha256}.")


def rights_for(photo: Photo) -> RightsInfo:
    creator = photo.owner.public_credit_name
    year = (photo.taken_at or photo.uploaded_at).year
    return RightsInfo(
        creator=creator,
        credit_line=photo.credit_line(),
        copyright_notice=f"© {year} {creator}",
        usage_terms=usage_terms(photo),
        web_statement=licence_url(photo),
        licensor_name=settings.CONTROLLER_NAME,
        licensor_url=settings.SITE_URL,
        people=photo.attestation.people,
        consent_receipt_id=str(photo.consent_record_id),
        title=photo.title,
    )


def check_use(photo: Photo, use: str) -> None:
    permitted = photo.agreement_version.permitted_uses
    if use not in permitted:
        allowed = ", ".join(USE_LABELS.get(u, u) for u in permitted)
        raise DownloadRefused(
            f"“{USE_LABELS.get(use, use)}” is not permitted for this photo: its agreement "
            f"({photo.group.name}, version {photo.agreement_version.number}) allows only "
            f"{allowed}.")


def _file_bytes(photo: Photo, rendition: str) -> bytes:
    """The JPEG to hand out: the stripped 1600 px preview, or a full-resolution JPEG
    made from the original (orientation applied, sRGB, no EXIF or GPS)."""
    if rendition == Download.Rendition.WEB:
        stored = Rendition.objects.get(photo=photo, spec=str(PREVIEW))
        with storages[RENDITIONS].open(stored.storage_key, "rb") as fh:
            return fh.read()
    # Through the photos adapter: the configured limits and the decoding lock apply.
    return render_original(photo, PRINT_SPEC)


def download_filename(photo: Photo, rendition: str) -> str:
    stem = re.sub(r"[^\w\- ]+", "", photo.title).strip().replace(" ", "-")[:60] or "photo"
    return f"{stem}-{rendition}.jpg"


def download_prepare(*, photo_id, user: User, rendition: str, use: str, campaign: str,
                     collection: Collection | None = None) -> PreparedDownload:
    """Make the file (with its rights XMP), store it, and record the download.

    The record is written in the same transaction as the check that the photo is
    cleared; if anything fails, neither the record nor the stored file remains.
    Raises ``Photo.DoesNotExist`` (not cleared: callers answer 404), ``DownloadRefused``,
    ``FileMissing`` (the stored file is gone: 404) or ``FileUnavailable`` (storage failed or
    did not answer within its timeouts: 503). The first download of a photo enqueues the
    owner's first-use mail in the same transaction; it goes out from a task, so a mail
    server that is down never fails the download.
    """
    campaign = campaign.strip()
    if not campaign:
        raise DownloadRefused("Say which campaign or purpose this download is for.")
    if rendition not in Download.Rendition.values:
        raise DownloadRefused("Choose the web or the print rendition.")
    photo = cleared_photo(photo_id)
    check_use(photo, use)
    try:
        data = embed_xmp(_file_bytes(photo, rendition), rights_xmp(rights_for(photo)))
    except (FileNotFoundError, OriginalMissing, Rendition.DoesNotExist) as exc:
        logger.error("download of photo %s: its stored file is missing (%r)", photo.pk, exc)
        raise FileMissing("This photo's file is missing from storage, so it cannot be "
                          "downloaded; the library's staff can restore it.") from exc
    except TRANSIENT_ERRORS as exc:
        raise _unavailable(exc) from exc
    filename = download_filename(photo, rendition)
    storage = storages[DOWNLOADS]
    name = None
    try:
        with transaction.atomic():
            # Re-checked under a row lock: a withdrawal committed meanwhile wins.
            photo = Photo.objects.cleared().select_for_update(of=("self",)).get(pk=photo.pk)
            first_use = not Download.objects.filter(photo=photo).exists()
            told = first_use and settings.PHOTOLIB_NOTIFY_FIRST_USE
            download = Download.objects.create(
                photo=photo, user=user, rendition=rendition, use=use, campaign=campaign[:200],
                consent_record_id=photo.consent_record_id,
                agreement_version_id=photo.agreement_version_id, collection=collection,
                owner_told_at=timezone.now() if told else None)  # else: the weekly digest
            try:
                name = storage.save(f"{download.pk}/{filename}", ContentFile(data))
            except TRANSIENT_ERRORS as exc:
                raise _unavailable(exc) from exc
            download.file_key = name
            download.save(update_fields=["file_key"])
            listing_ensure_open(photo)  # its recall will find this download
            if first_use and settings.PHOTOLIB_NOTIFY_FIRST_USE:
                enqueue(FIRST_USE_MAIL_TASK, str(photo.pk))
    except BaseException:
        if name is not None:
            try:
                storage.delete(name)  # no file without its record
            except TRANSIENT_ERRORS:
                logger.warning("download copy %s left behind; sweep_storage removes it", name)
        raise
    return PreparedDownload(download=download, storage_name=name, filename=filename)


def _unavailable(exc: BaseException) -> FileUnavailable:
    logger.error("download: storage failed: %r", exc)
    return FileUnavailable("File storage is not answering just now, so nothing was "
                           "downloaded. Please try again in a few minutes.")


def photo_first_use_mail(*, photo_id) -> bool:
    """Tell the owner the city used their photo for the first time (the first-use task's
    body); False, and nothing sent, when the photo or its downloads are gone. Raises what
    the mail backend raises, for the task to retry."""
    photo = Photo.objects.select_related("owner").filter(pk=photo_id).first()
    first = photo.downloads.order_by("at").first() if photo is not None else None
    if first is None:
        return False
    send_mail(
        subject=f"Your photo “{photo.title}” was used for the first time",
        message=(f"Hello {photo.owner.display_name},\n\nThe city used your photo "
                 f"“{photo.title}” for the first time: {USE_LABELS.get(first.use, first.use)}, "
                 f"“{first.campaign}”.\n\nSee every use on My photos: "
                 f"{settings.SITE_URL}{reverse('photos:mine')}\n"),
        from_email=None, recipient_list=[photo.owner.email])
    return True


# --- collections -------------------------------------------------------------

@transaction.atomic
def collection_create(*, owner: User, name: str, description: str = "") -> Collection:
    name = name.strip()
    if not name:
        raise ValueError("Give the collection a name.")
    return Collection.objects.create(owner=owner, name=name[:120], description=description)


@transaction.atomic
def collection_add(*, collection: Collection, photo_id) -> CollectionItem:
    """Add a cleared photo; raises ``Photo.DoesNotExist`` for any other id."""
    photo = Photo.objects.cleared().get(pk=photo_id)
    item, _ = CollectionItem.objects.get_or_create(collection=collection, photo_key=photo.pk,
                                                   defaults={"photo": photo})
    listing_ensure_open(photo)  # its recall will find this collection
    return item


@transaction.atomic
def collection_remove(*, collection: Collection, photo_id) -> None:
    CollectionItem.objects.filter(collection=collection, photo_key=photo_id).delete()
