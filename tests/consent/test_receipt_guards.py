"""Guards on receipts: every field of the Kantara v1.1 JSON and of the emailed receipt is
the record's own value, for a grant and for a withdrawal.

The receipt is what a resident keeps as proof, so the whole document is compared, not a
few fields of it (mutants of single fields survived the older tests; bench/MUTATION.md).
"""

import pytest
from django.core import mail
from django.urls import reverse

from photolib.consent import receipts
from photolib.consent.models import USE_LABELS
from photolib.consent.services import RequestContext, consent_withdraw
from tests.consent.conftest import grant

pytestmark = pytest.mark.django_db


def expected_receipt(record, settings) -> dict:
    version = record.agreement_version
    withdraw_url = settings.SITE_URL + reverse("consent:withdraw", args=[record.group.slug])
    return {
        "version": "KI-CR-v1.1.0",
        "jurisdiction": settings.CONTROLLER_JURISDICTION,
        "consentTimestamp": int(record.created_at.timestamp()),
        "collectionMethod": record.collection_method,
        "consentReceiptID": str(record.id),
        "language": "en",
        "piiPrincipalId": record.subject_email,
        "piiControllers": [{
            "piiController": settings.CONTROLLER_NAME, "onBehalf": False,
            "contact": settings.CONTROLLER_CONTACT, "address": settings.CONTROLLER_ADDRESS,
            "email": settings.CONTROLLER_CONTACT, "phone": "",
            "piiControllerUrl": settings.SITE_URL,
        }],
        "policyUrl": settings.SITE_URL + reverse("consent:agreement_detail", args=[version.pk]),
        "services": [{
            "service": f"Community photo group: {record.group.name}",
            "purposes": [{
                "purpose": f"Reuse of your photos by {settings.CONTROLLER_NAME}: "
                           f"{USE_LABELS[code]}",
                "purposeCategory": [code],
                "consentType": "EXPLICIT",
                "piiCategory": ["photographs you upload", "your credit name", "photo metadata"],
                "primaryPurpose": True,
                "termination": version.term_label(),
                "thirdPartyDisclosure": False,
            } for code in version.permitted_uses],
        }],
        "sensitive": False,
        "spiCat": [],
        "extensions": {
            "action": record.action,
            "consentTimestampISO": record.created_at.isoformat(timespec="seconds"),
            "group": record.group.name,
            "agreementVersion": version.number,
            "agreementTextSha256": record.agreement_text_sha256,
            "statementsAffirmed": list(record.statements),
            "ledgerSequence": record.sequence,
            "recordHash": record.record_hash,
            "previousRecordHash": record.prev_hash,
            "howToWithdraw": f"Sign in and open {withdraw_url} (or your account page), press "
                             "“Withdraw consent” and confirm. It takes effect at once.",
        },
    }


def test_the_receipt_json_is_the_records_own_document(group, resident, settings):
    settings.SITE_URL = "https://photos.city.example"
    record = grant(resident, group)
    assert receipts.receipt_json(record) == expected_receipt(record, settings)
    withdrawal = consent_withdraw(user=resident, group=group, context=RequestContext())
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
        withdrawal = consent_withdraw(user=resident, group=group, context=RequestContext())
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
