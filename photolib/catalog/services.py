"""Writes in the catalog: downloads (file with rights metadata + usage record),
collections. Every photo reaching marketing is read through ``Photo.objects.cleared()``.

Download copies live in the catalog's own storage alias (``downloads``) at
``<download uuid>/<file name>``, recorded on their ``Download`` row (``file_key``), so
``sweep_storage`` knows them.

A download copy is a stored rendition (the 1600 px preview, or the full-resolution print file
ingest makes) copied chunk by chunk to a private temporary folder, where its rights are written
(EXIF, IPTC-IIM, XMP: ``catalog.embedding``) without re-encoding the pixels and its Content
Credentials signed. No web request decodes a photo, except for a social crop (at reduced
scale). Known cost: exiv2 and the C2PA signer each read the file into memory while they work
(measured for a 19 MB print file: about +19 MB and +70 MB of peak RSS), so a print download no
longer meets bench/download_memory.py's 30 MB target; moving print copies to the worker
would restore it.
"""

from __future__ import annotations

import logging
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from media_ingest.crops import CROPS_BY_NAME, render_crop
from photolib.accounts.language import override_for
from photolib.accounts.models import ApiToken, User
from photolib.catalog.embedding import (
    EmbeddingFailed,
    embed_rights,
    manifest_definition,
    sign_credentials,
)
from photolib.catalog.errors import (
    CollectionRefused,
    DownloadRefused,
    FileMissing,
    FilePreparing,
    FileUnavailable,
    SigningFailed,
)
from photolib.catalog.models import Collection, CollectionEvent, CollectionItem, Download
from photolib.catalog.recall import listing_ensure_open
from photolib.catalog.recall import titles as recall_titles
from photolib.catalog.rights import RightsInfo
from photolib.celery import enqueue
from photolib.consent.models import USE_LABELS
from photolib.photos.ingest import photo_renditions_request
from photolib.photos.keys import PREVIEW, PRINT, RENDITIONS, typed_file
from photolib.photos.models import Photo, Rendition
from photolib.photos.pipeline import TRANSIENT_ERRORS
from photolib.storage_config import DOWNLOADS

PRINT_SPEC = PRINT
#: Bytes copied at a time from storage into a download copy.
CHUNK_BYTES = 64 * 1024
#: How long one request for a missing print file stands before another is sent.
PRINT_REQUEST_SECONDS = 600
FIRST_USE_MAIL_TASK = "photolib.catalog.tasks.send_first_use_email"

logger = logging.getLogger(__name__)

__all__ = ["CollectionRefused", "DownloadRefused", "download_prepare", "collection_create",
           "collection_add", "collection_remove", "collection_share", "collection_unshare",
           "collection_rename", "collection_delete", "collections_of", "marketing_staff"]


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


def licensee_name() -> str:
    return f"{settings.CONTROLLER_NAME}, {settings.PHOTOLIB_LICENSEE_DEPARTMENT}"


def rights_for(photo: Photo, *, download_id, rendition: str, use: str) -> RightsInfo:
    """What the copy handed out under download ``download_id`` says about its rights.

    Only a print file carries ``plus:MinorModelAgeDisclosure``: PLUS keeps that field to
    business-to-business files, and a print file goes to a printer, while web files and
    social crops are made to be published as they are."""
    creator = photo.owner.public_credit_name
    year = (photo.taken_at or photo.uploaded_at).year
    version = photo.agreement_version
    attestation = photo.attestation
    return RightsInfo(
        title=photo.title,
        creator=creator,
        credit_line=photo.credit_line(),
        copyright_notice=f"© {year} {creator}",
        usage_terms=usage_terms(photo),
        web_statement=licence_url(photo),
        licensor_name=settings.CONTROLLER_NAME,
        licensor_url=settings.SITE_URL,
        licensee_name=licensee_name(),
        licence_id=str(download_id),
        licence_start=f"{photo.consent_record.created_at:%Y-%m-%d}",
        licence_end=f"{photo.rights_expire_at:%Y-%m-%d}" if photo.rights_expire_at else "",
        people=attestation.people,
        release_on_file=bool(attestation.release_key),
        minors_disclosed=rendition == Download.Rendition.PRINT,
        ai_training_allowed=version.ai_training_allowed,
        consent_receipt_id=str(photo.consent_record_id),
        agreement_version=f"{photo.group.name} v{version.number}",
        agreement_sha256=version.text_sha256,
        stated_use=USE_LABELS.get(use, use),
        source=settings.CONTROLLER_NAME,  # IIM keeps Source to 32 bytes: the city alone
        description=photo.description,
        alt_text=photo.alt_text,
        extended_description=photo.extended_description,
    )


def check_use(photo: Photo, use: str) -> None:
    permitted = photo.agreement_version.permitted_uses
    if use not in permitted:
        allowed = ", ".join(_(USE_LABELS.get(u, u)) for u in permitted)
        raise DownloadRefused(
            _("“%(use)s” is not permitted for this photo: its agreement (%(group)s, version "
              "%(number)s) allows only %(allowed)s.")
            % {"use": _(USE_LABELS.get(use, use)), "group": photo.group.name,
               "number": photo.agreement_version.number, "allowed": allowed})


def _source(photo: Photo, rendition: str) -> Rendition:
    """The stored rendition a download is copied from: the stripped 1600 px preview, or the
    full-resolution print file (orientation applied, sRGB, no EXIF or GPS) ingest made.

    A photo without its print file yet (ingested before print files existed, or its worker
    is still at it) raises ``FilePreparing`` after asking the worker for it; the web process
    never renders one. Raises ``Rendition.DoesNotExist`` when the preview is missing."""
    spec = PREVIEW if rendition == Download.Rendition.WEB else PRINT  # crops: from print
    stored = Rendition.objects.filter(photo=photo, spec=str(spec)).first()
    if stored is not None:
        return stored
    if spec != PRINT or not photo.original_key:
        raise Rendition.DoesNotExist(f"{photo.pk} has no {spec}")
    if cache.add(f"catalog:print-request:{photo.pk}", 1, PRINT_REQUEST_SECONDS):
        with transaction.atomic():
            photo_renditions_request(photo_id=photo.pk)
    logger.info("print download of photo %s: print file not made yet; asked the worker",
                photo.pk)
    raise FilePreparing(_("The print file of “%(title)s” is being prepared, try again in a "
                          "few minutes. Nothing was downloaded or recorded.")
                        % {"title": photo.title})


#: What each download did to the resident's original, in C2PA action names.
ACTIONS = {Download.Rendition.WEB: ["c2pa.resized"], Download.Rendition.PRINT: []}
CROP_ACTIONS = ["c2pa.cropped", "c2pa.resized"]


def _copy_with_rights(photo: Photo, stored: Rendition, folder: Path, *, download_id,
                      rendition: str, use: str) -> Path:
    """Make the download copy in ``folder`` and return its path: the stored rendition copied
    chunk by chunk (or, for a social crop, the crop around the photo's focal point rendered
    from the print file), its rights written (EXIF, IPTC-IIM, XMP), then its Content
    Credentials signed over the result."""
    info = rights_for(photo, download_id=download_id, rendition=rendition, use=use)
    unsigned, signed = folder / "unsigned.jpg", folder / "signed.jpg"
    crop = CROPS_BY_NAME.get(rendition)
    with storages[RENDITIONS].open(stored.storage_key, "rb") as fh, open(unsigned, "wb") as out:
        head = fh.read(2)
        if head != b"\xff\xd8":
            raise EmbeddingFailed(f"{stored.storage_key} is not a JPEG")
        if crop is not None:
            fh.seek(0)
            out.write(render_crop(fh, crop, photo.focal_point))
        else:
            out.write(head)
            while chunk := fh.read(CHUNK_BYTES):
                out.write(chunk)
    embed_rights(unsigned, info)
    sign_credentials(unsigned, signed, manifest_definition(
        info, actions=CROP_ACTIONS if crop else ACTIONS[rendition],
        original_format=photo.mime_type, original_sha256=photo.sha256))
    return signed


def download_filename(photo: Photo, rendition: str) -> str:
    stem = re.sub(r"[^\w\- ]+", "", photo.title).strip().replace(" ", "-")[:60] or "photo"
    return f"{stem}-{rendition}.jpg"


def download_prepare(*, photo_id, user: User, rendition: str, use: str, campaign: str,
                     collection: Collection | None = None,
                     api_token: ApiToken | None = None) -> PreparedDownload:
    """Copy the stored rendition (with its rights XMP) to a download copy and record it.

    The record is written in the same transaction as the check that the photo is
    cleared; if anything fails, neither the record nor the stored file remains. A download
    asked for through the API names its ``api_token`` (of ``user``) on the record.
    Raises ``Photo.DoesNotExist`` (not cleared: callers answer 404), ``DownloadRefused``,
    ``FileMissing`` (the stored file is gone: 404), ``FilePreparing`` (the print file is not
    made yet; the worker was asked for it: 503) or ``FileUnavailable`` (storage failed or did
    not answer within its timeouts: 503). The first download of a photo enqueues the
    owner's first-use mail in the same transaction; it goes out from a task, so a mail
    server that is down never fails the download.
    """
    campaign = campaign.strip()
    if not campaign:
        raise DownloadRefused(_("Say which campaign or purpose this download is for."))
    if rendition not in Download.Rendition.values:
        raise DownloadRefused(_("Choose the web or the print rendition, or a social crop."))
    photo = cleared_photo(photo_id)
    check_use(photo, use)
    download_id = uuid.uuid4()
    # Made on disk, never a whole print file in memory.
    with tempfile.TemporaryDirectory(prefix="photolib-download-") as folder:
        try:
            made = _copy_with_rights(photo, _source(photo, rendition), Path(folder),
                                     download_id=download_id, rendition=rendition, use=use)
        except (FileNotFoundError, Rendition.DoesNotExist) as exc:
            logger.error("download of photo %s: its stored file is missing (%r)", photo.pk,
                         exc)
            raise FileMissing(_("This photo's file is missing from storage, so it cannot be "
                                "downloaded; the library's staff can restore it.")) from exc
        except TRANSIENT_ERRORS as exc:
            raise _unavailable(exc) from exc
        except EmbeddingFailed as exc:
            logger.error("download of photo %s: rights not written or signed: %s", photo.pk,
                         exc)
            raise SigningFailed(_("This photo's file could not be signed just now, so nothing "
                                  "was downloaded or recorded; the library's staff have been "
                                  "told.")) from exc
        with open(made, "rb") as copy:
            return _record(photo, copy, download_id=download_id, user=user,
                           rendition=rendition, use=use, campaign=campaign,
                           collection=collection, api_token=api_token)


def _record(photo: Photo, spool, *, download_id, user: User, rendition: str, use: str,
            campaign: str, collection: Collection | None,
            api_token: ApiToken | None) -> PreparedDownload:
    """Store the copy and write its record in one transaction (see ``download_prepare``)."""
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
                id=download_id, photo=photo, user=user, rendition=rendition, use=use,
                campaign=campaign[:200],
                consent_record_id=photo.consent_record_id,
                agreement_version_id=photo.agreement_version_id, collection=collection,
                api_token=api_token,
                owner_told_at=timezone.now() if told else None)  # else: the weekly digest
            try:
                key = f"{download.pk}/{filename}"
                name = storage.save(key, typed_file(spool, key, "image/jpeg"))
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
    with override_for(photo.owner):  # in the resident's language
        subject = _("Your photo “%(title)s” was used for the first time") % {
            "title": photo.title}
        message = _("Hello %(name)s,\n\nThe city used your photo “%(title)s” for the first "
                    "time: %(use)s, “%(campaign)s”.\n\nSee every use on My photos: %(url)s\n"
                    ) % {"name": photo.owner.display_name, "title": photo.title,
                         "use": _(USE_LABELS.get(first.use, first.use)),
                         "campaign": first.campaign,
                         "url": f"{settings.SITE_URL}{reverse('photos:mine')}"}
    send_mail(subject=subject, message=message, from_email=None,
              recipient_list=[photo.owner.email])
    return True


# --- collections -------------------------------------------------------------

def collections_of(user: User) -> QuerySet[Collection]:
    """The collections ``user`` may open: their own and those shared with them. Views
    look a collection up here, so one anyone else holds is a 404 (``DoesNotExist``)."""
    return (Collection.objects.filter(Q(owner=user) | Q(editors=user))
            .distinct().select_related("owner"))


def marketing_staff() -> QuerySet[User]:
    """Active users who may use the catalog (the role, a permission of their own, or a
    superuser): the colleagues a collection may be shared with."""
    perm = Q(groups__permissions__codename="use_catalog",
             groups__permissions__content_type__app_label="accounts") | Q(
        user_permissions__codename="use_catalog",
        user_permissions__content_type__app_label="accounts") | Q(is_superuser=True)
    return User.objects.filter(perm, is_active=True).distinct().order_by("email")


def _log(collection: Collection, actor: User | None, action: str, *, photo_key=None,
         subject: User | None = None, detail: str = "") -> CollectionEvent:
    return CollectionEvent.objects.create(collection=collection, actor=actor, action=action,
                                          photo_key=photo_key, subject=subject,
                                          detail=detail[:200])


def _owner_only(collection: Collection, acting_user: User, what: str) -> None:
    if acting_user.pk != collection.owner_id:
        raise CollectionRefused(OWNER_ONLY[what])


OWNER_ONLY = {
    "share": gettext_lazy("Only the collection’s owner can share it."),
    "stop sharing": gettext_lazy("Only the collection’s owner can stop sharing it."),
    "rename": gettext_lazy("Only the collection’s owner can rename it."),
    "delete": gettext_lazy("Only the collection’s owner can delete it."),
}


@transaction.atomic
def collection_create(*, owner: User, name: str, description: str = "") -> Collection:
    name = name.strip()
    if not name:
        raise ValueError("Give the collection a name.")
    collection = Collection.objects.create(owner=owner, name=name[:120],
                                           description=description)
    _log(collection, owner, CollectionEvent.Action.CREATED, detail=collection.name)
    return collection


@transaction.atomic
def collection_add(*, collection: Collection, photo_id,
                   acting_user: User | None = None) -> CollectionItem:
    """Add a cleared photo (by its owner or an editor, ``acting_user``; the owner when
    not given) and log it; raises ``Photo.DoesNotExist`` for any other id. Adding a photo
    already there changes nothing and logs nothing."""
    photo = Photo.objects.cleared().get(pk=photo_id)
    item, created = CollectionItem.objects.get_or_create(
        collection=collection, photo_key=photo.pk, defaults={"photo": photo})
    if created:
        _log(collection, acting_user or collection.owner, CollectionEvent.Action.ADDED,
             photo_key=photo.pk, detail=photo.title)
    listing_ensure_open(photo)  # its recall will find this collection
    return item


@transaction.atomic
def collection_remove(*, collection: Collection, photo_id,
                      acting_user: User | None = None) -> None:
    """Remove a photo (cleared or not) and log it; an id not in the collection changes
    nothing. Raises ``ValidationError``/``ValueError`` for an id that is not a uuid."""
    items = CollectionItem.objects.filter(collection=collection, photo_key=photo_id)
    item = items.select_related("photo").first()
    if item is None:
        return
    title = dict(recall_titles([item.photo_key])).get(item.photo_key, "")
    items.delete()
    _log(collection, acting_user or collection.owner, CollectionEvent.Action.REMOVED,
         photo_key=item.photo_key, detail=title)


@transaction.atomic
def collection_share(*, collection: Collection, acting_user: User, email: str) -> User:
    """Make the colleague with this email an editor (owner only). Raises
    ``CollectionRefused`` when ``acting_user`` is not the owner, or the email names no
    active marketing colleague (or the owner). Sharing twice logs once. Returns them."""
    _owner_only(collection, acting_user, "share")
    email = (email or "").strip()
    colleague = marketing_staff().filter(email__iexact=email).first() if email else None
    if colleague is None:
        raise CollectionRefused(_("“%(email)s” is not a colleague in marketing: a collection "
                                  "can only be shared with marketing staff.") % {"email": email})
    if colleague.pk == collection.owner_id:
        raise CollectionRefused(_("You own this collection already."))
    if not collection.editors.filter(pk=colleague.pk).exists():
        collection.editors.add(colleague)
        _log(collection, acting_user, CollectionEvent.Action.SHARED, subject=colleague,
             detail=colleague.email)
    return colleague


@transaction.atomic
def collection_unshare(*, collection: Collection, acting_user: User, user_id) -> None:
    """Stop sharing with one editor (owner only; ``CollectionRefused`` otherwise). An id
    that is not an editor changes nothing."""
    _owner_only(collection, acting_user, "stop sharing")
    editor = collection.editors.filter(pk=user_id).first()
    if editor is None:
        return
    collection.editors.remove(editor)
    _log(collection, acting_user, CollectionEvent.Action.UNSHARED, subject=editor,
         detail=editor.email)


@transaction.atomic
def collection_rename(*, collection: Collection, acting_user: User, name: str,
                      description: str = "") -> Collection:
    """Change the name and description (owner only). Raises ``CollectionRefused``."""
    _owner_only(collection, acting_user, "rename")
    name = (name or "").strip()
    if not name:
        raise CollectionRefused(_("Give the collection a name."))
    old = collection.name
    collection.name, collection.description = name[:120], description
    collection.save(update_fields=["name", "description"])
    if old != collection.name:
        _log(collection, acting_user, CollectionEvent.Action.RENAMED,
             detail=f"{old} → {collection.name}")
    return collection


@transaction.atomic
def collection_delete(*, collection: Collection, acting_user: User) -> None:
    """Delete the collection, its items and history (owner only; ``CollectionRefused``
    otherwise). Its downloads stay in the usage log (their collection becomes empty)."""
    _owner_only(collection, acting_user, "delete")
    collection.delete()
