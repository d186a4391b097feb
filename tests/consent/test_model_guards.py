"""Guards on the consent models: what a record's hash is computed over and how, that a
published agreement refuses every change, and the words the terms are shown in.

An outside verifier recomputes the hash from the receipt, so its recipe is pinned here
(SHA-256 over the canonical fields as compact, key-sorted UTF-8 JSON), not only checked
against itself. See bench/MUTATION.md.
"""

import hashlib
import json
import uuid
from datetime import UTC, datetime

import pytest
from django.db.utils import ConnectionDoesNotExist
from django.urls import reverse

from photolib.consent import services
from photolib.consent.errors import AgreementImmutable, LedgerImmutable
from photolib.consent.models import (
    GENESIS_HASH,
    AgreementVersion,
    CollectionMethod,
    CommunityGroup,
    ConsentRecord,
    LedgerHead,
)
from tests.consent.conftest import grant, make_user, publish

pytestmark = pytest.mark.django_db

CONTEXT = services.RequestContext(ip_address="203.0.113.7", user_agent="Mozilla/5.0 pytest")


def test_canonical_fields_are_every_fact_of_the_record(group):
    resident = make_user("zoe@example.org")
    resident.display_name = "Zoë Ünal"
    resident.save(update_fields=["display_name"])
    record = grant(resident, group, context=CONTEXT)
    version = group.current_version()
    evidence = record.evidence
    personal = json.dumps({"account_id": resident.pk, "display_name": "Zoë Ünal",
                           "email": "zoe@example.org", "ip_address": "203.0.113.7",
                           "user_agent": "Mozilla/5.0 pytest"},
                          sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    commitment = hashlib.sha256(f"{evidence.salt}:{personal}".encode()).hexdigest()
    assert record.canonical_fields() == {
        "id": str(record.id),
        "sequence": 1,
        "user_id": resident.pk,
        "personal_commitment": commitment,
        "group_id": group.pk,
        "agreement_version_id": version.pk,
        "agreement_text_sha256": version.text_sha256,
        "action": "GRANT",
        "statements": version.statements,
        "created_at": record.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "collection_method": CollectionMethod.JOIN_FORM,
        "prev_hash": GENESIS_HASH,
    }
    payload = json.dumps(record.canonical_fields(), sort_keys=True, ensure_ascii=False,
                         separators=(",", ":")).encode("utf-8")
    assert record.record_hash == hashlib.sha256(payload).hexdigest()
    assert len(evidence.salt) == 32 and evidence.display_name == "Zoë Ünal"
    assert "Zoë Ünal".encode() in personal.encode()  # UTF-8, not \\u escapes


def test_the_canonical_time_is_utc_to_the_microsecond(group, resident):
    record = grant(resident, group)
    record.created_at = datetime(2026, 3, 1, 12, 0, 0, 5, tzinfo=UTC)
    assert record.canonical_fields()["created_at"] == "2026-03-01T12:00:00.000005+00:00"
    anonymous = services.consent_withdraw(user=resident, group=group,
                                          context=services.RequestContext(),
                                          method=CollectionMethod.WITHDRAW_BUTTON)
    assert anonymous.evidence.ip_address is None
    assert "ip_address" not in anonymous.canonical_fields()  # personal data stays out
    assert anonymous.canonical_fields()["statements"] == []


def test_the_ledger_refuses_changes_and_forged_hashes(group, resident):
    record = grant(resident, group)
    messages = []
    for attempt in (record.save, record.delete,
                    lambda: ConsentRecord.objects.filter(pk=record.pk).update(action="X"),
                    lambda: ConsentRecord.objects.filter(pk=record.pk).delete(),
                    lambda: ConsentRecord.objects.filter(pk=record.pk)._raw_delete("default")):
        with pytest.raises(LedgerImmutable) as refused:
            attempt()
        messages.append(str(refused.value))
    assert messages == [
        "Consent records are append-only; they cannot be changed.",
        "Consent records are append-only; they cannot be deleted.",
        "Consent records are append-only; they cannot be updated.",
        "Consent records are append-only; they cannot be deleted.",
        "Consent records are append-only; they cannot be deleted.",
    ]
    copy = ConsentRecord(**{f.attname: getattr(record, f.attname)
                            for f in ConsentRecord._meta.concrete_fields})
    copy.sequence, copy.record_hash = 2, ""
    with pytest.raises(LedgerImmutable, match="^Append consent records through services"):
        copy.save()
    assert ConsentRecord.objects.count() == 1


def test_the_querysets_name_grants_and_withdrawals(group, resident):
    first = grant(resident, group)
    withdrawal = services.consent_withdraw(user=resident, group=group, context=CONTEXT,
                                           method=CollectionMethod.WITHDRAW_BUTTON)
    again = grant(resident, group)
    assert list(ConsentRecord.objects.grants()) == [first, again]
    assert list(ConsentRecord.objects.withdrawals()) == [withdrawal]
    head = LedgerHead.objects.get()
    assert (head.last_sequence, head.last_hash) == (3, again.record_hash)
    assert str(head) == "ledger head at #3"
    assert str(first) == f"#1 GRANT account {resident.pk} → {group.pk}"  # no personal data
    assert first.get_absolute_url() == reverse("consent:receipt", args=[first.id])


def test_a_published_agreement_refuses_every_change(group):
    version = group.current_version()
    with pytest.raises(AgreementImmutable, match=r"is published; publish a new version"):
        version.save()
    with pytest.raises(AgreementImmutable, match=r"is published and cannot be deleted"):
        version.delete()
    with pytest.raises(AgreementImmutable, match=r"^A published agreement version cannot"):
        AgreementVersion.objects.filter(group=group).update(text="changed")
    draft = services.agreement_create_draft(group=group, acting_user=None, text="Draft two")
    assert not draft.is_published and version.is_published
    assert AgreementVersion.objects.filter(pk=draft.pk).update(text="Draft two, edited") == 1
    draft.refresh_from_db()
    draft.title = "Edited title"
    draft.save()
    assert AgreementVersion.objects.get(pk=draft.pk).title == "Edited title"
    assert str(draft) == f"{group} – draft" and str(version) == f"{group} – v1"
    assert group.current_version() == version  # a draft is not current
    assert list(AgreementVersion.objects.filter(group=group).published()) == [version]
    # A draft's delete passes its arguments on to Django's (here: an unknown database).
    with pytest.raises(ConnectionDoesNotExist):
        draft.delete("no-such-database")
    with pytest.raises(ConnectionDoesNotExist):
        draft.delete(using="no-such-database")
    draft.delete()
    assert not AgreementVersion.objects.filter(pk=draft.pk).exists()
    assert version.text_sha256 == hashlib.sha256(version.text.encode()).hexdigest()


def test_the_newest_published_version_is_current(group):
    second = publish(group, text="Version two")
    assert (second.number, group.current_version()) == (2, second)
    assert str(group) == "Harbour Photos"
    assert group.get_absolute_url() == reverse("consent:group_detail", args=["harbour"])


@pytest.mark.parametrize(("years", "label"), [
    (None, "Perpetual (until you withdraw)"), (1, "1 year from your consent"),
    (3, "3 years from your consent")])
def test_term_labels(group, years, label):
    version = publish(group, text=f"Term {years}", term_years=years)
    assert version.term_label() == label


def test_the_term_ends_on_the_same_day_years_later(group):
    perpetual = group.current_version()
    assert perpetual.term_ends(datetime(2024, 2, 29, tzinfo=UTC)) is None
    version = publish(group, text="Two years", term_years=2)
    assert version.term_ends(datetime(2025, 6, 21, 18, 30, tzinfo=UTC)) == datetime(
        2027, 6, 21, 18, 30, tzinfo=UTC)
    assert version.term_ends(datetime(2024, 2, 29, 9, tzinfo=UTC)) == datetime(
        2026, 2, 28, 9, tzinfo=UTC)


def test_the_summary_says_every_term_in_words(db):
    group = CommunityGroup.objects.create(name="Old Town", slug="old-town")
    version = publish(group, text="Old town agreement", permitted_uses=["web", "print"],
                      term_years=5, minimum_age=18, credit_format="© {credit_name}, {group}")
    assert version.use_labels() == ["Websites", "Print (brochures, posters, magazines)"]
    assert version.summary() == [
        "The city may use your photos for: Websites, Print (brochures, posters, magazines).",
        "You are credited as “© your credit name, Old Town”.",
        "Term: 5 years from your consent.",
        "Non-exclusive: you keep your copyright and may license your photos to anyone else.",
        "No payment: you share your photos without compensation.",
        "You must be at least 18 years old.",
        "Where identifiable people appear, you confirm they agreed.",
        "No AI training: nobody may use your photos to train AI models, and every file the "
        "city hands out says so.",
        "You can withdraw at any time; photos then stop being used for new purposes.",
    ]
    strict = publish(group, text="Strict", credit_required=False,
                     release_required_for_people=True, ai_training_allowed=True)
    lines = strict.summary()
    assert lines[1] == "The city need not credit you."
    assert lines[6] == "Where identifiable people appear, a signed release must be attached."
    assert lines[7] == "The city may let others use your photos to train AI models."


def test_a_new_draft_starts_from_the_three_statements(db):
    group = CommunityGroup.objects.create(name="New Group", slug="new-group")
    draft = services.agreement_create_draft(group=group, acting_user=None, text="First",
                                            permitted_uses=["web"])
    assert draft.statements == [
        "I am at least the minimum age stated in this agreement.",
        "I license the photos I upload to this group to the city under the terms above.",
        "I understand that I can withdraw my consent at any time, and how to do it.",
    ]


def test_the_canonical_time_is_utc_whatever_the_sites_time_zone(group, resident, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    record = grant(resident, group)
    record.created_at = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert record.canonical_fields()["created_at"] == "2026-07-01T12:00:00.000000+00:00"


def test_the_user_agent_is_kept_to_512_characters_and_empty_when_unknown(group, resident):
    long_agent = "Mozilla/5.0 " + "x" * 600
    record = grant(resident, group,
                   context=services.RequestContext(ip_address=None, user_agent=long_agent))
    assert ConsentRecord.objects.get(pk=record.pk).user_agent == long_agent[:512]
    withdrawal = services.consent_withdraw(user=resident, group=group,
                                           context=services.RequestContext(),
                                           method=CollectionMethod.WITHDRAW_BUTTON)
    assert ConsentRecord.objects.get(pk=withdrawal.pk).user_agent == ""


def test_saves_pass_their_arguments_on(group, resident):
    """Both models hand ``using`` on to Django (here: an unknown database)."""
    draft = services.agreement_create_draft(group=group, acting_user=None, text="Draft")
    with pytest.raises(ConnectionDoesNotExist):
        draft.save(using="no-such-database")
    record = grant(resident, group)
    copy = ConsentRecord(**{f.attname: getattr(record, f.attname)
                            for f in ConsentRecord._meta.concrete_fields})
    copy.id, copy.sequence, copy.prev_hash = uuid.uuid4(), 2, record.record_hash
    copy.record_hash = copy.compute_hash()
    with pytest.raises(ConnectionDoesNotExist):
        copy.save(using="no-such-database")
    assert ConsentRecord.objects.count() == 1


# ConsentRecord.canonical_fields for a photo withdrawal, and ConsentEvidence.save.

def photo_withdrawal(group, resident, photo_id):
    first = grant(resident, group)
    return services.consent_withdraw_photo(
        user=resident, group=group, version=first.agreement_version, photo_id=photo_id,
        photo_title="The lighthouse at dusk", context=CONTEXT, send_receipt=False)


def test_a_photo_withdrawals_hash_covers_the_photo_in_canonical_form(group, resident):
    photo_id = uuid.UUID("0f8e4d2c-1b3a-4c5d-9e6f-7a8b9c0d1e2f")
    record = ConsentRecord.objects.get(pk=photo_withdrawal(group, resident, photo_id).pk)
    fields = record.canonical_fields()
    assert (fields["action"], fields["statements"]) == ("WITHDRAW_PHOTO", [])
    assert fields["photo_id"] == "0f8e4d2c-1b3a-4c5d-9e6f-7a8b9c0d1e2f"
    assert fields["photo_title"] == "The lighthouse at dusk"
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert record.record_hash == hashlib.sha256(payload.encode()).hexdigest()
    # The same photo named by a string in another spelling hashes the same.
    record.photo_id = "0F8E4D2C1B3A4C5D9E6F7A8B9C0D1E2F"
    assert record.canonical_fields()["photo_id"] == "0f8e4d2c-1b3a-4c5d-9e6f-7a8b9c0d1e2f"
    assert record.compute_hash() == record.record_hash


def test_removing_either_photo_field_still_leaves_both_in_the_hash(group, resident):
    record = photo_withdrawal(group, resident, uuid.uuid4())
    record.photo_id = None  # the id removed, the title left: both keys stay, the id empty
    assert {k: record.canonical_fields()[k] for k in ("photo_id", "photo_title")} == \
        {"photo_id": "", "photo_title": "The lighthouse at dusk"}
    assert record.compute_hash() != record.record_hash
    record.photo_title = ""  # both gone: the record reads as a group record
    assert "photo_id" not in record.canonical_fields()
    assert "photo_title" not in record.canonical_fields()
    grant_record = grant(make_user("gus@example.org"), group)
    assert "photo_id" not in grant_record.canonical_fields()
    grant_record.photo_title = "Slipped in"
    assert grant_record.canonical_fields()["photo_id"] == ""
    assert grant_record.compute_hash() != grant_record.record_hash


def test_evidence_is_only_ever_inserted_never_overwritten(group, resident):
    from django.db import IntegrityError, transaction

    from photolib.consent.models import ConsentEvidence

    record = grant(resident, group, context=CONTEXT)
    stored = ConsentEvidence.objects.get(pk=record.pk)
    # A fresh object for the same record must not turn into an UPDATE of the row.
    forged = ConsentEvidence(record=record, salt="00" * 16, account_id=resident.pk,
                             email="forged@example.org", display_name="Forged",
                             ip_address=None, user_agent="forged")
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()
    again = ConsentEvidence.objects.get(pk=record.pk)
    assert (again.salt, again.email, again.user_agent) == \
        (stored.salt, "rosa@example.org", "Mozilla/5.0 pytest")
    with pytest.raises(LedgerImmutable, match=r"^Consent evidence is never changed; it can "
                                              r"only be erased\.$"):
        again.save()
    with pytest.raises(ConnectionDoesNotExist):
        ConsentEvidence(record=grant(make_user("ivy@example.org"), group), salt="11" * 16,
                        account_id=resident.pk, email="ivy@example.org").save(
            using="no-such-database")


# The canonical forms an auditor recomputes without our code: pinned byte for byte.

def test_the_record_hash_is_the_sha256_of_compact_sorted_utf8_json():
    from photolib.consent.models import canonical_hash

    fields = {"statements": ["I agree “as written”"], "display": "Zoë", "sequence": 3}
    expected = '{"display":"Zoë","sequence":3,"statements":["I agree “as written”"]}'
    assert canonical_hash(fields) == hashlib.sha256(expected.encode("utf-8")).hexdigest()


def test_the_personal_commitment_reads_missing_fields_as_empty_and_no_account_as_0():
    from photolib.consent.models import personal_commitment

    fields = {"account_id": None, "email": "zoe@example.org", "display_name": None,
              "ip_address": None, "user_agent": "Zoë’s phone"}
    expected = ('ab12:{"account_id":0,"display_name":"","email":"zoe@example.org",'
                '"ip_address":"","user_agent":"Zoë’s phone"}')
    assert personal_commitment(salt="ab12", fields=fields) == \
        hashlib.sha256(expected.encode("utf-8")).hexdigest()
    assert personal_commitment(salt="ab12", fields={**fields, "account_id": "7"}) == \
        hashlib.sha256(expected.replace('"account_id":0', '"account_id":7')
                       .encode("utf-8")).hexdigest()


def test_a_reconciled_record_must_and_only_it_may_name_what_it_re_records(group, resident):
    version = group.current_version()
    common = {"user": resident, "group": group, "version": version, "action": "WITHDRAW",
              "statements": [], "context": services.RequestContext()}
    message = "^a reconciled record, and only one, names the record it re-records$"
    with pytest.raises(ValueError, match=message):
        services.ledger_append(method="reconciled", **common)
    with pytest.raises(ValueError, match=message):
        services.ledger_append(method="withdraw_button", reconciles={"sequence": 4}, **common)
    assert not resident.consent_records.exists()


def test_a_refused_credit_format_gives_the_validators_sentence(group):
    with pytest.raises(ValueError, match=r"^Keep the credit format to 200 characters "
                                         r"\(it has 201\)\.$"):
        services.agreement_create_draft(group=group, acting_user=None, text="Draft.\n",
                                        permitted_uses=["web"], credit_format="x" * 201)
