"""Guards on receipts: every field of the Kantara v1.1 JSON and of the emailed receipt is
the record's own value, for a grant and for a withdrawal.

The receipt is what a resident keeps as proof, so the whole document is compared, not a
few fields of it (mutants of single fields survived the older tests; bench/MUTATION.md).
"""

import pytest
from django.core import mail
from django.urls import reverse

from photolib.consent import receipts, signing
from photolib.consent.models import USE_LABELS, CollectionMethod, ConsentRecord
from photolib.consent.services import RequestContext, consent_withdraw
from tests.consent.conftest import grant

pytestmark = pytest.mark.django_db


def expected_receipt(record, settings) -> dict:
    version = record.agreement_version
    withdraw_url = settings.SITE_URL + reverse("consent:withdraw", args=[record.group.slug])
    withdrawn = record.action == "WITHDRAW"
    when = record.created_at.isoformat(timespec="seconds")
    termination = (f"Withdrawn at {when}: no new use from then on" if withdrawn
                   else f"{version.term_label()}; or when you withdraw")
    prefix = "Withdrawn: " if withdrawn else ""
    pii = ["photographs you upload", "your credit name", "photo metadata (EXIF)"]
    kid = signing.city_key().kid
    extensions = {
        "action": record.action,
        "receiptType": "withdrawal" if withdrawn else "consent",
        "collectionMethodCode": record.collection_method,
        "consentTimestampISO": when,
        "group": record.group.name,
        "agreementVersion": version.number,
        "agreementTextSha256": record.agreement_text_sha256,
        "statementsAffirmed": list(record.statements),
        "ledgerSequence": record.sequence,
        "recordHash": record.record_hash,
        "previousRecordHash": record.prev_hash,
        "howToWithdraw": f"Sign in and open {withdraw_url} (or your account page), press "
                         "“Withdraw consent” and confirm. It takes effect at once.",
        "signingKeyId": kid,
        # What lets the resident prove the record was theirs after erasure.
        "personalDataCommitment": {
            "algorithm": "SHA-256(salt ':' canonical JSON of fields)",
            "commitment": record.personal_commitment,
            "salt": record.evidence.salt,
            "fields": {"account_id": record.user_id, "email": record.evidence.email,
                       "display_name": record.evidence.display_name,
                       "ip_address": record.evidence.ip_address or "",
                       "user_agent": record.evidence.user_agent},
        },
    }
    if withdrawn:
        extensions["revokes"] = [str(g.id) for g in ConsentRecord.objects.filter(
            user=record.user, group=record.group, action="GRANT",
            sequence__lt=record.sequence).order_by("sequence")]
    core = {
        "purpose": f"{prefix}Keeping your photos and credit name in {settings.CONTROLLER_NAME}"
                   "'s community photo library, where they are reviewed and offered to the "
                   "city's marketing staff",
        "purposeCategory": ["Core Function"],
        "consentType": "EXPLICIT",
        "piiCategory": pii,
        "primaryPurpose": True,
        "termination": termination,
        "thirdPartyDisclosure": False,
    }
    return {
        "version": "KI-CR-v1.1.0",
        "jurisdiction": settings.CONTROLLER_JURISDICTION,
        "consentTimestamp": int(record.created_at.timestamp()),
        "collectionMethod": CollectionMethod(record.collection_method).label,
        "consentReceiptID": str(record.id),
        "publicKey": f"{settings.SITE_URL}/.well-known/jwks.json#{kid}",
        "language": "en",
        "piiPrincipalId": record.subject_email,
        "piiControllers": [{
            "piiController": settings.CONTROLLER_NAME, "onBehalf": False,
            "contact": settings.CONTROLLER_CONTACT, "address": settings.CONTROLLER_ADDRESS,
            "email": settings.CONTROLLER_CONTACT, "phone": settings.CONTROLLER_PHONE,
            "piiControllerUrl": settings.SITE_URL,
        }],
        "policyUrl": settings.SITE_URL + reverse("consent:agreement_detail", args=[version.pk]),
        "services": [{
            "service": f"Community photo group: {record.group.name}",
            "purposes": [core] + [{
                "purpose": f"{prefix}Use of your photos by {settings.CONTROLLER_NAME}: "
                           f"{USE_LABELS[code]}",
                "purposeCategory": ["Marketing"],
                "consentType": "EXPLICIT",
                "piiCategory": pii,
                "primaryPurpose": False,
                "termination": termination,
                "thirdPartyDisclosure": False,
            } for code in version.permitted_uses],
        }],
        "sensitive": False,
        "spiCat": [],
        "extensions": extensions,
    }


def test_the_receipt_json_is_the_records_own_document(group, resident, settings):
    settings.SITE_URL = "https://photos.city.example"
    record = grant(resident, group)
    assert receipts.receipt_json(record) == expected_receipt(record, settings)
    withdrawal = consent_withdraw(user=resident, group=group, context=RequestContext(),
                                  method=CollectionMethod.WITHDRAW_BUTTON)
    data = receipts.receipt_json(withdrawal)
    assert data == expected_receipt(withdrawal, settings)
    assert data["extensions"]["previousRecordHash"] == record.record_hash
    assert data["extensions"]["ledgerSequence"] == record.sequence + 1


def test_the_receipt_mail_names_the_record_and_how_to_withdraw(group, resident, settings,
                                                                django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://photos.city.example"
    with django_capture_on_commit_callbacks(execute=True):
        record = grant(resident, group)
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal = consent_withdraw(user=resident, group=group, context=RequestContext(),
                                  method=CollectionMethod.WITHDRAW_BUTTON)
    assert [m.subject for m in mail.outbox] == [
        f"Receipt for your consent: {group.name}", f"Receipt for your withdrawal: {group.name}"]
    assert [m.to for m in mail.outbox] == [[resident.email], [resident.email]]
    body = mail.outbox[0].body
    version = record.agreement_version
    for line in (f"Record id:           {record.id}",
                 f"Agreement version:   {version.number}",
                 f"Time (UTC):          {record.created_at.isoformat(timespec='seconds')}",
                 f"Controller:          {settings.CONTROLLER_NAME}",
                 "Purposes:            " + ", ".join(version.use_labels()),
                 "How to withdraw: " + receipts.withdraw_instructions(record),
                 "Receipt online (with a JSON copy): https://photos.city.example"
                 + reverse("consent:receipt", kwargs={"record_id": record.id}),
                 f"Ledger entry #{record.sequence}, hash {record.record_hash}"):
        assert line in body.splitlines(), line
    assert "withdrawal of your consent" in mail.outbox[1].body
    assert f"Record id:           {withdrawal.id}" in mail.outbox[1].body.splitlines()


# receipt_verify: the exact answer on every path, since an auditor reads the code, the
# reason (with the record number) and the facts, not only ``valid``.

def signed_claims(claims) -> str:
    return signing.sign_compact(claims, typ="JWT")


def second_grant(resident, group):
    """Grant, withdraw, grant again: a record whose number is not the first (#3)."""
    grant(resident, group)
    consent_withdraw(user=resident, group=group, context=RequestContext(),
                     method=CollectionMethod.WITHDRAW_BUTTON)
    return grant(resident, group)


def record_facts(record) -> dict:
    return {"record_id": str(record.id), "group": record.group.name,
            "agreement_version": record.agreement_version.number, "action": record.action,
            "time": record.created_at.isoformat(timespec="seconds"),
            "sequence": record.sequence}


def test_a_valid_receipt_check_is_exactly_the_records_facts(group, resident, settings):
    settings.CONTROLLER_NAME = "City of Example"
    record = second_grant(resident, group)
    check = receipts.receipt_verify(token=receipts.receipt_jws(record))
    assert check == receipts.ReceiptCheck(
        True, "valid", f"signed by City of Example and matching ledger record #{record.sequence}",
        {**record_facts(record), "personal_data": "proven"})
    assert record.sequence == 3


def test_a_receipt_without_its_proof_is_checked_on_the_hash_alone(group, resident):
    record = grant(resident, group)
    for proof in ({}, "not a dict", {"salt": "", "fields": {}},
                  {"salt": record.evidence.salt, "fields": "not a dict"}, None):
        claims = receipts.receipt_json(record)
        claims["extensions"]["personalDataCommitment"] = proof
        check = receipts.receipt_verify(token=signed_claims(claims))
        assert (check.valid, check.code, check.facts) == (True, "valid", record_facts(record))


def test_changed_or_unreadable_personal_fields_do_not_match(group, resident):
    record = grant(resident, group)
    for field, value in (("email", "someone.else@example.org"), ("account_id", "abc"),
                         ("account_id", [1])):
        claims = receipts.receipt_json(record)
        claims["extensions"]["personalDataCommitment"]["fields"][field] = value
        check = receipts.receipt_verify(token=signed_claims(claims))
        assert check.valid and check.facts["personal_data"] == "does not match", (field, value)
    claims = receipts.receipt_json(record)
    claims["extensions"]["personalDataCommitment"]["salt"] = "00" * 16
    assert receipts.receipt_verify(token=signed_claims(claims)).facts["personal_data"] == \
        "does not match"


def test_a_receipt_without_extensions_or_hash_differs_from_the_record(group, resident):
    record = second_grant(resident, group)
    reason = (f"the city signed it, but ledger record #{record.sequence} no longer has the "
              "hash the receipt states")
    for extensions in (None, {}):
        claims = receipts.receipt_json(record)
        claims["extensions"] = extensions
        check = receipts.receipt_verify(token=signed_claims(claims))
        assert check == receipts.ReceiptCheck(False, "record_differs", reason,
                                              record_facts(record))


def test_a_receipt_naming_no_record_or_an_unknown_one_says_which(group, resident):
    record = grant(resident, group)
    for raw in ("not-a-uuid", None):
        claims = receipts.receipt_json(record)
        claims["consentReceiptID"] = raw
        assert receipts.receipt_verify(token=signed_claims(claims)) == receipts.ReceiptCheck(
            False, "malformed", "the signature holds, but it names no consent receipt id")
    claims = receipts.receipt_json(record)
    del claims["consentReceiptID"]
    assert receipts.receipt_verify(token=signed_claims(claims)).code == "malformed"
    unknown = "00000000-0000-4000-8000-000000000000"
    claims["consentReceiptID"] = unknown
    assert receipts.receipt_verify(token=signed_claims(claims)) == receipts.ReceiptCheck(
        False, "unknown_record", f"the city signed it, but the ledger has no record {unknown}")


# revoked_grants: a withdrawal receipt lists exactly the grants it ends: this person's,
# for this group, since their previous withdrawal there.

def withdraw(user, group):
    return consent_withdraw(user=user, group=group, context=RequestContext(),
                            method=CollectionMethod.WITHDRAW_BUTTON)


def revokes(record) -> list[str]:
    return receipts.receipt_json(record)["extensions"]["revokes"]


def test_a_withdrawal_revokes_only_the_persons_own_grants_in_that_group(group, resident):
    from photolib.consent.models import CommunityGroup
    from tests.consent.conftest import make_user, publish

    other_group = CommunityGroup.objects.create(name="Old Town", slug="old-town")
    publish(other_group)
    neighbour = make_user("nina@example.org")
    neighbours_grant = grant(neighbour, group)
    own_grant = grant(resident, group)
    grant(resident, other_group)  # the same person, another group: untouched
    withdrawal = withdraw(resident, group)
    assert revokes(withdrawal) == [str(own_grant.id)]
    assert [g.id for g in receipts.revoked_grants(withdrawal)] == [own_grant.id]
    assert revokes(withdraw(neighbour, group)) == [str(neighbours_grant.id)]


def test_a_second_withdrawal_revokes_only_the_grants_since_the_first(group, resident):
    from tests.consent.conftest import publish

    first = grant(resident, group)
    first_withdrawal = withdraw(resident, group)
    again = grant(resident, group)
    publish(group, text="Version two of the agreement.")
    reaccepted = grant(resident, group)  # re-acceptance under v2, same membership
    second_withdrawal = withdraw(resident, group)
    assert revokes(first_withdrawal) == [str(first.id)]
    assert revokes(second_withdrawal) == [str(again.id), str(reaccepted.id)]
    assert receipts.revoked_grants(again) == []  # a grant revokes nothing


def test_a_receipt_check_reads_the_ledger_once(group, resident, django_assert_num_queries):
    """The check is public and unauthenticated: one query per receipt, however it ends."""
    record = second_grant(resident, group)
    token = receipts.receipt_jws(record)
    with django_assert_num_queries(1):
        check = receipts.receipt_verify(token=token)
    assert (check.code, check.facts["group"], check.facts["agreement_version"]) == \
        ("valid", "Harbour Photos", 1)
