"""Consent receipts: the page, the email, JSON in the Kantara Consent Receipt v1.1
shape (field names from the Kantara Initiative's specification), that JSON signed
as a JWS with the city's key, and the check anyone can run on a signed receipt.

The ISO/IEC TS 27560 record of the same consent is built in ``iso27560.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from photolib.accounts.language import override_for
from photolib.consent import signing
from photolib.consent.models import USE_LABELS, ConsentRecord, personal_commitment
from photolib.consent.models import collection_method_label as _method_label

KANTARA_VERSION = "KI-CR-v1.1.0"
# The Kantara receipt's JWT media type; a signed receipt is saved as .jwt.
RECEIPT_JWS_TYPE = "JWT"
MAX_RECEIPT_BYTES = 64 * 1024  # a receipt is a few kilobytes; anything bigger is refused

# Kantara v1.1's purpose categories for our uses. The city publishes residents'
# photos itself in each of these channels to promote the city: the spec's
# "Marketing" (first party), never "Sharing for Marketing" or third parties.
PURPOSE_CATEGORY = {code: "Marketing" for code in USE_LABELS}
# Keeping the photos and credit name in the library is what the service is for.
CORE_PURPOSE_CATEGORY = "Core Function"
PII_CATEGORIES = ["photographs you upload", "your credit name", "photo metadata (EXIF)"]


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def collection_method_label(record: ConsentRecord) -> str:
    """How the record was collected, in words: the one place receipts render it."""
    return _method_label(record.collection_method)


def withdraw_instructions(record: ConsentRecord) -> str:
    url = absolute(reverse("consent:withdraw", kwargs={"slug": record.group.slug}))
    return (f"Sign in and open {url} (or your account page), press “Withdraw consent” and "
            "confirm. It takes effect at once.")


def jwks_url() -> str:
    return absolute(reverse("consent:jwks"))


def revoked_grants(record: ConsentRecord) -> list[ConsentRecord]:
    """For a WITHDRAW: the person's grants for the group it ends (those since their
    previous withdrawal, oldest first). Empty for a GRANT."""
    if record.action != ConsentRecord.Action.WITHDRAW:
        return []
    earlier = ConsentRecord.objects.filter(user_id=record.user_id, group_id=record.group_id,
                                           sequence__lt=record.sequence)
    last_withdrawal = (earlier.withdrawals().order_by("-sequence")
                       .values_list("sequence", flat=True).first()) or 0
    return list(earlier.grants().filter(sequence__gt=last_withdrawal).order_by("sequence"))


def _purposes(record: ConsentRecord) -> list[dict[str, Any]]:
    version = record.agreement_version
    withdrawn = record.action == ConsentRecord.Action.WITHDRAW
    when = record.created_at.isoformat(timespec="seconds")
    termination = (f"Withdrawn at {when}: no new use from then on" if withdrawn
                   else f"{version.term_label()}; or when you withdraw")
    prefix = "Withdrawn: " if withdrawn else ""
    core = {
        "purpose": (f"{prefix}Keeping your photos and credit name in {settings.CONTROLLER_NAME}"
                    "'s community photo library, where they are reviewed and offered to the "
                    "city's marketing staff"),
        "purposeCategory": [CORE_PURPOSE_CATEGORY],
        "consentType": "EXPLICIT",
        "piiCategory": PII_CATEGORIES,
        "primaryPurpose": True,
        "termination": termination,
        "thirdPartyDisclosure": False,
    }
    uses = [
        {
            "purpose": f"{prefix}Use of your photos by {settings.CONTROLLER_NAME}: "
                       f"{USE_LABELS.get(code, code)}",
            "purposeCategory": [PURPOSE_CATEGORY.get(code, "Marketing")],
            "consentType": "EXPLICIT",
            "piiCategory": PII_CATEGORIES,
            "primaryPurpose": False,
            "termination": termination,
            "thirdPartyDisclosure": False,
        }
        for code in version.permitted_uses
    ]
    return [core, *uses]


def personal_data_proof(record: ConsentRecord) -> dict[str, Any]:
    """What lets the resident prove the record was theirs after their data is erased:
    the salted commitment the record's hash covers, and (while the evidence row
    exists) the salt and the personal fields it commits to."""
    proof: dict[str, Any] = {"algorithm": "SHA-256(salt ':' canonical JSON of fields)",
                             "commitment": record.personal_commitment}
    evidence = record.personal
    if evidence is not None:
        proof["salt"] = evidence.salt
        proof["fields"] = evidence.fields()
    return proof


def receipt_json(record: ConsentRecord) -> dict[str, Any]:
    """The receipt as a JSON-ready dict. Kantara's fields first; ours under ``extensions``.

    A withdrawal's receipt says so in every purpose (``Withdrawn: …`` and its
    termination) and in ``extensions`` (``receiptType: withdrawal`` and the
    receipt ids of the grants it revokes). ``publicKey`` names the city's key: the
    JWKS URL with the key id as fragment. ``extensions.personalDataCommitment``
    carries the salt and personal fields of the record's commitment, so the
    resident can prove the record after erasure.
    """
    version = record.agreement_version
    policy_url = absolute(reverse("consent:agreement_detail", kwargs={"pk": version.pk}))
    withdrawn = record.action == ConsentRecord.Action.WITHDRAW
    extensions: dict[str, Any] = {
        "action": record.action,
        "receiptType": ("photo_withdrawal" if record.is_photo_withdrawal
                        else "withdrawal" if withdrawn else "consent"),
        "collectionMethodCode": record.collection_method,
        "consentTimestampISO": record.created_at.isoformat(timespec="seconds"),
        "group": record.group.name,
        "agreementVersion": version.number,
        "agreementTextSha256": record.agreement_text_sha256,
        "statementsAffirmed": list(record.statements),
        "ledgerSequence": record.sequence,
        "recordHash": record.record_hash,
        "previousRecordHash": record.prev_hash,
        "howToWithdraw": withdraw_instructions(record),
        "signingKeyId": signing.city_key().kid,
    }
    if withdrawn:
        extensions["revokes"] = [str(g.id) for g in revoked_grants(record)]
    if record.is_photo_withdrawal:
        extensions["photoWithdrawn"] = {"id": str(record.photo_id), "title": record.photo_title}
    extensions["personalDataCommitment"] = personal_data_proof(record)
    return {
        "version": KANTARA_VERSION,
        "jurisdiction": settings.CONTROLLER_JURISDICTION,
        "consentTimestamp": int(record.created_at.timestamp()),
        "collectionMethod": collection_method_label(record),
        "consentReceiptID": str(record.id),
        "publicKey": f"{jwks_url()}#{signing.city_key().kid}",
        "language": record.agreement_version.language,  # the text the resident accepted
        "piiPrincipalId": record.subject_email or record.principal_pseudonym,
        "piiControllers": [{
            "piiController": settings.CONTROLLER_NAME,
            "onBehalf": False,
            "contact": settings.CONTROLLER_CONTACT,
            "address": settings.CONTROLLER_ADDRESS,
            "email": settings.CONTROLLER_CONTACT,
            "phone": settings.CONTROLLER_PHONE,
            "piiControllerUrl": settings.SITE_URL,
        }],
        "policyUrl": policy_url,
        "services": [{
            "service": f"Community photo group: {record.group.name}",
            "purposes": _purposes(record),
        }],
        "sensitive": False,
        "spiCat": [],
        "extensions": extensions,
    }


def receipt_jws(record: ConsentRecord) -> str:
    """The Kantara receipt signed with the city's key: a compact JWS (a JWT)."""
    return signing.sign_compact(receipt_json(record), typ=RECEIPT_JWS_TYPE)


@dataclass(frozen=True)
class ReceiptCheck:
    """What ``receipt_verify`` found. ``code`` is one of: ``valid``, ``malformed``,
    ``other_key``, ``changed``, ``unknown_record``, ``record_differs``."""

    valid: bool
    code: str
    reason: str
    facts: dict[str, Any] | None = None  # group, version, action, time, sequence


def receipt_verify(*, token: str) -> ReceiptCheck:
    """Check a signed receipt against the city's key and the ledger. Never raises.

    Valid means: the signature is the city's, the record it names is in the
    ledger, and the record's hash there is the one the receipt states; it stays
    valid after the person's data was erased (the hash covers only the salted
    commitment). The facts returned (group, agreement version, action, time,
    ledger sequence, and ``personal_data``: ``proven`` when the salt and fields
    the receipt carries recompute the record's commitment) are no more personal
    than the receipt itself, so any visitor may see them.
    """
    try:
        _header, payload = signing.verify_compact(token)
    except signing.Malformed as exc:
        return ReceiptCheck(False, "malformed", str(exc))
    except signing.UnknownKey as exc:
        return ReceiptCheck(False, "other_key", str(exc))
    except signing.BadSignature as exc:
        return ReceiptCheck(False, "changed", str(exc))
    raw_id = payload.get("consentReceiptID")
    try:
        record_id = uuid.UUID(str(raw_id))
    except ValueError:
        return ReceiptCheck(False, "malformed", _("the signature holds, but it names no "
                                                  "consent receipt id"))
    record = (ConsentRecord.objects.select_related("group", "agreement_version", "evidence")
              .filter(pk=record_id).first())
    if record is None:
        return ReceiptCheck(False, "unknown_record",
                            _("the city signed it, but the ledger has no record %(id)s")
                            % {"id": record_id})
    facts = {
        "record_id": str(record.id),
        "group": record.group.name,
        "agreement_version": record.agreement_version.number,
        "action": record.action,
        "time": record.created_at.isoformat(timespec="seconds"),
        "sequence": record.sequence,
    }
    extensions = payload.get("extensions") or {}
    proof = extensions.get("personalDataCommitment") or {}
    if isinstance(proof, dict) and proof.get("salt") and isinstance(proof.get("fields"), dict):
        try:
            recomputed = personal_commitment(salt=str(proof["salt"]), fields=proof["fields"])
        except (TypeError, ValueError):
            recomputed = ""
        facts["personal_data"] = ("proven" if recomputed == record.personal_commitment
                                  else "does not match")
    stated = extensions.get("recordHash")
    if stated != record.record_hash:
        return ReceiptCheck(False, "record_differs",
                            _("the city signed it, but ledger record #%(sequence)s no "
                              "longer has the hash the receipt states")
                            % {"sequence": record.sequence}, facts)
    return ReceiptCheck(True, "valid", _("signed by %(controller)s and matching ledger record "
                                         "#%(sequence)s") % {
        "controller": settings.CONTROLLER_NAME, "sequence": record.sequence}, facts)


def receipt_context(record: ConsentRecord) -> dict[str, Any]:
    return {
        "record": record,
        "version": record.agreement_version,
        "controller": settings.CONTROLLER_NAME,
        "purposes": record.agreement_version.use_labels(),
        "timestamp": record.created_at.isoformat(timespec="seconds"),
        "withdraw_instructions": withdraw_instructions(record),
        "receipt_url": absolute(record.get_absolute_url()),
        "collection_method": collection_method_label(record),
        "verify_url": absolute(reverse("consent:verify_receipt")),
    }


def receipt_filename(record: ConsentRecord, ext: str) -> str:
    return f"consent-receipt-{record.id}.{ext}"


def receipt_subject(record: ConsentRecord) -> str:
    if record.is_photo_withdrawal:
        return _("Receipt for the withdrawal of your photo “%(title)s”") % {
            "title": record.photo_title}
    if record.action == ConsentRecord.Action.GRANT:
        return _("Receipt for your consent: %(group)s") % {"group": record.group.name}
    return _("Receipt for your withdrawal: %(group)s") % {"group": record.group.name}


def send_receipt_email(record: ConsentRecord) -> None:
    """Mail the receipt to the record's subject, the signed receipt attached. The mail is
    written in the resident's language; what the receipt states and signs (purposes,
    collection method, how to withdraw, the JWS attached) is the same in every language."""
    with override_for(record.user):
        subject = receipt_subject(record)
        body = render_to_string("consent/email/receipt.txt", receipt_context(record))
    message = EmailMessage(subject=subject, body=body, to=[record.subject_email])
    message.attach(receipt_filename(record, "jwt"), receipt_jws(record), "application/jwt")
    message.send()
