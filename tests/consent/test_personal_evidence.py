"""Personal data beside the chain: each record hashes a salted commitment to it, the
data sits in an erasable evidence row, and receipts carry the salt."""

import hashlib
import json

import pytest
from django.db import connection

from photolib.consent import iso27560, receipts, services
from photolib.consent.errors import LedgerImmutable
from photolib.consent.ledger import verify_ledger
from photolib.consent.models import ConsentEvidence, ConsentRecord
from tests.consent.conftest import grant, make_user

pytestmark = pytest.mark.django_db


def test_the_record_holds_no_personal_data_only_its_salted_commitment(group, resident):
    record = grant(resident, group, services.RequestContext(ip_address="192.0.2.71",
                                                            user_agent="Agent/7"))
    columns = {f.column for f in ConsentRecord._meta.concrete_fields}
    assert not columns & {"subject_email", "subject_name", "ip_address", "user_agent"}
    evidence = ConsentEvidence.objects.get(record=record)
    assert (evidence.account_id, evidence.email, evidence.display_name, evidence.ip_address,
            evidence.user_agent) == (resident.pk, "rosa@example.org", "Rosa", "192.0.2.71",
                                     "Agent/7")
    # The commitment, computed independently of the model: salt, a colon, sorted JSON.
    payload = json.dumps({"account_id": resident.pk, "display_name": "Rosa",
                          "email": "rosa@example.org", "ip_address": "192.0.2.71",
                          "user_agent": "Agent/7"}, sort_keys=True, separators=(",", ":"))
    assert record.personal_commitment == hashlib.sha256(
        f"{evidence.salt}:{payload}".encode()).hexdigest()
    assert len(evidence.salt) == 32
    hashed = json.dumps(record.canonical_fields())
    assert "rosa@example.org" not in hashed and "192.0.2.71" not in hashed


def test_two_records_of_one_person_have_different_salts(group, resident):
    first = grant(resident, group)
    second = services.consent_withdraw(user=resident, group=group, method="withdraw_button",
                                       context=services.RequestContext())
    assert first.evidence.salt != second.evidence.salt
    assert first.personal_commitment != second.personal_commitment


def test_evidence_is_never_changed(group, resident):
    record = grant(resident, group)
    evidence = ConsentEvidence.objects.get(record=record)
    evidence.email = "other@example.org"
    with pytest.raises(LedgerImmutable):
        evidence.save()
    with pytest.raises(LedgerImmutable):
        ConsentEvidence.objects.filter(pk=record.pk).update(email="other@example.org")
    assert ConsentEvidence.objects.get(record=record).email == "rosa@example.org"


def test_the_chain_verifies_with_and_without_evidence_and_catches_altered_evidence(group,
                                                                                 resident):
    grant(resident, group)
    other = grant(make_user("sam@example.org"), group)
    assert verify_ledger().ok
    erased = services.consent_evidence_erase(user=resident)
    assert erased == 1
    result = verify_ledger()
    assert result.ok and result.records == 2
    # Someone rewrites the remaining evidence row behind the model's back.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE consent_consentevidence SET email = %s WHERE record_id = %s",
                       ["forged@example.org",
                        other.pk.hex if connection.vendor == "sqlite" else other.pk])
    result = verify_ledger()
    assert not result.ok and result.problem.sequence == other.sequence
    assert "personal data was altered" in result.problem.reason


def test_the_receipt_carries_the_salt_and_still_proves_the_record_after_erasure(
        group, resident):
    record = grant(resident, group)
    token = receipts.receipt_jws(record)
    body = receipts.receipt_json(record)
    proof = body["extensions"]["personalDataCommitment"]
    assert proof["salt"] == record.evidence.salt
    assert proof["fields"]["email"] == "rosa@example.org"
    assert proof["commitment"] == record.personal_commitment
    event = iso27560.consent_record(record)["events"][-1]
    assert event["personalDataSalt"] == record.evidence.salt
    assert event["personalDataCommitment"] == record.personal_commitment

    services.consent_evidence_erase(user=resident)
    check = receipts.receipt_verify(token=token)
    assert check.valid and check.code == "valid"
    assert check.facts["personal_data"] == "proven"
    # A receipt made now names the account only, and carries no salt.
    after = receipts.receipt_json(ConsentRecord.objects.get(pk=record.pk))
    assert after["piiPrincipalId"] == f"urn:photolib:account:{resident.pk}"
    assert "salt" not in after["extensions"]["personalDataCommitment"]
