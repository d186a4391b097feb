"""The resident's own changes to a photo: edit while it waits for review, delete in
every state; and the deletions retention rules make.

Callers: the photos views, account erasure and the retention jobs (``photolib.rights``),
and tests. Reviewers' decisions (approve, reject, take down, retry) and the owner's
withdrawal of an approved photo are in ``moderation``.

A photo the city never used is deleted at once: rows now, its objects (original, signed
release, renditions) once the transaction commits. A photo the city already used is
withdrawn instead and kept, with its original, until ``legal_hold_until``
(``PHOTOLIB_LEGAL_HOLD_DAYS`` from then; GDPR Art. 17(3)(e)); a retention job deletes it
then. Whether it was used is the catalog's fact, so the caller says (``used``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from photolib.accounts.models import User
from photolib.consent.models import CollectionMethod
from photolib.consent.services import RequestContext
from photolib.photos import errors
from photolib.photos.ingest import rendition_keys
from photolib.photos.keys import ORIGINALS, RENDITIONS, delete_quietly
from photolib.photos.models import ModerationEvent, Photo, PhotoAttestation
from photolib.photos.moderation import photo_withdraw
from photolib.photos.signals import photo_removing
from photolib.photos.uploads import clean_alt_text, clean_details, clean_tags, tags_named

_NO_CONTEXT = RequestContext()


def _own(owner: User, photo_id: uuid.UUID | str) -> Photo:
    photo = Photo.objects.select_for_update().filter(pk=photo_id, owner=owner).first()
    if photo is None:
        raise errors.PhotoNotFound(_("No such photo."))
    return photo


def _own_editable(acting_user: User, photo_id: uuid.UUID | str) -> Photo:
    photo = _own(acting_user, photo_id)
    if not photo.is_editable:
        raise errors.NotEditable(
            _("“%(title)s” is %(status)s; photos can only be changed while they wait for "
              "review.") % {"title": photo.title, "status": photo.get_status_display().lower()})
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
    hide_location: bool = False,
    alt_text: str | None = None,
    extended_description: str | None = None,
) -> Photo:
    """Change what the owner says about a photo while it waits for review; return it.

    ``hide_location``: marketing sees neither its place nor its position. ``alt_text`` and
    ``extended_description`` (for people who cannot see the photo) stay as they are when
    not given.

    Raises ``PhotoNotFound`` (not theirs), ``NotEditable`` or ``InvalidInput``. Only these
    fields are written, so a worker finishing the ingest at the same time loses nothing.
    """
    photo = _own_editable(acting_user, photo_id)
    photo.title, photo.description, photo.place_name = clean_details(
        title=title, description=description, place_name=place_name)
    photo.hide_location = bool(hide_location)
    fields = ["title", "description", "place_name", "hide_location"]
    if alt_text is not None or extended_description is not None:
        photo.alt_text, photo.extended_description = clean_alt_text(
            photo.alt_text if alt_text is None else alt_text,
            photo.extended_description if extended_description is None
            else extended_description)
        fields += ["alt_text", "extended_description"]
    photo.save(update_fields=fields)
    photo.tags.set(tags_named(clean_tags(tags)))
    return photo


def _remove(photo: Photo, *, actor: User | None, action: str, reason: str) -> None:
    """Delete a photo's rows now and its objects once the caller's transaction commits.

    The attestation goes with it (the model refuses single deletes; this is the one place
    that removes one). A ``ModerationEvent`` keeps the photo's id, who and why. A photo
    the catalog logged a download of cannot go (its usage log protects it): the database
    refuses and nothing is deleted.
    """
    attestation = PhotoAttestation.objects.filter(photo=photo).first()
    originals = [photo.original_key, attestation.release_key if attestation else ""]
    renditions = rendition_keys(photo)
    ModerationEvent.objects.create(photo_id_value=photo.id, photo=photo, actor=actor,
                                   action=action, reason=reason)
    photo_removing.send(sender=Photo, photo=photo, action=action)
    PhotoAttestation.objects.filter(photo=photo).delete()
    photo.delete()
    transaction.on_commit(partial(delete_quietly, storages[ORIGINALS], originals))
    transaction.on_commit(partial(delete_quietly, storages[RENDITIONS], renditions))


def legal_hold_end(now=None):
    """When a used photo deleted now may itself be deleted."""
    return (now or timezone.now()) + timedelta(days=settings.PHOTOLIB_LEGAL_HOLD_DAYS)


@transaction.atomic
def photo_delete(*, acting_user: User, photo_id: uuid.UUID | str, used: bool = False,
                 context: RequestContext = _NO_CONTEXT, owner: User | None = None,
                 method: str = CollectionMethod.PHOTO_WITHDRAW_BUTTON,
                 send_receipt: bool = True) -> Photo | None:
    """Delete the owner's photo, in any state; return the photo if it was kept, else None.

    ``used``: the catalog logged a use of it. Then it is withdrawn (a ledger record, see
    ``moderation.photo_withdraw``; ``method`` and ``send_receipt`` go there) unless it
    already is, and kept until ``legal_hold_until``; otherwise rows and objects go (see
    ``_remove``). ``owner`` (default ``acting_user``): an administrator erasing an
    account acts for its owner. Raises ``PhotoNotFound`` (not theirs).
    """
    owner = owner or acting_user
    photo = _own(owner, photo_id)
    if not used:
        # The audit trail is written in the site's language, whoever's request this is.
        with translation.override(settings.LANGUAGE_CODE):
            status = photo.get_status_display().lower()
        _remove(photo, actor=acting_user, action=ModerationEvent.Action.DELETE,
                reason=f"Deleted by its owner while {status}: "
                       f"“{photo.title}” ({photo.original_name}).")
        return None
    if photo.withdrawn_at is None:
        photo_withdraw(photo_id=photo.pk, acting_user=acting_user, owner=owner,
                       context=context, method=method, send_receipt=send_receipt)
        photo.refresh_from_db(fields=["withdrawn_at"])
    if photo.legal_hold_until is None:
        photo.legal_hold_until = legal_hold_end()
        photo.save(update_fields=["legal_hold_until"])
        ModerationEvent.objects.create(
            photo_id_value=photo.id, photo=photo, actor=acting_user,
            action=ModerationEvent.Action.HOLD,
            reason=("Deletion asked after the city used it: withdrawn and kept, with its "
                    "original, for legal defence (GDPR Art. 17(3)(e)) until "
                    f"{photo.legal_hold_until:%Y-%m-%d}, then deleted."))
    return photo


@transaction.atomic
def photo_purge(*, photo_id: uuid.UUID | str, reason: str, condition: Q | None = None
                ) -> bool:
    """A retention rule deletes a photo (rows now, objects after commit); True if it was
    there (and, under its row lock, still matched ``condition``). The caller has removed
    whatever above photos still points at it."""
    photo = (Photo.objects.select_for_update().filter(pk=photo_id)
             .filter(condition if condition is not None else Q()).first())
    if photo is None:
        return False
    _remove(photo, actor=None, action=ModerationEvent.Action.PURGE, reason=reason)
    return True
