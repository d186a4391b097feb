"""Writes on consent: publishing agreements, granting and withdrawing, the ledger.

Callers: the consent views, the admin, ``seed_demo`` and tests. Each public
function is one transaction; receipts are emailed only after it commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone

from photolib.accounts.models import User
from photolib.consent import errors, evidence
from photolib.consent.models import (
    COLLECTION_METHOD,
    GENESIS_HASH,
    USE_LABELS,
    AgreementVersion,
    CommunityGroup,
    ConsentRecord,
    LedgerHead,
)
from photolib.consent.selectors import membership


@dataclass(frozen=True)
class RequestContext:
    """Where a consent action came from, recorded on the ledger."""

    ip_address: str | None = None
    user_agent: str = ""


def ledger_append(
    *,
    user: User,
    group: CommunityGroup,
    version: AgreementVersion,
    action: str,
    statements: list[str],
    context: RequestContext,
) -> ConsentRecord:
    """Append one record to the chain and return it.

    Must run inside the caller's transaction. The ledger head row is locked
    (``SELECT … FOR UPDATE``) for the rest of it, so concurrent appends queue up
    and the chain never forks; the unique ``prev_hash`` is a second guard. Once it
    commits, a signed checkpoint of the new head goes to the evidence store.
    """
    head, _ = LedgerHead.objects.get_or_create(id=1, defaults={"last_hash": GENESIS_HASH})
    head = LedgerHead.objects.select_for_update().get(id=1)
    record = ConsentRecord(
        id=uuid.uuid4(),
        sequence=head.last_sequence + 1,
        user=user,
        subject_email=user.email,
        subject_name=user.display_name,
        group=group,
        agreement_version=version,
        agreement_text_sha256=version.text_sha256,
        action=action,
        statements=list(statements),
        created_at=timezone.now(),
        ip_address=context.ip_address or None,
        user_agent=(context.user_agent or "")[:512],
        collection_method=COLLECTION_METHOD,
        prev_hash=head.last_hash,
    )
    record.record_hash = record.compute_hash()
    record.save()
    head.last_sequence = record.sequence
    head.last_hash = record.record_hash
    head.save(update_fields=["last_sequence", "last_hash"])
    transaction.on_commit(partial(evidence.checkpoint_after_append, sequence=record.sequence,
                                  head_hash=record.record_hash))
    return record


def _send_receipt_on_commit(record: ConsentRecord) -> None:
    from photolib.consent import tasks  # tasks import this module

    transaction.on_commit(lambda: tasks.send_receipt_email.delay(str(record.id)))


@transaction.atomic
def consent_grant(
    *,
    user: User,
    group: CommunityGroup,
    version_id: int | str | None,
    statements_affirmed: list[str],
    context: RequestContext,
) -> ConsentRecord:
    """Record that ``user`` accepts ``group``'s current agreement; return the GRANT.

    Raises ``NotVerified``, ``NotCurrentVersion`` (the id named is not the group's
    current published version: forged, stale or a draft), ``StatementsMissing``
    (not every statement of that version affirmed, word for word) or
    ``AlreadyMember`` (already granted under this version). Nothing is recorded then.
    """
    if not user.is_verified:
        raise errors.NotVerified("Confirm your email address before joining a group.")
    user = User.objects.select_for_update().get(pk=user.pk)  # one join at a time per person
    current = group.current_version()
    if current is None:
        raise errors.NotCurrentVersion("This group has no published agreement yet.")
    if str(version_id) != str(current.pk):
        raise errors.NotCurrentVersion(
            "The agreement you accepted is not this group's current version; "
            "read the current version and accept it instead."
        )
    missing = [s for s in current.statements if s not in statements_affirmed]
    unknown = [s for s in statements_affirmed if s not in current.statements]
    if missing or unknown:
        raise errors.StatementsMissing("Tick every statement to join: each one is required.")
    state = membership(user, group)
    if state.is_member and state.grant.agreement_version_id == current.pk:
        raise errors.AlreadyMember(f"You are already a member of {group} under version "
                                   f"{current.number} of its agreement.")
    record = ledger_append(user=user, group=group, version=current,
                           action=ConsentRecord.Action.GRANT,
                           statements=list(current.statements), context=context)
    _send_receipt_on_commit(record)
    return record


@transaction.atomic
def consent_withdraw(*, user: User, group: CommunityGroup, context: RequestContext
                     ) -> ConsentRecord:
    """Record that ``user`` withdraws consent for ``group``; return the WITHDRAW.

    It takes effect at once: every grant the person gave this group before it is
    no longer in force. Raises ``NotMember`` when there is nothing to withdraw.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    state = membership(user, group)
    if not state.is_member:
        raise errors.NotMember(f"You are not a member of {group}, so there is nothing to "
                               "withdraw.")
    record = ledger_append(user=user, group=group, version=state.grant.agreement_version,
                           action=ConsentRecord.Action.WITHDRAW, statements=[],
                           context=context)
    _send_receipt_on_commit(record)
    return record


@transaction.atomic
def agreement_create_draft(*, group: CommunityGroup, acting_user: User | None, text: str,
                           **terms) -> AgreementVersion:
    """A new draft for ``group``; terms default to the current version's."""
    current = group.current_version()
    base = {}
    if current is not None:
        base = {f: getattr(current, f) for f in (
            "title", "statements", "permitted_uses", "credit_required", "credit_format",
            "term_years", "minimum_age", "release_required_for_people")}
    base.update(terms)
    bad = [u for u in base.get("permitted_uses", []) if u not in USE_LABELS]
    if bad:
        raise ValueError(f"unknown permitted uses: {bad}")
    return AgreementVersion.objects.create(group=group, text=text, created_by=acting_user, **base)


@transaction.atomic
def agreement_publish(*, version: AgreementVersion, acting_user: User | None
                      ) -> AgreementVersion:
    """Publish a draft: number it, fix its text hash and time. It never changes again.

    Raises ``AgreementImmutable`` if it is already published, ``ValueError`` if it
    has no text, statements or permitted use.
    """
    version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise errors.AgreementImmutable(f"{version} is already published.")
    if not version.text.strip() or not version.statements or not version.permitted_uses:
        raise ValueError("An agreement needs its text, at least one statement and one "
                         "permitted use before it is published.")
    # Lock the group's versions so two publications cannot take the same number.
    numbers = list(AgreementVersion.objects.select_for_update()
                   .filter(group_id=version.group_id, number__isnull=False)
                   .values_list("number", flat=True))
    version.number = max(numbers, default=0) + 1
    version.text_sha256 = version.compute_text_sha256()
    version.published_at = timezone.now()
    version.published_by = acting_user
    version.save(update_fields=["number", "text_sha256", "published_at", "published_by"])
    return version
