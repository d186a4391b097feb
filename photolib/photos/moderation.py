"""Moderation: every decision about a photo past upload, each with its permission check.

Reviewers approve, reject, take down and retry; the owner withdraws an approved photo. Each
decision writes a ``ModerationEvent`` (who, when, what, why) in the same transaction as the
change it records, and raises only ``PhotoError`` subclasses: ``NotAllowed`` (no permission),
``PhotoNotFound`` (no such photo, or not the person's own) and ``WrongState`` (the decision
does not apply, or its reason is missing). Lifecycle events (``photolib.photos.signals``)
go out once the decision commits. Callers: the review views, My photos' withdraw action,
the admin, ``seed_demo`` and tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from photolib.accounts.language import override_for
from photolib.accounts.models import User
from photolib.celery import enqueue
from photolib.consent.models import CollectionMethod
from photolib.consent.services import RequestContext, consent_withdraw_photo
from photolib.photos import errors
from photolib.photos.models import ModerationEvent, Photo
from photolib.photos.selectors import stuck_in_processing
from photolib.photos.signals import announce, photo_approved, photo_taken_down, photo_withdrawn
from photolib.photos.uploads import clean_alt_text, enqueue_ingest_on_commit

MODERATE = "accounts.moderate"
REJECTION_MAIL_TASK = "photolib.photos.tasks.send_rejection_email"
DECISION_MAIL_TASK = "photolib.photos.tasks.send_decision_email"
_NO_CONTEXT = RequestContext()  # callers without a request (tests, scripts)


def _event(photo: Photo, actor: User, action: str, reason: str = "") -> ModerationEvent:
    return ModerationEvent.objects.create(photo=photo, photo_id_value=photo.pk, actor=actor,
                                          action=action, reason=reason)


def _as_reviewer(acting_user: User) -> None:
    if not (acting_user.is_active and acting_user.has_perm(MODERATE)):
        raise errors.NotAllowed(_("Only reviewers can make this decision."))


def _locked(photo_id: uuid.UUID | str) -> Photo:
    try:
        photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
    except (ValueError, TypeError, ValidationError) as exc:  # not a photo id at all
        raise errors.PhotoNotFound(_("No such photo.")) from exc
    if photo is None:
        raise errors.PhotoNotFound(_("No such photo."))
    return photo


def _reason(reason: str, missing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise errors.WrongState(missing, field="reason")
    return reason


@transaction.atomic
def photo_approve(*, photo_id: uuid.UUID | str, acting_user: User,
                  alt_text: str | None = None,
                  extended_description: str | None = None) -> Photo:
    """Approve a photo waiting for review; it enters the catalog if every other
    condition of the rights-cleared rule holds. Announces ``photo_approved``.

    ``alt_text`` and ``extended_description``, when given, are saved with the approval
    (the review page asks for alt text when the resident wrote none); when ``alt_text``
    is given it must not be empty unless the photo already has alt text, and at most 250
    characters (``InvalidInput``; nothing is approved then)."""
    _as_reviewer(acting_user)
    photo = _locked(photo_id)
    if photo.status != Photo.Status.PENDING_REVIEW:
        raise errors.WrongState(_("“%(title)s” is %(status)s, not waiting for review.")
                                % {"title": photo.title,
                                   "status": photo.get_status_display().lower()})
    fields = ["status", "status_reason", "reviewed_at", "reviewed_by"]
    if alt_text is not None or extended_description is not None:
        alt, extended = clean_alt_text(
            photo.alt_text if alt_text is None else alt_text,
            photo.extended_description if extended_description is None
            else extended_description)
        if not alt:
            raise errors.InvalidInput(
                _("Write the alt text first: say in a sentence what the photo shows, for "
                  "people who cannot see it."), field="alt_text")
        photo.alt_text, photo.extended_description = alt, extended
        fields += ["alt_text", "extended_description"]
    photo.status = Photo.Status.APPROVED
    photo.status_reason = ""
    photo.reviewed_at = timezone.now()
    photo.reviewed_by = acting_user
    photo.save(update_fields=fields)
    _event(photo, acting_user, ModerationEvent.Action.APPROVE)
    announce(photo_approved, photo.pk)
    enqueue(DECISION_MAIL_TASK, str(photo.pk), ModerationEvent.Action.APPROVE)
    return photo


@transaction.atomic
def photo_set_focal_point(*, photo_id: uuid.UUID | str, acting_user: User, x, y) -> Photo:
    """Where the photo's social crops centre: ``x`` and ``y`` as fractions (0..1) of its
    width and height from the top left, as a reviewer clicked it. Raises ``InvalidInput``
    for anything else (nothing is saved) and ``PhotoNotFound``."""
    _as_reviewer(acting_user)
    try:
        fx, fy = float(x), float(y)
    except (TypeError, ValueError):
        fx = fy = float("nan")
    if not (0.0 <= fx <= 1.0 and 0.0 <= fy <= 1.0):
        raise errors.InvalidInput(_("Click on the photo to set its focal point."),
                                  field="focal_point")
    photo = _locked(photo_id)
    photo.focal_x, photo.focal_y = round(fx, 4), round(fy, 4)
    photo.save(update_fields=["focal_x", "focal_y"])
    return photo


def photo_approve_many(*, photo_ids: Iterable, acting_user: User) -> tuple[int, list[str]]:
    """Approve each photo on its own; returns (approved count, problems)."""
    approved, problems = 0, []
    for photo_id in photo_ids:
        try:
            photo_approve(photo_id=photo_id, acting_user=acting_user)
            approved += 1
        except errors.PhotoNotFound:
            problems.append(f"No photo {photo_id}.")
        except errors.PhotoError as exc:
            problems.append(str(exc))
    return approved, problems


@transaction.atomic
def photo_reject(*, photo_id: uuid.UUID | str, acting_user: User, reason: str) -> Photo:
    """Reject a photo waiting for review, with a reason the resident reads (mailed to them
    once this commits)."""
    _as_reviewer(acting_user)
    reason = _reason(reason, _("Give the resident a reason for the rejection."))
    photo = _locked(photo_id)
    if photo.status != Photo.Status.PENDING_REVIEW:
        raise errors.WrongState(_("“%(title)s” is not waiting for review.")
                                % {"title": photo.title})
    photo.status = Photo.Status.REJECTED
    photo.status_reason = reason
    photo.reviewed_at = timezone.now()
    photo.reviewed_by = acting_user
    photo.save(update_fields=["status", "status_reason", "reviewed_at", "reviewed_by"])
    _event(photo, acting_user, ModerationEvent.Action.REJECT, reason)
    enqueue(REJECTION_MAIL_TASK, str(photo.pk))  # mailed by a task once this commits
    return photo


def photo_rejection_mail(*, photo_id: uuid.UUID | str) -> bool:
    """Mail the owner why their photo was rejected (the rejection task's body); False, and
    nothing sent, when the photo is gone or no longer rejected. Raises what the mail
    backend raises (``OSError``, ``smtplib.SMTPException``), for the task to retry."""
    photo = (Photo.objects.select_related("owner")
             .filter(pk=photo_id, status=Photo.Status.REJECTED).first())
    if photo is None:
        return False
    owner = photo.owner
    with override_for(owner):  # in the resident's language
        subject = _("Your photo “%(title)s” was not accepted") % {"title": photo.title}
        message = _("Hello %(name)s,\n\nA reviewer did not accept your photo “%(title)s”.\n\n"
                    "Reason: %(reason)s\n\nYou can see it on My photos: %(url)s\n") % {
            "name": owner.display_name, "title": photo.title, "reason": photo.status_reason,
            "url": f"{settings.SITE_URL}{reverse('photos:mine')}"}
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[owner.email])
    return True


def photo_decision_mail(*, photo_id: uuid.UUID | str, action: str) -> bool:
    """Tell the owner a reviewer approved their photo or took it down (with the reason):
    the decision mail task's body. False, and nothing sent, when the photo is gone or the
    decision no longer stands (a later one changed it). Raises what the mail backend raises,
    for the task to retry."""
    photo = Photo.objects.select_related("owner").filter(pk=photo_id).first()
    if photo is None:
        return False
    owner, mine = photo.owner, f"{settings.SITE_URL}{reverse('photos:mine')}"
    with override_for(owner):  # in the resident's language
        if action == ModerationEvent.Action.APPROVE and photo.status == Photo.Status.APPROVED:
            subject = _("Your photo “%(title)s” was approved") % {"title": photo.title}
            body = _("A reviewer approved your photo “%(title)s”. While your consent for "
                     "%(group)s stands, the city may use it as the agreement says; you will "
                     "get a mail each time it is used.") % {"title": photo.title,
                                                            "group": photo.group.name}
        elif action == ModerationEvent.Action.TAKE_DOWN and photo.taken_down_at is not None:
            subject = _("Your photo “%(title)s” was taken down") % {"title": photo.title}
            body = _("A reviewer took your photo “%(title)s” out of the city's catalog on "
                     "%(date)s: the city will not start any new use of it, and those who "
                     "downloaded it were asked to remove it.\n\nReason: %(reason)s") % {
                "title": photo.title, "date": f"{photo.taken_down_at:%Y-%m-%d}",
                "reason": photo.takedown_reason}
        else:
            return False
        message = _("Hello %(name)s,\n\n%(body)s\n\nMy photos: %(url)s\n") % {
            "name": owner.display_name, "body": body, "url": mine}
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[owner.email])
    return True


@transaction.atomic
def photo_take_down(*, photo_id: uuid.UUID | str, acting_user: User, reason: str) -> Photo:
    """Take an approved photo out of the catalog at once, with a reason. Announces
    ``photo_taken_down``."""
    _as_reviewer(acting_user)
    reason = _reason(reason, _("Give a reason for the takedown."))
    photo = _locked(photo_id)
    if photo.status != Photo.Status.APPROVED or photo.taken_down_at is not None:
        raise errors.WrongState(_("“%(title)s” is not in the catalog.") % {"title": photo.title})
    photo.taken_down_at = timezone.now()
    photo.takedown_reason = reason
    photo.save(update_fields=["taken_down_at", "takedown_reason"])
    _event(photo, acting_user, ModerationEvent.Action.TAKE_DOWN, reason)
    announce(photo_taken_down, photo.pk)
    enqueue(DECISION_MAIL_TASK, str(photo.pk), ModerationEvent.Action.TAKE_DOWN)
    return photo


@transaction.atomic
def photo_withdraw(*, photo_id: uuid.UUID | str, acting_user: User,
                   context: RequestContext = _NO_CONTEXT,
                   method: str = CollectionMethod.PHOTO_WITHDRAW_BUTTON,
                   send_receipt: bool = True, owner: User | None = None) -> Photo:
    """The owner withdraws one photo: it leaves the catalog at once, for good. Someone
    else's photo is ``PhotoNotFound`` (never leak it). Announces ``photo_withdrawn``.

    The withdrawal is also a consent-ledger record (``consent_withdraw_photo``, with its
    own receipt mail unless ``send_receipt`` is false, as in account erasure) in the same
    transaction; ``context`` is where the request came from, ``method`` how it was
    collected. ``owner`` (default: ``acting_user``) is whose photo it must be: an
    administrator erasing an account acts for its owner."""
    owner = owner or acting_user
    photo = _locked(photo_id)
    if photo.owner_id != owner.pk:
        raise errors.PhotoNotFound(_("No such photo."))
    if photo.withdrawn_at is not None:
        raise errors.WrongState(_("“%(title)s” is already withdrawn.") % {"title": photo.title})
    photo.withdrawn_at = timezone.now()
    photo.save(update_fields=["withdrawn_at"])
    _event(photo, acting_user, ModerationEvent.Action.WITHDRAW)
    consent_withdraw_photo(user=owner, group=photo.group,
                           version=photo.agreement_version, photo_id=photo.pk,
                           photo_title=photo.title, context=context, method=method,
                           send_receipt=send_receipt)
    announce(photo_withdrawn, photo.pk)
    return photo


RECONCILED_REASON = "Re-recorded from the evidence store after a database restore"


def photo_withdrawal_reconciled(sender, *, photo_id: str, withdrawn_at, **kwargs) -> str:
    """Receiver of consent's ``photo_withdrawal_reconciled`` (``manage.py reconcile``): a
    photo withdrawal the restore lost was re-recorded, so the photo is withdrawn again, as
    of the original withdrawal's time, in the same transaction (it leaves ``cleared()``).
    Returns what it did, for the command's report."""
    photo = Photo.objects.select_for_update().filter(pk=photo_id).first()
    if photo is None:
        return "the photo is not in the restored database"
    if photo.withdrawn_at is not None:
        return "the photo was already withdrawn"
    photo.withdrawn_at = withdrawn_at
    photo.save(update_fields=["withdrawn_at"])
    ModerationEvent.objects.create(photo=photo, photo_id_value=photo.pk, actor=None,
                                   action=ModerationEvent.Action.WITHDRAW,
                                   reason=RECONCILED_REASON)
    announce(photo_withdrawn, photo.pk)
    return "the photo is withdrawn again"


@transaction.atomic
def photo_retry_ingest(*, photo_id: uuid.UUID | str, acting_user: User) -> Photo:
    """A reviewer sends a ``failed`` photo, or one stuck in ``processing`` (longer than
    ``PHOTOLIB_STUCK_PROCESSING_MINUTES`` with no ingest asked for since), through ingest
    again; return it (``processing``). Ingest is idempotent: renditions already stored are
    kept, never made twice.

    Raises ``NotAllowed``, ``PhotoNotFound``, or ``WrongState`` for any other photo.
    """
    _as_reviewer(acting_user)
    photo = _locked(photo_id)
    cutoff = timezone.now() - timedelta(minutes=settings.PHOTOLIB_STUCK_PROCESSING_MINUTES)
    stuck = (photo.status == Photo.Status.PROCESSING
             and str(photo.pk) in stuck_in_processing(cutoff=cutoff, ids=[photo.pk]))
    if photo.status != Photo.Status.FAILED and not stuck:
        raise errors.WrongState(_("Only photos whose processing failed or is stuck can be "
                                  "retried."))
    photo.status = Photo.Status.PROCESSING
    photo.status_reason = ""
    photo.ingest_attempts = 0
    photo.save(update_fields=["status", "status_reason", "ingest_attempts"])
    _event(photo, acting_user, ModerationEvent.Action.RETRY)
    enqueue_ingest_on_commit(photo.id)
    return photo
