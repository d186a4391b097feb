"""Writes on consent: publishing agreements, granting and withdrawing, the ledger.

Callers: the consent views, the admin, ``seed_demo``, ``photos.moderation`` (a
photo's withdrawal) and tests. Each public function is one transaction (or joins
the caller's); receipts are emailed only after it commits, by a task enqueued by name
(this module never imports ``tasks``). Every append says how it was collected, from
``CollectionMethod``: the caller names its own code path.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from photolib.accounts.models import User
from photolib.celery import enqueue
from photolib.consent import errors, evidence
from photolib.consent.credit import validate_credit_format
from photolib.consent.models import (
    GENESIS_HASH,
    USE_LABELS,
    AgreementVersion,
    CollectionMethod,
    CommunityGroup,
    ConsentEvidence,
    ConsentRecord,
    LedgerHead,
)
from photolib.consent.selectors import membership
from photolib.consent.signals import (
    announce_published,
    announce_withdrawal,
    photo_withdrawal_reconciled,
)


@dataclass(frozen=True)
class RequestContext:
    """Where a consent action came from, recorded on the ledger."""

    ip_address: str | None = None
    user_agent: str = ""


# Which collection methods each action may state; anything else is a caller's bug.
METHODS_FOR_ACTION: dict[str, frozenset[str]] = {
    ConsentRecord.Action.GRANT: frozenset({CollectionMethod.JOIN_FORM,
                                           CollectionMethod.REACCEPT_FORM,
                                           CollectionMethod.RENEWAL_FORM,
                                           CollectionMethod.SEED}),
    ConsentRecord.Action.WITHDRAW: frozenset({CollectionMethod.WITHDRAW_BUTTON,
                                              CollectionMethod.ERASURE,
                                              CollectionMethod.SEED,
                                              CollectionMethod.RECONCILED}),
    ConsentRecord.Action.WITHDRAW_PHOTO: frozenset({CollectionMethod.PHOTO_WITHDRAW_BUTTON,
                                                    CollectionMethod.ERASURE,
                                                    CollectionMethod.SEED,
                                                    CollectionMethod.RECONCILED}),
}


def ledger_append(
    *,
    user: User,
    group: CommunityGroup,
    version: AgreementVersion,
    action: str,
    statements: list[str],
    method: str,
    context: RequestContext,
    photo_id: uuid.UUID | None = None,
    photo_title: str = "",
    reconciles: dict | None = None,
) -> ConsentRecord:
    """Append one record to the chain and return it.

    Must run inside the caller's transaction. The ledger head row is locked
    (``SELECT … FOR UPDATE``) for the rest of it, so concurrent appends queue up
    and the chain never forks; the unique ``prev_hash`` is a second guard. The
    personal data (account id, email, display name, IP address, user agent) goes
    to a ``ConsentEvidence`` row beside the record, with a fresh salt; the record
    hashes only their salted commitment, so erasure never breaks it. Once it
    commits, a signed checkpoint of the new head goes to the evidence store.
    The checkpoint carries the record's canonical fields (personal data only as its
    commitment), so the evidence store can prove a record a restored database lost.
    ``reconciles`` (``RECONCILED`` records only) names the lost record re-recorded.
    Raises ``ValueError`` when ``method`` is not one ``action`` may state, or the
    version is not a published version of ``group`` (callers' bugs, not people's).
    """
    if method not in METHODS_FOR_ACTION.get(action, ()):
        raise ValueError(f"collection method {method!r} does not fit action {action!r}")
    if (method == CollectionMethod.RECONCILED) != (reconciles is not None):
        raise ValueError("a reconciled record, and only one, names the record it re-records")
    if not version.is_published or version.group_id != group.pk:
        raise ValueError(f"{version} is not a published version of {group}")
    head, _ = LedgerHead.objects.get_or_create(id=1, defaults={"last_hash": GENESIS_HASH})
    head = LedgerHead.objects.select_for_update().get(id=1)
    evidence_row = ConsentEvidence(
        salt=secrets.token_hex(16), account_id=user.pk, email=user.email,
        display_name=user.display_name, ip_address=context.ip_address or None,
        user_agent=(context.user_agent or "")[:512])
    record = ConsentRecord(
        id=uuid.uuid4(),
        sequence=head.last_sequence + 1,
        user=user,
        personal_commitment=evidence_row.commitment(),
        group=group,
        agreement_version=version,
        agreement_text_sha256=version.text_sha256,
        action=action,
        statements=list(statements),
        created_at=timezone.now(),
        collection_method=method,
        photo_id=photo_id,
        photo_title=photo_title,
        reconciles=reconciles,
        prev_hash=head.last_hash,
    )
    record.record_hash = record.compute_hash()
    record.save()
    evidence_row.record = record
    evidence_row.save()
    head.last_sequence = record.sequence
    head.last_hash = record.record_hash
    head.save(update_fields=["last_sequence", "last_hash"])
    transaction.on_commit(partial(evidence.checkpoint_after_append, sequence=record.sequence,
                                  head_hash=record.record_hash,
                                  record=record.canonical_fields()))
    return record


SEND_RECEIPT_TASK = "photolib.consent.tasks.send_receipt_email"


def _send_receipt_on_commit(record: ConsentRecord) -> None:
    enqueue(SEND_RECEIPT_TASK, str(record.id))  # an outbox row: sent once this commits


@transaction.atomic
def consent_grant(
    *,
    user: User,
    group: CommunityGroup,
    version_id: int | str | None,
    statements_affirmed: list[str],
    method: str,
    context: RequestContext,
) -> ConsentRecord:
    """Record that ``user`` accepts ``group``'s current agreement; return the GRANT.

    ``method`` is how the caller collected it: ``JOIN_FORM`` (the join view, for
    someone not a member), ``REACCEPT_FORM`` (the same view, for a member under an
    older version) or ``SEED`` (scripts). Raises ``NotVerified``,
    ``NotCurrentVersion`` (the id named is not the group's current published
    version: forged, stale or a draft), ``StatementsMissing`` (not every statement
    of that version affirmed, word for word), ``AlreadyMember`` (already granted
    under this version) or ``MembershipChanged`` (a form's method no longer fits:
    the person joined or withdrew meanwhile). Nothing is recorded then.
    ``ValueError`` for a method no grant may state.
    """
    if method == CollectionMethod.RENEWAL_FORM:  # only consent_renew collects renewals
        raise ValueError("collection method renewal_form does not fit a join")
    if not user.is_verified:
        raise errors.NotVerified(_("Confirm your email address before joining a group."))
    user = User.objects.select_for_update().get(pk=user.pk)  # one join at a time per person
    variants = group.current_variants()
    if not variants:
        raise errors.NotCurrentVersion(_("This group has no published agreement yet."))
    # Any language variant of the current number: the record names the one accepted.
    current = next((v for v in variants if str(v.pk) == str(version_id)), None)
    if current is None:
        raise errors.NotCurrentVersion(_(
            "The agreement you accepted is not this group's current version; "
            "read the current version and accept it instead."
        ))
    missing = [s for s in current.statements if s not in statements_affirmed]
    unknown = [s for s in statements_affirmed if s not in current.statements]
    if missing or unknown:
        raise errors.StatementsMissing(
            _("Tick every statement to join: each one is required."))
    state = membership(user, group)
    if state.is_member and state.grant.agreement_version.number == current.number:
        raise errors.AlreadyMember(_("You are already a member of %(group)s under version "
                                     "%(number)s of its agreement.")
                                   % {"group": group, "number": current.number})
    # The form the person saw must be the one their standing calls for, or the
    # record would misstate how consent was collected.
    if (method == CollectionMethod.JOIN_FORM and state.is_member) or (
            method == CollectionMethod.REACCEPT_FORM and not state.is_member):
        raise errors.MembershipChanged(
            _("Your membership of %(group)s changed while this page was open; "
              "read the agreement again and accept it there.") % {"group": group})
    record = ledger_append(user=user, group=group, version=current,
                           action=ConsentRecord.Action.GRANT,
                           statements=list(current.statements), method=method,
                           context=context)
    _send_receipt_on_commit(record)
    return record


@transaction.atomic
def consent_renew(*, user: User, group: CommunityGroup, version_id: int | str | None,
                  statements_affirmed: list[str], context: RequestContext) -> ConsentRecord:
    """Record that a member accepts ``group``'s current agreement again to renew the term of
    some of their photos (``photos.lifecycle.photos_renew`` names them and calls this in its
    transaction); return the GRANT, collected by ``RENEWAL_FORM``. Unlike joining, a member
    already under the current version may renew: each renewal is its own record, with its
    own time, from which the new term runs. Raises ``NotVerified``, ``NotMember`` (not a
    member: join again instead), ``NotCurrentVersion`` or ``StatementsMissing``; nothing is
    recorded then."""
    if not user.is_verified:
        raise errors.NotVerified(_("Confirm your email address before renewing."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not membership(user, group).is_member:
        raise errors.NotMember(_("You are no longer a member of %(group)s: join it again to "
                                 "share photos with it.") % {"group": group})
    current = next((v for v in group.current_variants() if str(v.pk) == str(version_id)), None)
    if current is None:
        raise errors.NotCurrentVersion(_(
            "The agreement you accepted is not this group's current version; "
            "read the current version and accept it instead."))
    if sorted(statements_affirmed) != sorted(current.statements):
        raise errors.StatementsMissing(
            _("Tick every statement to renew: each one is required."))
    record = ledger_append(user=user, group=group, version=current,
                           action=ConsentRecord.Action.GRANT,
                           statements=list(current.statements),
                           method=CollectionMethod.RENEWAL_FORM, context=context)
    _send_receipt_on_commit(record)
    return record


@transaction.atomic
def consent_withdraw(*, user: User, group: CommunityGroup, method: str,
                     context: RequestContext) -> ConsentRecord:
    """Record that ``user`` withdraws consent for ``group``; return the WITHDRAW.

    It takes effect at once: every grant the person gave this group before it is
    no longer in force. ``method``: ``WITHDRAW_BUTTON`` (the withdraw view) or
    ``SEED``. Raises ``NotMember`` when there is nothing to withdraw.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    state = membership(user, group)
    if not state.is_member:
        raise errors.NotMember(_("You are not a member of %(group)s, so there is nothing to "
                                 "withdraw.") % {"group": group})
    record = ledger_append(user=user, group=group, version=state.grant.agreement_version,
                           action=ConsentRecord.Action.WITHDRAW, statements=[],
                           method=method, context=context)
    _send_receipt_on_commit(record)
    announce_withdrawal(user.pk, group.pk)
    return record


@transaction.atomic
def consent_withdraw_photo(
    *,
    user: User,
    group: CommunityGroup,
    version: AgreementVersion,
    photo_id: uuid.UUID | str,
    photo_title: str,
    context: RequestContext,
    method: str = CollectionMethod.PHOTO_WITHDRAW_BUTTON,
    send_receipt: bool = True,
) -> ConsentRecord:
    """Record that ``user`` withdraws one photo of theirs; return the WITHDRAW_PHOTO.

    ``version`` is the agreement the photo was uploaded under, ``photo_id`` and
    ``photo_title`` name the photo (consent does not import photos). The caller
    (``photos.moderation.photo_withdraw``) has already checked the photo is the
    person's and marks it withdrawn in the same transaction. The person's group
    membership is unchanged. A receipt is emailed after commit (unless
    ``send_receipt`` is false: account erasure, whose address is erased). Raises
    ``ValueError`` for an id that is not a UUID, an empty title, or a version
    that is not a published version of ``group``.
    """
    photo_uuid = uuid.UUID(str(photo_id))
    title = (photo_title or "").strip()
    if not title:
        raise ValueError("a photo withdrawal names the photo's title")
    record = ledger_append(user=user, group=group, version=version,
                           action=ConsentRecord.Action.WITHDRAW_PHOTO, statements=[],
                           method=method, context=context, photo_id=photo_uuid,
                           photo_title=title[:200])
    if send_receipt:
        _send_receipt_on_commit(record)
    return record


RECONCILE_CONTEXT = RequestContext(user_agent="manage.py reconcile (after a database restore)")


@dataclass(frozen=True)
class Reconciled:
    """What ``consent_reconcile_withdrawal`` did with one lost record."""

    record: ConsentRecord | None  # the RECONCILED record, or None when none was needed
    notes: tuple[str, ...]


@transaction.atomic
def consent_reconcile_withdrawal(*, lost: dict, sequence: int, head_hash: str) -> Reconciled:
    """Re-record a withdrawal (WITHDRAW or WITHDRAW_PHOTO) that a database restore lost,
    from its ``lost`` canonical fields as the evidence store proves them (``reconcile``
    calls this, one lost record at a time, oldest first).

    The new record is an append like any other, collected by ``RECONCILED``, naming the
    lost record (id, sequence, hash, original time) in ``reconciles``; it states no IP or
    user agent of the person (none was collected now). A group withdrawal is re-recorded
    only if the person is still a member in the restored database (else nothing is in
    force to withdraw) and is announced as withdrawals are; a photo withdrawal is always
    re-recorded, and ``photo_withdrawal_reconciled`` lets the photos app mark the photo
    withdrawn in this transaction. No receipt is mailed. Idempotent: a lost record already
    re-recorded is left alone. Raises ``ValueError`` for fields of any other action.
    """
    action = lost.get("action")
    if action not in (ConsentRecord.Action.WITHDRAW, ConsentRecord.Action.WITHDRAW_PHOTO):
        raise ValueError(f"only withdrawals are re-recorded, not {action!r}")
    existing = ConsentRecord.objects.filter(reconciles__record_id=str(lost["id"])).first()
    if existing is not None:
        return Reconciled(existing, (f"already re-recorded as #{existing.sequence}",))
    reconciles = {"record_id": str(lost["id"]), "sequence": sequence,
                  "record_hash": head_hash, "created_at": lost["created_at"]}
    user = User.objects.select_for_update().filter(pk=lost["user_id"]).first()
    group = CommunityGroup.objects.filter(pk=lost["group_id"]).first()
    if user is None or group is None:
        missing = "account" if user is None else "group"
        return Reconciled(None, (f"not re-recorded: its {missing} is not in the restored "
                                 "database, so nothing of it is in force",))
    if action == ConsentRecord.Action.WITHDRAW:
        state = membership(user, group)
        if not state.is_member:
            return Reconciled(None, ("not re-recorded: the person is not a member in the "
                                     "restored database, so nothing is in force to withdraw",))
        record = ledger_append(user=user, group=group, version=state.grant.agreement_version,
                               action=action, statements=[],
                               method=CollectionMethod.RECONCILED, context=RECONCILE_CONTEXT,
                               reconciles=reconciles)
        announce_withdrawal(user.pk, group.pk)
        return Reconciled(record, (f"re-recorded as #{record.sequence}",))
    version = AgreementVersion.objects.published().filter(
        pk=lost["agreement_version_id"], group=group).first()
    if version is None:
        return Reconciled(None, ("not re-recorded: its agreement version is not in the "
                                 "restored database",))
    record = ledger_append(user=user, group=group, version=version, action=action,
                           statements=[], method=CollectionMethod.RECONCILED,
                           context=RECONCILE_CONTEXT, photo_id=uuid.UUID(lost["photo_id"]),
                           photo_title=(lost.get("photo_title") or "untitled")[:200],
                           reconciles=reconciles)
    notes = tuple(str(result) for _, result in photo_withdrawal_reconciled.send(
        sender=ConsentRecord, photo_id=lost["photo_id"],
        withdrawn_at=datetime.fromisoformat(lost["created_at"])) if result)
    return Reconciled(record, (f"re-recorded as #{record.sequence}", *notes))


@transaction.atomic
def consent_withdraw_everything(*, user: User, context: RequestContext,
                                method: str = CollectionMethod.ERASURE) -> list[ConsentRecord]:
    """Withdraw every group consent ``user`` is still a member under; return the
    WITHDRAW records (none when they are a member nowhere). Called by account
    erasure; no receipt is mailed (the address is about to be erased)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    group_ids = (ConsentRecord.objects.filter(user=user).membership_events()
                 .values_list("group_id", flat=True).distinct())
    records = []
    for group in CommunityGroup.objects.filter(pk__in=list(group_ids)).order_by("pk"):
        state = membership(user, group)
        if state.is_member:
            records.append(ledger_append(
                user=user, group=group, version=state.grant.agreement_version,
                action=ConsentRecord.Action.WITHDRAW, statements=[], method=method,
                context=context))
            announce_withdrawal(user.pk, group.pk)
    return records


@transaction.atomic
def consent_evidence_erase(*, user: User) -> int:
    """Delete the evidence rows (the personal data) of every record of ``user``;
    return how many. The records stay and still verify: they hash only the
    salted commitment, and the resident's receipts carry the salt."""
    deleted, _ = ConsentEvidence.objects.filter(record__user=user).delete()
    return deleted


def _check_credit_format(value: str) -> None:
    """``ValueError`` (with the reviewer's sentence) unless the format is one
    ``credit.validate_credit_format`` accepts."""
    try:
        validate_credit_format(value)
    except ValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from None


@transaction.atomic
def agreement_create_draft(*, group: CommunityGroup, acting_user: User | None, text: str,
                           **terms) -> AgreementVersion:
    """A new draft for ``group``; terms default to the current version's. Raises
    ``ValueError`` for an unknown permitted use or a credit format that
    ``credit.validate_credit_format`` refuses (the admin form checks the same)."""
    current = group.current_version()
    base = {}
    if current is not None:
        base = {f: getattr(current, f) for f in (
            "title", "statements", "permitted_uses", "credit_required", "credit_format",
            "term_years", "minimum_age", "release_required_for_people",
            "ai_training_allowed")}
    base.update(terms)
    bad = [u for u in base.get("permitted_uses", []) if u not in USE_LABELS]
    if bad:
        raise ValueError(f"unknown permitted uses: {bad}")
    if "credit_format" in base:
        _check_credit_format(base["credit_format"])
    return AgreementVersion.objects.create(group=group, text=text, created_by=acting_user, **base)


@transaction.atomic
def agreement_publish(*, version: AgreementVersion, acting_user: User | None,
                      as_translation: bool = False) -> AgreementVersion:
    """Publish a draft: number it, fix its text hash and time. It never changes again.

    A draft gets the next number: a new version, which every member must accept before
    uploading again. With ``as_translation`` it gets the group's current number instead:
    the same version in the draft's language (its own text and hash); members need not
    accept it again.

    Raises ``AgreementImmutable`` if it is already published, ``ValueError`` if it
    has no text, statements or permitted use, or a credit format that is refused, or, as a
    translation, when the group has no published version or the current one is already
    published in that language.
    """
    version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise errors.AgreementImmutable(f"{version} is already published.")
    if not version.text.strip() or not version.statements or not version.permitted_uses:
        raise ValueError("An agreement needs its text, at least one statement and one "
                         "permitted use before it is published.")
    _check_credit_format(version.credit_format)  # a draft saved before the rule, or raw
    # Lock the group's versions so two publications cannot take the same number.
    numbers = list(AgreementVersion.objects.select_for_update()
                   .filter(group_id=version.group_id, number__isnull=False)
                   .values_list("number", flat=True))
    if as_translation:
        if not numbers:
            raise ValueError("There is no published version to translate yet.")
        current = max(numbers)
        if AgreementVersion.objects.filter(group_id=version.group_id, number=current,
                                           language=version.language).exists():
            raise ValueError(f"Version {current} is already published in "
                             f"{version.get_language_display()}.")
        version.number = current
    else:
        version.number = max(numbers, default=0) + 1
    version.text_sha256 = version.compute_text_sha256()
    version.published_at = timezone.now()
    version.published_by = acting_user
    version.save(update_fields=["number", "text_sha256", "published_at", "published_by"])
    announce_published(version.pk)  # the API's webhooks, once this commits
    return version
