"""The residents' use digest: each later use of their photos, in one mail a week.

The first use of a photo is mailed at once (``services.photo_first_use_mail``); every
other download waits in ``Download.owner_told_at`` (empty) until the periodic job
:func:`use_digest` finds, for an owner, an untold use at least
``PHOTOLIB_USE_DIGEST_DAYS`` old, and then mails them every untold use in one message. The
uses are marked told in the transaction that writes the mail's outbox row, so a second
run mails nothing again. ``PHOTOLIB_USE_DIGEST_DAYS = 0`` turns the digest off.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from photolib.accounts.language import override_for
from photolib.accounts.models import User
from photolib.catalog.models import Download
from photolib.celery import enqueue
from photolib.consent.models import USE_LABELS

DIGEST_MAIL_TASK = "photolib.catalog.tasks.send_use_digest"


def use_digest() -> str:
    days = settings.PHOTOLIB_USE_DIGEST_DAYS
    if days <= 0:
        return "use digest: off"
    cutoff = timezone.now() - timedelta(days=days)
    owners = 0
    with transaction.atomic():
        due = set(Download.objects.filter(owner_told_at__isnull=True, at__lte=cutoff)
                  .values_list("photo__owner_id", flat=True))
        rows = list(Download.objects.select_for_update(skip_locked=True)
                    .filter(owner_told_at__isnull=True, photo__owner_id__in=due)
                    .values_list("pk", "photo__owner_id"))
        by_owner: dict[int, list[str]] = defaultdict(list)
        for pk, owner_id in rows:
            by_owner[owner_id].append(str(pk))
        now = timezone.now()
        for owner_id, ids in by_owner.items():
            Download.objects.filter(pk__in=ids).update(owner_told_at=now)
            enqueue(DIGEST_MAIL_TASK, owner_id, ids)
            owners += 1
    return f"use digest: {len(rows)} uses, {owners} residents"


def use_digest_mail(*, owner_id: int, download_ids: list[str]) -> bool:
    """The digest (the task's body); False, nothing sent, for an erased or inactive owner."""
    owner = User.objects.filter(pk=owner_id, is_active=True).first()
    uses = list(Download.objects.filter(pk__in=download_ids, photo__owner_id=owner_id)
                .select_related("photo").order_by("at"))
    if owner is None or not uses:
        return False
    with override_for(owner):  # in the resident's language
        lines = [f"- {d.at:%Y-%m-%d}: “{d.photo.title}”, {_(USE_LABELS.get(d.use, d.use))}, "
                 f"“{d.campaign}”" for d in uses]
        subject = ngettext("The city used your photos %(count)d time",
                           "The city used your photos %(count)d times",
                           len(uses)) % {"count": len(uses)}
        message = _("Hello %(name)s,\n\nSince the last message, the city used your photos:\n"
                    "%(lines)s\n\nSee every use on My photos: %(url)s\n") % {
            "name": owner.display_name, "lines": "\n".join(lines),
            "url": f"{settings.SITE_URL}{reverse('photos:mine')}"}
    send_mail(subject=subject, message=message, from_email=None, recipient_list=[owner.email])
    return True
