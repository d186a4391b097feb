"""Uploads: the checks a resident's file and answers pass, and ``photo_upload``, which stores
the original and creates the photo's rows.

Callers: the upload view, the demo seed and tests. Nothing of the photo is decoded here
beyond headers; the ingest task (``photolib.photos.ingest``) does the rest once the rows are
committed. A signed release is opened in full first (``photolib.photos.releases``): it is
kept as evidence, so it must be refused now or never.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import media_ingest
from media_ingest import IngestError, Limits
from photolib.accounts.models import User
from photolib.celery import enqueue
from photolib.consent.models import CommunityGroup
from photolib.consent.selectors import membership
from photolib.photos import errors
from photolib.photos.attestation import attestation_statement
from photolib.photos.keys import (
    ORIGINALS,
    delete_quietly,
    display_name,
    original_key,
    release_key,
    typed_file,
)
from photolib.photos.models import People, Photo, PhotoAttestation, Tag, release_needed
from photolib.photos.pipeline import TRANSIENT_ERRORS, ingest_limits, pillow_lock
from photolib.photos.refusals import refusal_text
from photolib.photos.releases import check_release

logger = logging.getLogger(__name__)

MAX_TAGS = 20
INGEST_TASK = "photolib.photos.tasks.ingest_photo"


def enqueue_ingest_on_commit(photo_id: uuid.UUID) -> None:
    """Ask for the photo's ingest in the current transaction; the task goes out once it
    commits (``photolib.celery.enqueue``: an outbox row, so a broker outage delays the
    ingest but never loses it or fails the upload)."""
    enqueue(INGEST_TASK, str(photo_id))


def _storage_failure(exc: BaseException) -> errors.StorageUnavailable:
    logger.error("storage failed during an upload: %r", exc)
    return errors.StorageUnavailable(_(
        "We could not store your photo just now, so nothing was saved. Please try again in a "
        "few minutes."))


def _check_image(upload: File, limits: Limits) -> media_ingest.SniffResult:
    """Sniff and check limits from headers only; nothing is decoded, nothing stored."""
    try:
        with pillow_lock:
            return media_ingest.check_upload(upload.file, upload.size, limits)
    except IngestError as exc:
        raise errors.FileRefused(refusal_text(exc), code=exc.code) from exc


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Trimmed, lower-case, unique tag names in the order given; raises ``InvalidInput``."""
    names: list[str] = []
    for raw in tags:
        name = " ".join(str(raw).split()).lower()
        if not name or name in names:
            continue
        if len(name) > Tag._meta.get_field("name").max_length:
            raise errors.InvalidInput(_("The tag “%(tag)s…” is too long (60 characters at "
                                        "most).") % {"tag": name[:30]}, field="tags")
        names.append(name)
    if len(names) > MAX_TAGS:
        raise errors.InvalidInput(_("Use at most %(count)d tags.") % {"count": MAX_TAGS},
                                  field="tags")
    return names


def clean_details(*, title: str, description: str, place_name: str) -> tuple[str, str, str]:
    title = " ".join((title or "").split())
    if not title:
        raise errors.InvalidInput(_("Give the photo a title."), field="title")
    if len(title) > 200:
        raise errors.InvalidInput(_("Keep the title under 200 characters."), field="title")
    place_name = " ".join((place_name or "").split())
    if len(place_name) > 200:
        raise errors.InvalidInput(_("Keep the place name under 200 characters."),
                                  field="place_name")
    return title, (description or "").strip(), place_name


#: IPTC's ceiling for alt text (it aims at about 125 characters).
ALT_TEXT_MAX = 250


def clean_alt_text(alt_text: str, extended_description: str) -> tuple[str, str]:
    """Alt text on one line of at most ``ALT_TEXT_MAX`` characters, and the extended
    description trimmed. Raises ``InvalidInput`` naming the field."""
    alt_text = " ".join((alt_text or "").split())
    if len(alt_text) > ALT_TEXT_MAX:
        raise errors.InvalidInput(
            _("Keep the alt text to %(max)d characters (it has %(n)d); put the rest in the "
              "extended description.") % {"max": ALT_TEXT_MAX, "n": len(alt_text)},
            field="alt_text")
    return alt_text, (extended_description or "").strip()


def uploads_in_last_day(user: User) -> int:
    return Photo.objects.filter(owner=user,
                                uploaded_at__gte=timezone.now() - timedelta(days=1)).count()


def _check_daily_limit(user: User) -> None:
    limit = settings.PHOTOLIB_UPLOADS_PER_DAY
    if uploads_in_last_day(user) >= limit:
        raise errors.DailyLimitReached(
            _("You have uploaded %(count)d photos in the last 24 hours, the most we accept in a "
              "day. Please upload the rest tomorrow.") % {"count": limit})


def photo_upload(
    *,
    acting_user: User,
    group: CommunityGroup,
    upload: File,
    title: str,
    description: str = "",
    tags: Iterable[str] = (),
    place_name: str = "",
    hide_location: bool = False,
    own_work: bool,
    people: str,
    release: File | None = None,
) -> Photo:
    """Store one original and create its ``processing`` row, attestation and tags; return it.

    ``upload`` is a Django ``File`` (an ``UploadedFile`` from a request); it is read in
    chunks, never whole. Order: permission and input checks, content sniffing and header-only
    limits (``media_ingest.check_upload``), the release opened in full (``check_release``), the
    daily limit, then the original (and release) go to the ``originals`` storage, then the
    rows in one transaction; the ingest task is enqueued when it commits.
    ``hide_location``: marketing never sees where it was taken.

    Raises ``NotAllowed`` (not a verified resident with a grant under the group's current
    agreement), ``InvalidInput``, ``FileRefused`` (format, bytes, pixels), ``DailyLimitReached``
    or ``StorageUnavailable``. Whatever is raised, nothing is left behind: no row, no object.
    """
    if not (acting_user.is_active and acting_user.has_perm("accounts.contribute")):
        raise errors.NotAllowed(_("Only residents can upload photos."))
    if not acting_user.is_verified:
        raise errors.NotAllowed(_("Confirm your email address before uploading photos."))
    state = membership(acting_user, group)
    if not state.may_upload:
        if state.needs_reaccept:
            raise errors.NotAllowed(
                _("%(group)s has a new version of its agreement. Read and accept it before "
                  "uploading more photos.") % {"group": group})
        raise errors.NotAllowed(_("Join %(group)s (accept its agreement) before uploading to it.")
                                % {"group": group})
    grant = state.grant
    version = grant.agreement_version

    title, description, place_name = clean_details(
        title=title, description=description, place_name=place_name)
    tag_names = clean_tags(tags)
    if not own_work:
        raise errors.InvalidInput(_("You can only share photos you took yourself: tick the "
                                    "statement to confirm it."), field="own_work")
    if people not in People.values:
        raise errors.InvalidInput(_("Say whether identifiable people appear in the photo."),
                                  field="people")
    needs_release = release_needed(people,
                                   required_for_people=version.release_required_for_people)
    if needs_release and release is None:
        raise errors.InvalidInput(
            _("Attach the signed release (a PDF or a photo of the signed page)."), field="release")
    if not needs_release:
        release = None  # nothing to keep: no one needs to have signed anything

    limits = ingest_limits()
    sniffed = _check_image(upload, limits)
    release_type = check_release(release, limits) if release is not None else None
    _check_daily_limit(acting_user)

    photo_id = uuid.uuid4()
    name = display_name(upload.name or "photo")
    originals = storages[ORIGINALS]
    stored: list[str] = []
    committing = False  # once true the rows may be committed: their files must stay
    try:
        try:
            upload.file.seek(0)
            stored_original = originals.save(
                original_key(photo_id, name, sniffed.extension),
                typed_file(upload.file, name, sniffed.mime_type))
            stored.append(stored_original)
            stored_release = ""
            if release is not None and release_type is not None:
                release.file.seek(0)
                stored_release = originals.save(
                    release_key(photo_id, release_type[0]),
                    typed_file(release.file, release.name or "release", release_type[1]))
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
                place_name=place_name, hide_location=bool(hide_location), original_name=name,
                original_key=stored_original,
                original_size=upload.size, mime_type=sniffed.mime_type, format=sniffed.format,
            )
            if tag_names:
                photo.tags.set(tags_named(tag_names))
            PhotoAttestation.objects.create(
                photo=photo, consent_record=grant, own_work=True, people=people,
                release_key=stored_release,
                release_name=display_name(release.name or "release") if release else "",
                statement=attestation_statement(own_work=True, people=people),
            )
            enqueue_ingest_on_commit(photo.id)
            # Past this line only the commit and its callbacks run. Whatever they raise, the
            # row may have committed (a lost connection during COMMIT says nothing either
            # way), so its original stays; ``sweep_storage`` finds a true orphan later.
            committing = True
    except BaseException:
        if not committing:  # rolled back: no row names these objects
            delete_quietly(originals, stored)
        raise
    return photo


def tags_named(names: Sequence[str]) -> list[Tag]:
    return [Tag.objects.get_or_create(name=name)[0] for name in names]
