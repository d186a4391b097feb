"""The photo, its renditions, its attestation and its moderation trail.

``Photo.objects.cleared()`` is the rights-cleared rule of DESIGN.md, in one
place: every marketing surface starts from it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from photolib.consent.credit import format_credit
from photolib.consent.models import AgreementVersion, CommunityGroup, ConsentRecord
from photolib.consent.selectors import withdrawn_after


class ImmutableError(Exception):
    """A write to a row that must never change (an attestation)."""


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class People(models.TextChoices):
    NONE = "none", _("No identifiable people")
    CONSENTED = "consented", _("Identifiable people who consented")
    RELEASE = "release", _("Identifiable people, with a signed release attached")
    MINORS = "minors", _("Includes minors, with a guardian's consent (release attached)")


# The release rule, stated once: a signed release must be on file for these answers always,
# and for any answer but NONE where the agreement version asks for releases. ``release_needed``
# says it for one upload; ``_release_needed_q`` says the same of a photo row inside
# ``cleared()`` (tests/photos/test_release_rule.py holds the two equal on every combination).
RELEASE_ALWAYS = frozenset({People.RELEASE, People.MINORS})


def release_needed(people: str, *, required_for_people: bool) -> bool:
    """True when a photo with this people answer needs a signed release on file."""
    return people in RELEASE_ALWAYS or (required_for_people and people != People.NONE)


def _release_needed_q() -> Q:
    return (Q(attestation__people__in=sorted(RELEASE_ALWAYS))
            | (Q(agreement_version__release_required_for_people=True)
               & ~Q(attestation__people=People.NONE)))


class PhotoQuerySet(models.QuerySet):
    def cleared(self) -> PhotoQuerySet:
        """Photos marketing may see and use right now. All must hold:

        1. approved by a reviewer; not withdrawn by the resident; not taken down;
        2. ingest finished (renditions stored, metadata extracted);
        3. the uploader's GRANT under the photo's agreement version, never
           withdrawn since, and the agreement's term not expired;
        4. people: an answer from ``People``; a release on file wherever
           :func:`release_needed` says so (always for minors and for an attached release;
           for any people where the agreement asks for releases).
        """
        return (
            self.filter(
                status=Photo.Status.APPROVED,
                withdrawn_at__isnull=True,
                taken_down_at__isnull=True,
                processed_at__isnull=False,
                consent_record__action=ConsentRecord.Action.GRANT,
                consent_record__agreement_version=models.F("agreement_version"),
                consent_record__user=models.F("owner"),
                attestation__own_work=True,
                attestation__people__in=[p.value for p in People],
            )
            # The database's clock: the rule's SQL is then the same for every call.
            .filter(Q(rights_expire_at__isnull=True) | Q(rights_expire_at__gt=Now()))
            .exclude(withdrawn_after("consent_record"))
            .exclude(_release_needed_q() & Q(attestation__release_key=""))
        )

    def awaiting_review(self) -> PhotoQuerySet:
        return self.filter(status=Photo.Status.PENDING_REVIEW).order_by("uploaded_at")

    def owned_by(self, user) -> PhotoQuerySet:
        return self.filter(owner=user)


class Photo(models.Model):
    class Status(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        PENDING_REVIEW = "pending_review", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="photos")
    group = models.ForeignKey(CommunityGroup, on_delete=models.PROTECT, related_name="photos")
    consent_record = models.ForeignKey(
        ConsentRecord, on_delete=models.PROTECT, related_name="photos",
        help_text=_("The GRANT in force when the photo was uploaded."))
    agreement_version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT,
                                          related_name="photos")
    rights_expire_at = models.DateTimeField(
        null=True, blank=True,
        help_text=_("Grant time plus the agreement's term; empty: perpetual."))
    expiry_reminded_for = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text=_("The end of term the owner was last reminded of (one reminder per term)."))

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROCESSING,
                              db_index=True)
    status_reason = models.TextField(blank=True, help_text=_("Why it was rejected or failed."))

    # What the resident says about it.
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    alt_text = models.CharField(
        max_length=250, blank=True,
        help_text=_("What the photo shows, for people who cannot see it (about 125 "
                    "characters)."))
    extended_description = models.TextField(
        blank=True, help_text=_("A longer description for screen readers (optional)."))
    # Where social crops centre (fractions of the width and height, from the top left),
    # set by a reviewer clicking on the photo; empty: the centre.
    focal_x = models.FloatField(null=True, blank=True)
    focal_y = models.FloatField(null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="photos")
    place_name = models.CharField(max_length=200, blank=True)
    hide_location = models.BooleanField(
        default=False, help_text=_("The owner hides where it was taken from marketing: no place "
                                 "name and no position in the catalog (reviewers still see "
                                 "them)."))

    # The original file.
    original_name = models.CharField(max_length=255, help_text=_("The file's name, for display."))
    original_key = models.CharField(max_length=512, help_text=_("Name in the originals storage."))
    original_size = models.PositiveBigIntegerField(default=0)
    mime_type = models.CharField(max_length=40, blank=True)
    format = models.CharField(max_length=10, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    phash = models.CharField(max_length=32, blank=True, db_index=True)

    # Facts from ingest. width/height as displayed (orientation applied).
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True, db_index=True)
    taken_at_offset = models.CharField(max_length=8, blank=True)
    camera_make = models.CharField(max_length=100, blank=True)
    camera_model = models.CharField(max_length=100, blank=True)
    lens = models.CharField(max_length=150, blank=True)
    focal_length = models.FloatField(null=True, blank=True)
    aperture = models.FloatField(null=True, blank=True)
    exposure_time = models.CharField(max_length=20, blank=True)
    iso = models.PositiveIntegerField(null=True, blank=True)
    orientation = models.PositiveSmallIntegerField(null=True, blank=True)
    software = models.CharField(max_length=150, blank=True)
    artist = models.CharField(max_length=150, blank=True)
    copyright = models.CharField(max_length=200, blank=True)
    exif_raw = models.JSONField(default=dict, blank=True)
    metadata_warnings = models.JSONField(default=list, blank=True)
    # Exact position: reviewers only. Coarse (about 1 km): what the catalog sees.
    gps_latitude = models.FloatField(null=True, blank=True)
    gps_longitude = models.FloatField(null=True, blank=True)
    gps_altitude = models.FloatField(null=True, blank=True)
    coarse_latitude = models.FloatField(null=True, blank=True)
    coarse_longitude = models.FloatField(null=True, blank=True)

    # Duplicate flags for reviewers: ids of photos with the same bytes / a near hash.
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    near_duplicates = models.JSONField(default=list, blank=True)

    # Lifecycle.
    uploaded_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    ingest_attempts = models.PositiveSmallIntegerField(default=0)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    taken_down_at = models.DateTimeField(null=True, blank=True)
    takedown_reason = models.TextField(blank=True)
    legal_hold_until = models.DateTimeField(
        null=True, blank=True, db_index=True,
        help_text=_("Deleted by its owner (or their erasure) after the city used it: kept, "
                  "withdrawn, only until then for legal defence, then deleted."))

    objects = PhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["owner", "-uploaded_at"], name="photo_owner_idx"),
                   models.Index(fields=["status", "uploaded_at"], name="photo_status_idx")]

    def __str__(self) -> str:
        return self.title or str(self.id)

    @property
    def expires_soon(self):
        """The end of its term when that is within ``PHOTOLIB_EXPIRY_NOTICE_DAYS`` (marketing
        sees "expires on …"); None otherwise."""
        if self.rights_expire_at is None:
            return None
        window = timezone.now() + timedelta(days=settings.PHOTOLIB_EXPIRY_NOTICE_DAYS)
        return self.rights_expire_at if self.rights_expire_at <= window else None

    @property
    def shape(self) -> str:
        if not self.width or not self.height:
            return ""
        if self.width == self.height:
            return "square"
        return "landscape" if self.width > self.height else "portrait"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.PROCESSING, self.Status.PENDING_REVIEW,
                               self.Status.FAILED)

    @property
    def focal_point(self) -> tuple[float, float]:
        """Where social crops centre: the reviewer's point, or the middle of the photo."""
        if self.focal_x is None or self.focal_y is None:
            return (0.5, 0.5)
        return (self.focal_x, self.focal_y)

    def credit_line(self) -> str:
        return format_credit(self.agreement_version.credit_format,
                             credit_name=self.owner.public_credit_name,
                             group=self.group.name)


class Rendition(models.Model):
    """One stored rendition; unique per (photo, spec) so a retry never makes a second."""

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="renditions")
    spec = models.CharField(max_length=40)
    storage_key = models.CharField(max_length=512)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    content_type = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["photo", "spec"],
                                               name="rendition_one_per_spec")]

    def __str__(self) -> str:
        return f"{self.photo_id}/{self.spec}"


class PhotoAttestation(models.Model):
    """What the uploader affirmed about one photo, immutable once written."""

    photo = models.OneToOneField(Photo, on_delete=models.PROTECT, related_name="attestation")
    consent_record = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT,
                                       related_name="attestations")
    own_work = models.BooleanField(help_text=_("I took this photo and own its copyright."))
    people = models.CharField(max_length=12, choices=People.choices)
    release_key = models.CharField(max_length=512, blank=True,
                                   help_text=_("Name of the signed release in originals storage."))
    release_name = models.CharField(max_length=255, blank=True)
    statement = models.TextField(help_text=_("The exact wording the uploader affirmed."))
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"attestation for {self.photo_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError("A photo's attestation cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("A photo's attestation cannot be deleted.")


class ModerationEvent(models.Model):
    """Audit trail: every decision about a photo, who made it, when and why."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        TAKE_DOWN = "take_down", _("Taken down")
        RETRY = "retry", _("Ingest retried")
        WITHDRAW = "withdraw", _("Withdrawn by the resident")
        DELETE = "delete", _("Deleted by the resident")
        HOLD = "hold", _("Kept for legal defence")
        PURGE = "purge", _("Deleted by a retention rule")
        RENEW = "renew", "Term renewed by the resident"

    photo_id_value = models.UUIDField(db_index=True, help_text=_("Kept even if the photo is gone."))
    photo = models.ForeignKey(Photo, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              null=True, blank=True, related_name="+",
                              help_text=_("Empty for a retention rule's deletion."))
    action = models.CharField(max_length=12, choices=Action.choices)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("moderation event")
        verbose_name_plural = _("moderation events")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.action} {self.photo_id_value} by {self.actor_id}"
