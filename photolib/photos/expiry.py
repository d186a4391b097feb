"""The end of a photo's licence term: a reminder to its owner, and renewal.

``PHOTOLIB_EXPIRY_NOTICE_DAYS`` before a photo's term ends (``rights_expire_at``), the
periodic job :func:`expiry_reminders` mails its owner once for that term, naming every
photo of theirs ending within the window and where to renew. Renewing
(:func:`photos_renew`) is a new consent-ledger GRANT under the group's current agreement,
collected by the renewal form (``consent_renew``); the photos renewed then rest on that
grant: its version, and a term counted from it. A photo whose term has ended may be renewed
too; it returns to the catalog if the rest of the rule holds. At expiry, the catalog's
recall scan tells whoever holds the photo.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from photolib.accounts.language import override_for
from photolib.accounts.models import User
from photolib.celery import enqueue
from photolib.consent.models import CommunityGroup
from photolib.consent.services import RequestContext, consent_renew
from photolib.photos import errors
from photolib.photos.models import ModerationEvent, Photo
from photolib.photos.signals import announce, photo_facts_changed

REMINDER_MAIL_TASK = "photolib.photos.tasks.send_expiry_reminder"


def renewable(owner: User) -> list[Photo]:
    """The owner's photos whose term ends within the window or has ended, that a renewal
    could bring back: approved, not withdrawn, not taken down; soonest first."""
    window = timezone.now() + timedelta(days=settings.PHOTOLIB_EXPIRY_NOTICE_DAYS)
    return list(Photo.objects.owned_by(owner)
                .filter(status=Photo.Status.APPROVED, withdrawn_at__isnull=True,
                        taken_down_at__isnull=True, legal_hold_until__isnull=True,
                        rights_expire_at__isnull=False, rights_expire_at__lte=window)
                .select_related("group").order_by("rights_expire_at", "title"))


def _due() -> Q:
    window = timezone.now() + timedelta(days=settings.PHOTOLIB_EXPIRY_NOTICE_DAYS)
    return (Q(status=Photo.Status.APPROVED, withdrawn_at__isnull=True,
              taken_down_at__isnull=True, legal_hold_until__isnull=True,
              rights_expire_at__gt=timezone.now(), rights_expire_at__lte=window)
            & (Q(expiry_reminded_for__isnull=True)
               | ~Q(expiry_reminded_for=F("rights_expire_at"))))


def expiry_reminders() -> str:
    """The periodic job: one reminder per owner for their photos newly within the window.
    Marks each photo reminded for its current end of term in the same transaction as the
    outbox row of the mail, so a second run (or one beside it) reminds nobody again."""
    owners = 0
    with transaction.atomic():
        due = list(Photo.objects.select_for_update(skip_locked=True).filter(_due())
                   .values_list("pk", "owner_id"))
        by_owner: dict[int, list[str]] = defaultdict(list)
        for pk, owner_id in due:
            by_owner[owner_id].append(str(pk))
        for owner_id, ids in by_owner.items():
            Photo.objects.filter(pk__in=ids).update(expiry_reminded_for=F("rights_expire_at"))
            enqueue(REMINDER_MAIL_TASK, owner_id, ids)
            owners += 1
    return f"expiry reminders: {len(due)} photos, {owners} residents"


def expiry_reminder_mail(*, owner_id: int, photo_ids: list[str]) -> bool:
    """The reminder (the task's body); False, nothing sent, when nothing is left to renew."""
    owner = User.objects.filter(pk=owner_id, is_active=True).first()
    if owner is None:
        return False
    wanted = {uuid.UUID(i) for i in photo_ids}
    photos = [p for p in renewable(owner) if p.pk in wanted]
    if not photos:
        return False
    with override_for(owner):  # in the resident's language
        lines = [_("- “%(title)s” (%(group)s): licensed to the city until %(date)s") % {
            "title": p.title, "group": p.group.name, "date": f"{p.rights_expire_at:%Y-%m-%d}"}
            for p in photos]
        subject = (_("%(count)d of your photos will stop being used soon") % {
            "count": len(photos)} if len(photos) > 1 else
            _("Your photo “%(title)s” will stop being used soon") % {"title": photos[0].title})
        message = _("Hello %(name)s,\n\nThe licence you gave the city ends soon for:\n"
                    "%(lines)s\n\nIf you want the city to keep using them, renew by accepting "
                    "the group's current agreement for these photos: %(url)s\n\nIf you do "
                    "nothing, the city starts no new use of them once the term ends.\n") % {
            "name": owner.display_name, "lines": "\n".join(lines),
            "url": f"{settings.SITE_URL}{reverse('photos:renew')}"}
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[owner.email])
    return True


@transaction.atomic
def photos_renew(*, owner: User, group: CommunityGroup, photo_ids: Iterable,
                 version_id, statements_affirmed: list[str],
                 context: RequestContext) -> list[Photo]:
    """Renew the term of the owner's photos in ``group`` (those of :func:`renewable`), under
    the group's current agreement: one ledger GRANT (``consent_renew``), which the photos
    then rest on, a new term counted from it, and a ``ModerationEvent`` each. Raises
    ``WrongState`` when no photo named can be renewed, and what ``consent_renew`` raises;
    nothing changes then."""
    wanted = {str(i) for i in photo_ids}
    photos = [p for p in renewable(owner) if str(p.pk) in wanted and p.group_id == group.pk]
    if not photos:
        raise errors.WrongState(_("Choose at least one of your photos whose term ends soon."))
    record = consent_renew(user=owner, group=group, version_id=version_id,
                           statements_affirmed=statements_affirmed, context=context)
    version = record.agreement_version
    ends = version.term_ends(record.created_at)
    locked = list(Photo.objects.select_for_update().filter(pk__in=[p.pk for p in photos]))
    for photo in locked:
        photo.consent_record = record
        photo.agreement_version = version
        photo.rights_expire_at = ends
        photo.save(update_fields=["consent_record", "agreement_version", "rights_expire_at"])
        ModerationEvent.objects.create(
            photo=photo, photo_id_value=photo.pk, actor=owner,
            action=ModerationEvent.Action.RENEW,
            reason=(f"Renewed by its owner under {group.name} agreement v{version.number}, "
                    + (f"until {ends:%Y-%m-%d}." if ends else "with no end of term.")))
        announce(photo_facts_changed, photo.pk)  # its licence term: the catalog's copy
    return locked
