"""Groups, versioned agreements and the append-only, hash-chained consent ledger.

An ``AgreementVersion`` is a draft until published; once published nothing about
it changes and it is never deleted: the model and its queryset refuse, the admin
shows it read-only, and on PostgreSQL a trigger (migration 0004) refuses UPDATE
and DELETE of a published row. A ``ConsentRecord`` is never changed or deleted:
the model and its queryset refuse, the admin is read-only, and on PostgreSQL a
trigger (migration 0002) refuses UPDATE and DELETE. Appends go through
``services.ledger_append``. Each record names how it was collected, from the
fixed vocabulary ``CollectionMethod``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from photolib import languages
from photolib.accounts.language import language_choices
from photolib.consent.credit import (
    CREDIT_FORMAT_MAX_LENGTH,
    DEFAULT_CREDIT_FORMAT,
    format_credit,
    validate_credit_format,
)
from photolib.consent.errors import AgreementImmutable, LedgerImmutable

# The fixed vocabulary of permitted uses, shared with downloads' stated purpose.
USES: tuple[tuple[str, str], ...] = (
    # Marked for translation but stored and signed in English (receipts name these purposes);
    # pages translate them where they show them (``gettext(label)``).
    ("web", gettext_noop("Websites")),
    ("social", gettext_noop("Social media")),
    ("print", gettext_noop("Print (brochures, posters, magazines)")),
    ("outdoor", gettext_noop("Outdoor advertising")),
    ("broadcast", gettext_noop("Broadcast (TV, video)")),
    ("merchandise", gettext_noop("Merchandise")),
)
USE_LABELS = dict(USES)



class CollectionMethod(models.TextChoices):
    """How a record was collected: the code path that appended it, named on every
    record (covered by its hash) and on every receipt. The statements affirmed are
    stored beside it, so "each statement ticked" names which ones."""

    JOIN_FORM = "join_form", (
        "Join form: the full agreement shown, each of its statements ticked separately")
    REACCEPT_FORM = "reaccept_form", (
        "Re-acceptance form: a member shown the new agreement version in full, each of its "
        "statements ticked separately")
    RENEWAL_FORM = "renewal_form", (
        "Renewal form: a member shown the current agreement version in full and the photos "
        "whose term it renews, each of its statements ticked separately")
    WITHDRAW_BUTTON = "withdraw_button", (
        "Withdrawal page: “Withdraw consent” button pressed on a page that states the effect")
    PHOTO_WITHDRAW_BUTTON = "photo_withdraw_button", (
        "My photos: “Withdraw photo” button for this one photo, confirmed in a dialogue")
    ERASURE = "erasure", (
        "Account erasure: the person asked for their account to be deleted (confirmed with "
        "their password, or by a letter an administrator acted on)")
    SEED = "seed", (
        "Recorded by a script (demo seed or data migration), not by the person on a form")
    RECONCILED = "reconciled", (
        "Re-recorded from the evidence store after a database restore: the person's "
        "withdrawal was recorded before the restore, which lost it (its original time, "
        "sequence and hash are in the record)")


def collection_method_label(value: str) -> str:
    """The human label of a collection method's stored value (receipts print it)."""
    try:
        return CollectionMethod(value).label
    except ValueError:
        return value


class CommunityGroup(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    search_language = models.CharField(
        max_length=20, blank=True, choices=languages.CHOICES,
        help_text=_("The language the group's photos are described in, for search (stems and "
                  "stop words). Empty: the site's language."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = _("community groups")
        ordering = ["name"]
        verbose_name = _("community group")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("consent:group_detail", kwargs={"slug": self.slug})

    def current_version(self, language: str | None = None) -> AgreementVersion | None:
        """The variant of the group's current agreement (its highest published number) to
        show: the one in ``language`` when it is published in it, else the first published
        variant of that number. None when nothing is published."""
        newest = self.versions.published().order_by("-number").first()
        if newest is None:
            return None
        variants = self.versions.published().filter(number=newest.number)
        if language:
            chosen = variants.filter(language=language).first()
            if chosen is not None:
                return chosen
        return variants.order_by("published_at", "pk").first()

    def current_variants(self) -> list[AgreementVersion]:
        """Every published language variant of the current number, first published first."""
        newest = self.versions.published().order_by("-number").first()
        if newest is None:
            return []
        return list(self.versions.published().filter(number=newest.number)
                    .order_by("published_at", "pk"))


class AgreementVersionQuerySet(models.QuerySet):
    def published(self) -> AgreementVersionQuerySet:
        return self.filter(published_at__isnull=False)

    def update(self, **kwargs):
        if self.filter(published_at__isnull=False).exists():
            raise AgreementImmutable("A published agreement version cannot be changed.")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(published_at__isnull=False).exists():
            raise AgreementImmutable("A published agreement version cannot be deleted.")
        return super().delete()

    def _raw_delete(self, using):  # used by cascades: refused for published rows as well
        if self.filter(published_at__isnull=False).exists():
            raise AgreementImmutable("A published agreement version cannot be deleted.")
        return super()._raw_delete(using)


def default_agreement_language() -> str:
    """A new agreement version is in the site's language unless its author says otherwise."""
    return settings.LANGUAGE_CODE


def default_statements() -> list[str]:
    return [
        "I am at least the minimum age stated in this agreement.",
        "I license the photos I upload to this group to the city under the terms above.",
        "I understand that I can withdraw my consent at any time, and how to do it.",
    ]


class AgreementVersion(models.Model):
    """One version of a group's reuse agreement: the text and its structured terms."""

    group = models.ForeignKey(CommunityGroup, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text=_("Given at publication: 1, 2, 3…")
    )
    language = models.CharField(
        max_length=8, choices=language_choices, default=default_agreement_language,
        help_text=_("The language of this text. A group may publish the same version in "
                    "several languages, each with its own text and hash."))
    title = models.CharField(max_length=200, default="Photo reuse agreement")
    text = models.TextField(help_text=_("The full agreement residents read and accept."))
    statements = models.JSONField(
        default=default_statements,
        help_text=_("Statements the resident affirms one by one, each with its own checkbox."),
    )
    permitted_uses = models.JSONField(default=list, help_text=_("Codes from the fixed vocabulary."))
    credit_required = models.BooleanField(default=True)
    credit_format = models.CharField(
        max_length=CREDIT_FORMAT_MAX_LENGTH, default=DEFAULT_CREDIT_FORMAT,
        validators=[validate_credit_format],
        help_text=_("How photos are credited: {credit_name} and {group} are filled in."))
    term_years = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Years from the grant; empty means perpetual.")
    )
    non_exclusive = models.BooleanField(default=True, editable=False)
    compensation = models.CharField(max_length=40, default="none", editable=False)
    minimum_age = models.PositiveSmallIntegerField(default=16)
    release_required_for_people = models.BooleanField(
        default=False,
        help_text=_("A signed release must be attached when identifiable people appear."),
    )
    ai_training_allowed = models.BooleanField(
        default=False,
        help_text=_("The city may let others use the photos to train AI/ML models. Off: every "
                    "downloaded file says AI/ML training is prohibited."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+", editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+", editable=False)
    text_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    objects = AgreementVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["group", "-number", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number", "language"],
                                    name="agreement_number_language_unique"),
            models.CheckConstraint(condition=models.Q(non_exclusive=True),
                                   name="agreement_always_non_exclusive"),
            models.CheckConstraint(
                condition=models.Q(published_at__isnull=True)
                | (models.Q(number__isnull=False) & ~models.Q(text_sha256="")),
                name="agreement_published_has_number_and_hash",
            ),
        ]

    def __str__(self) -> str:
        label = f"v{self.number}" if self.number else "draft"
        return f"{self.group} – {label}"

    def save(self, *args, **kwargs):
        if self.pk and not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values("published_at").first()
            if stored and stored["published_at"] is not None:
                raise AgreementImmutable(
                    f"{self} is published; publish a new version instead of changing it."
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        # The stored row decides: an instance whose published_at was cleared in memory
        # is still published.
        if self.is_published or (self.pk and type(self).objects.filter(
                pk=self.pk, published_at__isnull=False).exists()):
            raise AgreementImmutable(f"{self} is published and cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def compute_text_sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    # --- what the terms mean, in words ------------------------------------
    def use_labels(self) -> list[str]:
        return [USE_LABELS.get(code, code) for code in self.permitted_uses]

    def term_label(self) -> str:
        if not self.term_years:
            return "Perpetual (until you withdraw)"
        return f"{self.term_years} year{'s' if self.term_years != 1 else ''} from your consent"

    def term_ends(self, granted_at: datetime) -> datetime | None:
        if not self.term_years:
            return None
        try:
            return granted_at.replace(year=granted_at.year + self.term_years)
        except ValueError:  # 29 February
            return granted_at.replace(year=granted_at.year + self.term_years, day=28)

    def summary(self) -> list[str]:
        """The structured terms as plain-language sentences."""
        example = format_credit(self.credit_format, credit_name="your credit name",
                                group=self.group.name)
        credit = (f"You are credited as “{example}”." if self.credit_required
                  else "The city need not credit you.")
        lines = [
            "The city may use your photos for: " + ", ".join(self.use_labels()) + ".",
            credit,
            f"Term: {self.term_label()}.",
            "Non-exclusive: you keep your copyright and may license your photos to anyone else.",
            "No payment: you share your photos without compensation.",
            f"You must be at least {self.minimum_age} years old.",
        ]
        if self.release_required_for_people:
            lines.append("Where identifiable people appear, a signed release must be attached.")
        else:
            lines.append("Where identifiable people appear, you confirm they agreed.")
        if self.ai_training_allowed:
            lines.append(str(_("The city may let others use your photos to train AI models.")))
        else:
            lines.append(str(_("No AI training: nobody may use your photos to train AI models, "
                               "and every file the city hands out says so.")))
        lines.append("You can withdraw at any time; photos then stop being used for new purposes.")
        return lines


class ConsentRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerImmutable("Consent records are append-only; they cannot be updated.")

    def delete(self):
        raise LedgerImmutable("Consent records are append-only; they cannot be deleted.")

    def _raw_delete(self, using):  # used by cascades: refused as well
        raise LedgerImmutable("Consent records are append-only; they cannot be deleted.")

    def grants(self) -> ConsentRecordQuerySet:
        return self.filter(action=ConsentRecord.Action.GRANT)

    def withdrawals(self) -> ConsentRecordQuerySet:
        return self.filter(action=ConsentRecord.Action.WITHDRAW)

    def membership_events(self) -> ConsentRecordQuerySet:
        """Grants and group withdrawals: the records that decide who is a member."""
        return self.filter(action__in=ConsentRecord.MEMBERSHIP_ACTIONS)


class ConsentRecord(models.Model):
    """One GRANT, WITHDRAW (of the group consent) or WITHDRAW_PHOTO (of one photo),
    chained to the record before it by SHA-256.

    A WITHDRAW_PHOTO record names the photo by its id as a plain UUID and its title
    (consent sits below photos and does not know the model); it leaves the person's
    membership as it was.
    """

    class Action(models.TextChoices):
        GRANT = "GRANT", "Grant"
        WITHDRAW = "WITHDRAW", "Withdraw"
        WITHDRAW_PHOTO = "WITHDRAW_PHOTO", "Withdraw one photo"

    MEMBERSHIP_ACTIONS = (Action.GRANT, Action.WITHDRAW)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="consent_records")
    personal_commitment = models.CharField(
        max_length=64, help_text=_("Salted SHA-256 of the personal data in its evidence row."))
    group = models.ForeignKey(CommunityGroup, on_delete=models.PROTECT, related_name="records")
    agreement_version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT,
                                          related_name="records")
    agreement_text_sha256 = models.CharField(max_length=64)
    action = models.CharField(max_length=16, choices=Action.choices)
    statements = models.JSONField(
        help_text=_("The exact statements affirmed (empty on withdrawal)."))
    photo_id = models.UUIDField(null=True, blank=True,
                                help_text=_("The photo withdrawn (WITHDRAW_PHOTO only)."))
    photo_title = models.CharField(max_length=200, blank=True,
                                   help_text=_("Its title then (WITHDRAW_PHOTO only)."))
    created_at = models.DateTimeField()
    collection_method = models.CharField(max_length=200, choices=CollectionMethod.choices)
    reconciles = models.JSONField(
        null=True, blank=True,
        help_text=_("RECONCILED records only: the lost record this re-records, as the evidence "
                  "store holds it (record_id, sequence, record_hash, created_at)."))
    prev_hash = models.CharField(max_length=64, unique=True)
    record_hash = models.CharField(max_length=64, unique=True)

    objects = ConsentRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["sequence"]
        indexes = [models.Index(fields=["user", "group", "-sequence"], name="consent_member_idx")]
        constraints = [
            # A photo is named exactly on photo withdrawals.
            models.CheckConstraint(
                condition=(models.Q(action="WITHDRAW_PHOTO", photo_id__isnull=False)
                           & ~models.Q(photo_title=""))
                | (~models.Q(action="WITHDRAW_PHOTO") & models.Q(photo_id__isnull=True,
                                                                  photo_title="")),
                name="consent_photo_only_on_photo_withdrawal"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} account {self.user_id} → {self.group_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerImmutable("Consent records are append-only; they cannot be changed.")
        if not self.record_hash or self.record_hash != self.compute_hash():
            raise LedgerImmutable("Append consent records through services.ledger_append.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("consent:receipt", kwargs={"record_id": self.id})

    def delete(self, *args, **kwargs):
        raise LedgerImmutable("Consent records are append-only; they cannot be deleted.")

    @property
    def is_photo_withdrawal(self) -> bool:
        return self.action == self.Action.WITHDRAW_PHOTO

    # --- the personal data, read from the erasable evidence row ------------
    @property
    def personal(self) -> ConsentEvidence | None:
        """The record's evidence row, or None once it was erased."""
        try:
            return self.evidence
        except ConsentEvidence.DoesNotExist:
            return None

    @property
    def is_erased(self) -> bool:
        return self.personal is None

    @property
    def subject_email(self) -> str:
        return self.personal.email if self.personal else ""

    @property
    def subject_name(self) -> str:
        return self.personal.display_name if self.personal else ""

    @property
    def ip_address(self) -> str | None:
        return (self.personal.ip_address or None) if self.personal else None

    @property
    def user_agent(self) -> str:
        return self.personal.user_agent if self.personal else ""

    @property
    def principal_pseudonym(self) -> str:
        """How receipts name the person once their data is erased: the account's id."""
        return f"urn:photolib:account:{self.user_id}"

    def canonical_fields(self) -> dict[str, Any]:
        """Every field the hash covers, in a form that serialises identically anywhere.

        The personal data (email, name, IP address, user agent) is not among them:
        only its salted commitment, so erasing the evidence row leaves the hash whole.

        The photo's id and title are covered whenever either is set (photo
        withdrawals), so adding, changing or removing them breaks the hash; so is
        ``reconciles`` (records re-recorded after a restore).
        """
        fields = {
            "id": str(self.id),
            "sequence": self.sequence,
            "user_id": self.user_id,
            "personal_commitment": self.personal_commitment,
            "group_id": self.group_id,
            "agreement_version_id": self.agreement_version_id,
            "agreement_text_sha256": self.agreement_text_sha256,
            "action": self.action,
            "statements": list(self.statements),
            "created_at": self.created_at.astimezone(UTC).isoformat(
                timespec="microseconds"),
            "collection_method": self.collection_method,
            "prev_hash": self.prev_hash,
        }
        if self.photo_id is not None or self.photo_title:
            fields["photo_id"] = (str(uuid.UUID(str(self.photo_id)))
                                  if self.photo_id is not None else "")
            fields["photo_title"] = self.photo_title
        if self.reconciles is not None:  # covered only where set: older hashes stay whole
            fields["reconciles"] = dict(self.reconciles)
        return fields

    def compute_hash(self) -> str:
        return canonical_hash(self.canonical_fields())


def canonical_hash(fields: dict[str, Any]) -> str:
    """The record hash of ``canonical_fields()``: also how a record kept in the evidence
    store (its checkpoint's ``record``) is proved to be the record its checkpoint signed."""
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def personal_commitment(*, salt: str, fields: dict[str, Any]) -> str:
    """The salted SHA-256 of a record's personal fields (see ``ConsentEvidence``).

    ``fields`` holds ``account_id``, ``email``, ``display_name``, ``ip_address`` and
    ``user_agent``; the salt (hex) keeps anyone without it from confirming a guess.
    The resident's receipt carries both, so they can recompute it after erasure.
    """
    canonical = {key: ("" if fields.get(key) is None else fields[key])
                 for key in PERSONAL_FIELDS}
    canonical["account_id"] = int(canonical["account_id"] or 0)
    payload = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{salt}:{payload}".encode()).hexdigest()


PERSONAL_FIELDS = ("account_id", "email", "display_name", "ip_address", "user_agent")


class ConsentEvidenceQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise LedgerImmutable("Consent evidence is never changed; it can only be erased.")


class ConsentEvidence(models.Model):
    """The personal data behind one consent record, and the salt of its commitment.

    Written with its record (``services.ledger_append``), never changed; erasure
    (``services.consent_evidence_erase``) deletes the row, and the record's hash,
    which covers only the commitment, still verifies.
    """

    record = models.OneToOneField(ConsentRecord, primary_key=True, on_delete=models.PROTECT,
                                  related_name="evidence")
    salt = models.CharField(max_length=64)
    account_id = models.BigIntegerField()
    email = models.EmailField()
    display_name = models.CharField(max_length=120, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)

    objects = ConsentEvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent evidence")
        verbose_name_plural = _("consent evidence")

    def __str__(self) -> str:
        return f"evidence of record {self.record_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerImmutable("Consent evidence is never changed; it can only be erased.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def fields(self) -> dict[str, Any]:
        return {"account_id": self.account_id, "email": self.email,
                "display_name": self.display_name, "ip_address": self.ip_address or "",
                "user_agent": self.user_agent}

    def commitment(self) -> str:
        return personal_commitment(salt=self.salt, fields=self.fields())


class LedgerHead(models.Model):
    """The single row that serialises appends: locked, read, advanced in one transaction."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="ledger_single_head")]

    def __str__(self) -> str:
        return f"ledger head at #{self.last_sequence}"


GENESIS_HASH = "0" * 64
