"""The API listens to what the apps below announce (after their transactions commit) and
turns it into webhook events; connected in ``ApiConfig.ready()``. Nothing below imports
this app.

- ``catalog.signals.rights_ended`` (the recall fan-out closed a photo's listing):
  ``photo.taken_down``, ``photo.expired``, or ``photo.withdrawn`` for every other reason
  (withdrawn, consent for the group withdrawn, deleted, erased), with the reason in ``data``.
- ``consent.signals.agreement_published``: ``agreement.published``.
"""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver
from django.urls import reverse

from photolib.api.models import Event
from photolib.api.webhooks import webhook_event_publish
from photolib.catalog.models import Listing
from photolib.catalog.signals import rights_ended
from photolib.consent.models import AgreementVersion
from photolib.consent.signals import agreement_published

EVENT_FOR_REASON = {
    Listing.Reason.TAKEN_DOWN: Event.PHOTO_TAKEN_DOWN,
    Listing.Reason.EXPIRED: Event.PHOTO_EXPIRED,
}


@receiver(rights_ended, sender=Listing, dispatch_uid="api.webhooks_rights_ended")
def photo_left_catalog(sender, *, photo_key: str, reason: str, rights_ended_at: str,
                       **kwargs) -> None:
    event = EVENT_FOR_REASON.get(reason, Event.PHOTO_WITHDRAWN)
    webhook_event_publish(event=event, data={
        "photo_id": photo_key, "reason": reason, "rights_ended_at": rights_ended_at,
        "licence_url": f"{settings.SITE_URL}{reverse('catalog:licence', args=[photo_key])}",
    })


@receiver(agreement_published, sender=AgreementVersion,
          dispatch_uid="api.webhooks_agreement_published")
def agreement_version_published(sender, *, version_id: int, **kwargs) -> None:
    version = AgreementVersion.objects.select_related("group").get(pk=version_id)
    webhook_event_publish(event=Event.AGREEMENT_PUBLISHED, data={
        "group": version.group.slug, "group_name": version.group.name,
        "version": version.number,
        "published_at": version.published_at.isoformat(timespec="seconds"),
        "text_sha256": version.text_sha256,
        "url": f"{settings.SITE_URL}"
               f"{reverse('consent:agreement_detail', args=[version.pk])}",
        "permitted_uses": list(version.permitted_uses),
    })
