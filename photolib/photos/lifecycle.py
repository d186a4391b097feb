"""The resident's own changes to a photo that waits for review: edit and delete.

Callers: the photos views and tests. Reviewers' decisions (approve, reject, take down,
retry) and the owner's withdrawal of an approved photo are in ``moderation``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import partial

from django.core.files.storage import storages
from django.db import transaction

from photolib.accounts.models import User
from photolib.photos import errors
from photolib.photos.ingest import rendition_keys
from photolib.photos.keys import ORIGINALS, RENDITIONS, delete_quietly
from photolib.photos.models import ModerationEvent, Photo, PhotoAttestation
from photolib.photos.uploads import clean_details, clean_tags, tags_named


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
    photo.title, photo.description, photo.place_name = clean_details(
        title=title, description=description, place_name=place_name)
    photo.save(update_fields=["title", "description", "place_name"])
    photo.tags.set(tags_named(clean_tags(tags)))
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
    renditions = rendition_keys(photo)
    ModerationEvent.objects.create(
        photo_id_value=photo.id, photo=photo, actor=acting_user,
        action=ModerationEvent.Action.DELETE,
        reason=f"Deleted by its owner while {photo.get_status_display().lower()}: "
               f"“{photo.title}” ({photo.original_name}).")
    PhotoAttestation.objects.filter(photo=photo).delete()
    photo.delete()
    transaction.on_commit(partial(delete_quietly, storages[ORIGINALS], originals))
    transaction.on_commit(partial(delete_quietly, storages[RENDITIONS], renditions))
