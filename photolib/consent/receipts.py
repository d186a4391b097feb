"""Consent receipts: the page, the email and JSON in the Kantara Consent Receipt
v1.1 shape (field names from the Kantara Initiative's specification)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from photolib.consent.models import USE_LABELS, ConsentRecord, collection_method_label

KANTARA_VERSION = "KI-CR-v1.1.0"


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def withdraw_instructions(record: ConsentRecord) -> str:
    url = absolute(reverse("consent:withdraw", kwargs={"slug": record.group.slug}))
    return (f"Sign in and open {url} (or your account page), press “Withdraw consent” and "
            "confirm. It takes effect at once.")


def receipt_json(record: ConsentRecord) -> dict[str, Any]:
    """The receipt as a JSON-ready dict. Kantara's fields first; ours under ``extensions``."""
    version = record.agreement_version
    policy_url = absolute(reverse("consent:agreement_detail", kwargs={"pk": version.pk}))
    purposes = [
        {
            "purpose": f"Reuse of your photos by {settings.CONTROLLER_NAME}: {label}",
            "purposeCategory": [code],
            "consentType": "EXPLICIT",
            "piiCategory": ["photographs you upload", "your credit name", "photo metadata"],
            "primaryPurpose": True,
            "termination": version.term_label(),
            "thirdPartyDisclosure": False,
        }
        for code, label in ((c, USE_LABELS.get(c, c)) for c in version.permitted_uses)
    ]
    return {
        "version": KANTARA_VERSION,
        "jurisdiction": settings.CONTROLLER_JURISDICTION,
        "consentTimestamp": int(record.created_at.timestamp()),
        "collectionMethod": collection_method_label(record.collection_method),
        "consentReceiptID": str(record.id),
        "language": "en",
        "piiPrincipalId": record.subject_email,
        "piiControllers": [{
            "piiController": settings.CONTROLLER_NAME,
            "onBehalf": False,
            "contact": settings.CONTROLLER_CONTACT,
            "address": settings.CONTROLLER_ADDRESS,
            "email": settings.CONTROLLER_CONTACT,
            "phone": "",
            "piiControllerUrl": settings.SITE_URL,
        }],
        "policyUrl": policy_url,
        "services": [{
            "service": f"Community photo group: {record.group.name}",
            "purposes": purposes,
        }],
        "sensitive": False,
        "spiCat": [],
        "extensions": {
            "action": record.action,
            "collectionMethodCode": record.collection_method,
            **({"photoWithdrawn": {"id": str(record.photo_id), "title": record.photo_title}}
               if record.is_photo_withdrawal else {}),
            "consentTimestampISO": record.created_at.isoformat(timespec="seconds"),
            "group": record.group.name,
            "agreementVersion": version.number,
            "agreementTextSha256": record.agreement_text_sha256,
            "statementsAffirmed": list(record.statements),
            "ledgerSequence": record.sequence,
            "recordHash": record.record_hash,
            "previousRecordHash": record.prev_hash,
            "howToWithdraw": withdraw_instructions(record),
        },
    }


def receipt_context(record: ConsentRecord) -> dict[str, Any]:
    return {
        "record": record,
        "version": record.agreement_version,
        "controller": settings.CONTROLLER_NAME,
        "purposes": record.agreement_version.use_labels(),
        "timestamp": record.created_at.isoformat(timespec="seconds"),
        "withdraw_instructions": withdraw_instructions(record),
        "receipt_url": absolute(record.get_absolute_url()),
    }


def receipt_subject(record: ConsentRecord) -> str:
    if record.is_photo_withdrawal:
        return f"Receipt for the withdrawal of your photo “{record.photo_title}”"
    kind = "consent" if record.action == ConsentRecord.Action.GRANT else "withdrawal"
    return f"Receipt for your {kind}: {record.group.name}"


def send_receipt_email(record: ConsentRecord) -> None:
    send_mail(
        subject=receipt_subject(record),
        message=render_to_string("consent/email/receipt.txt", receipt_context(record)),
        from_email=None,
        recipient_list=[record.subject_email],
    )
