"""Why a photo is not in the catalog: an explanation, never a decision.

``Photo.objects.cleared()`` alone decides whether a photo may be used. The functions here
are asked only about a photo that ``cleared()`` left out, to say in words why (for the
resident's My photos, the reviewer's approval message, the recall notices and the licence
page); they never say a photo may be used. ``tests/catalog/test_standing.py`` holds them to
the rule: every photo they explain is one ``cleared()`` leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from photolib.consent.models import CollectionMethod, ConsentRecord
from photolib.photos.models import Photo, release_needed


class Absence(models.TextChoices):
    """Why a photo is out of the catalog, most final first."""

    ERASED = "erased", "the photographer's account was erased"
    WITHDRAWN = "withdrawn", "withdrawn by the photographer"
    GROUP_WITHDRAWN = "group_withdrawn", "the photographer withdrew their consent for the group"
    TAKEN_DOWN = "taken_down", "taken down by the library's reviewers"
    EXPIRED = "expired", "the licence term ended"
    NOT_APPROVED = "not_approved", "not approved by a reviewer"
    PROCESSING = "processing", "its files are still being prepared"
    NO_RELEASE = "no_release", "a signed release is needed and none is on file"
    OTHER = "other", "it does not meet the library's conditions for use"


@dataclass(frozen=True)
class Standing:
    absence: Absence
    since: datetime | None

    @property
    def text(self) -> str:
        return self.absence.label

    @property
    def resident_label(self) -> str:
        """What My photos says instead of "Approved"."""
        return RESIDENT_LABELS.get(self.absence, _("Not in the catalog"))


RESIDENT_LABELS = {
    Absence.ERASED: _("Withdrawn"),
    Absence.WITHDRAWN: _("Withdrawn"),
    Absence.GROUP_WITHDRAWN: _("Withdrawn (you left the group)"),
    Absence.TAKEN_DOWN: _("Taken down"),
    Absence.EXPIRED: _("Expired"),
    Absence.NO_RELEASE: _("Not in the catalog: a signed release is needed"),
}


def _group_withdrawal(photo: Photo) -> ConsentRecord | None:
    grant = photo.consent_record
    return (ConsentRecord.objects.withdrawals()
            .filter(user_id=grant.user_id, group_id=grant.group_id, sequence__gt=grant.sequence)
            .order_by("sequence").first())


def why_not_cleared(photo: Photo, *, now: datetime | None = None) -> Standing | None:
    """Why ``photo`` is not cleared; None when ``cleared()`` holds it."""
    if Photo.objects.cleared().filter(pk=photo.pk).exists():
        return None
    now = now or timezone.now()
    if photo.withdrawn_at is not None:
        record = (ConsentRecord.objects.filter(action=ConsentRecord.Action.WITHDRAW_PHOTO,
                                               photo_id=photo.pk).order_by("sequence").first())
        erased = record is not None and record.collection_method == CollectionMethod.ERASURE
        return Standing(Absence.ERASED if erased else Absence.WITHDRAWN, photo.withdrawn_at)
    withdrawal = _group_withdrawal(photo)
    if withdrawal is not None:
        erased = withdrawal.collection_method == CollectionMethod.ERASURE
        return Standing(Absence.ERASED if erased else Absence.GROUP_WITHDRAWN,
                        withdrawal.created_at)
    if photo.taken_down_at is not None:
        return Standing(Absence.TAKEN_DOWN, photo.taken_down_at)
    if photo.rights_expire_at is not None and photo.rights_expire_at <= now:
        return Standing(Absence.EXPIRED, photo.rights_expire_at)
    if photo.status != Photo.Status.APPROVED:
        return Standing(Absence.NOT_APPROVED, None)
    if photo.processed_at is None:
        return Standing(Absence.PROCESSING, None)
    attestation = getattr(photo, "attestation", None)
    if attestation is not None and not attestation.release_key and release_needed(
            attestation.people,
            required_for_people=photo.agreement_version.release_required_for_people):
        return Standing(Absence.NO_RELEASE, None)
    return Standing(Absence.OTHER, None)



def standings(photos) -> dict:
    """For the approved photos among ``photos`` that ``cleared()`` leaves out: their
    ``Standing``, by id (My photos shows it instead of "Approved")."""
    approved = [p for p in photos if p.status == Photo.Status.APPROVED]
    if not approved:
        return {}
    cleared = set(Photo.objects.cleared().filter(pk__in=[p.pk for p in approved])
                  .values_list("pk", flat=True))
    now = timezone.now()
    result = {}
    for photo in approved:
        if photo.pk not in cleared:
            standing = why_not_cleared(photo, now=now)
            if standing is not None:
                result[photo.pk] = standing
    return result
