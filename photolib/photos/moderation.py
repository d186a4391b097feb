"""Moderation: reviewers' decisions and residents' withdrawal of single photos.

Every decision writes a ``ModerationEvent`` (who, when, what, why) in the same
transaction as the change it records. Callers: the review views, the "my photos"
withdraw action, ``seed_demo`` and tests.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from photolib.accounts.models import User
from photolib.consent.services import RequestContext, consent_withdraw_photo
from photolib.photos.models import ModerationEvent, Photo

_NO_CONTEXT = RequestContext()  # callers without a request (tests, scripts)


class ModerationError(Exception):
    """A decision that does not apply to the photo's state; ``str()`` says why."""


def _event(photo: Photo, actor: User, action: str, reason: str = "") -> ModerationEvent:
    return ModerationEvent.objects.create(photo=photo, photo_id_value=photo.pk, actor=actor,
                                          action=action, reason=reason)


def _locked(photo_id) -> Photo:
    return Photo.objects.select_for_update().get(pk=photo_id)


@transaction.atomic
def photo_approve(*, photo_id, acting_user: User) -> Photo:
    """Approve a photo waiting for review; it enters the catalog if every other
    condition of the rights-cleared rule holds. Raises ``ModerationError``."""
    photo = _locked(photo_id)
    if photo.status != Photo.Status.PENDING_REVIEW:
        raise ModerationError(f"“{photo.title}” is {photo.get_status_display().lower()}, "
                              "not waiting for review.")
    photo.status = Photo.Status.APPROVED
    photo.status_reason = ""
    photo.reviewed_at = timezone.now()
    photo.reviewed_by = acting_user
    photo.save(update_fields=["status", "status_reason", "reviewed_at", "reviewed_by"])
    _event(photo, acting_user, ModerationEvent.Action.APPROVE)
    # The catalog's search document is built from the approved, final metadata.
    from photolib.catalog.search import index_photo

    index_photo(photo)
    return photo


def photo_approve_many(*, photo_ids: Iterable, acting_user: User) -> tuple[int, list[str]]:
    """Approve each photo on its own; returns (approved count, problems)."""
    approved, problems = 0, []
    for photo_id in photo_ids:
        try:
            photo_approve(photo_id=photo_id, acting_user=acting_user)
            approved += 1
        except (ModerationError, Photo.DoesNotExist) as exc:
            problems.append(str(exc) if isinstance(exc, ModerationError)
                            else f"No photo {photo_id}.")
    return approved, problems


@transaction.atomic
def photo_reject(*, photo_id, acting_user: User, reason: str) -> Photo:
    """Reject a photo waiting for review, with a reason the resident reads."""
    reason = reason.strip()
    if not reason:
        raise ModerationError("Give the resident a reason for the rejection.")
    photo = _locked(photo_id)
    if photo.status != Photo.Status.PENDING_REVIEW:
        raise ModerationError(f"“{photo.title}” is not waiting for review.")
    photo.status = Photo.Status.REJECTED
    photo.status_reason = reason
    photo.reviewed_at = timezone.now()
    photo.reviewed_by = acting_user
    photo.save(update_fields=["status", "status_reason", "reviewed_at", "reviewed_by"])
    _event(photo, acting_user, ModerationEvent.Action.REJECT, reason)
    owner, title = photo.owner, photo.title
    transaction.on_commit(lambda: send_mail(
        subject=f"Your photo “{title}” was not accepted",
        message=(f"Hello {owner.display_name},\n\nA reviewer did not accept your photo "
                 f"“{title}”.\n\nReason: {reason}\n\nYou can see it on My photos: "
                 f"{settings.SITE_URL}{reverse('photos:mine')}\n"),
        from_email=None, recipient_list=[owner.email]))
    return photo


@transaction.atomic
def photo_take_down(*, photo_id, acting_user: User, reason: str) -> Photo:
    """Take an approved photo out of the catalog at once, with a reason."""
    reason = reason.strip()
    if not reason:
        raise ModerationError("Give a reason for the takedown.")
    photo = _locked(photo_id)
    if photo.status != Photo.Status.APPROVED or photo.taken_down_at is not None:
        raise ModerationError(f"“{photo.title}” is not in the catalog.")
    photo.taken_down_at = timezone.now()
    photo.takedown_reason = reason
    photo.save(update_fields=["taken_down_at", "takedown_reason"])
    _event(photo, acting_user, ModerationEvent.Action.TAKE_DOWN, reason)
    return photo


@transaction.atomic
def photo_withdraw(*, photo_id, acting_user: User,
                   context: RequestContext = _NO_CONTEXT) -> Photo:
    """The owner withdraws one photo: it leaves the catalog at once, for good.

    The withdrawal is also a consent-ledger record (``consent_withdraw_photo``,
    with its own receipt mail) in the same transaction; ``context`` is where the
    request came from."""
    photo = _locked(photo_id)
    if photo.owner_id != acting_user.pk:
        raise Photo.DoesNotExist  # not theirs: as if it did not exist
    if photo.withdrawn_at is not None:
        raise ModerationError(f"“{photo.title}” is already withdrawn.")
    photo.withdrawn_at = timezone.now()
    photo.save(update_fields=["withdrawn_at"])
    _event(photo, acting_user, ModerationEvent.Action.WITHDRAW)
    consent_withdraw_photo(user=acting_user, group=photo.group,
                           version=photo.agreement_version, photo_id=photo.pk,
                           photo_title=photo.title, context=context)
    return photo
