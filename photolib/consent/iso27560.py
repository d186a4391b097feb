"""Consent records in the ISO/IEC TS 27560:2023 structure, as JSON-LD with W3C DPV terms.

27560 groups a consent record's information into record metadata, processing,
PII, parties and a list of events. ``consent_record`` builds one record for a
ledger record: the person's consent in that group, with every event up to and
including it. ``consent_records_for`` gives a resident all of theirs, one per
group. Both are reads; nothing is stored.

Event states use DPV's consent status values: a first grant (or a grant after a
withdrawal) is ``ConsentGiven``, accepting a new version while still a member is
``RenewedConsentGiven``, a withdrawal is ``ConsentWithdrawn``, and a grant whose
term has run out without a newer grant is followed by ``ConsentExpired``.
(``ConsentRevoked``, consent ended by someone other than the person, has no
record in our ledger yet: a takedown ends a photo's use, not the consent.)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from photolib.consent import receipts
from photolib.consent.models import USE_LABELS, ConsentRecord

SCHEMA_VERSION = "ISO/IEC TS 27560:2023"

CONTEXT: dict[str, Any] = {
    "dpv": "https://w3id.org/dpv#",
    "pd": "https://w3id.org/dpv/pd#",
    "loc": "https://w3id.org/dpv/loc#",
    "dct": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "schemaVersion": "dct:conformsTo",
    "recordId": "dct:identifier",
    "receiptId": "dpv:hasIdentifier",
    "piiPrincipalId": "dpv:hasDataSubject",
    "consentStatus": {"@id": "dpv:hasConsentStatus", "@type": "@id"},
    "processing": "dct:hasPart",
    "notice": {"@id": "dpv:hasNotice", "@type": "@id"},
    "language": "dct:language",
    "purposes": "dpv:hasPurpose",
    "purposeCategory": {"@id": "dpv:isSubTypeOf", "@type": "@id"},
    "primaryPurpose": "dpv:isPrimaryPurpose",
    "legalBasis": {"@id": "dpv:hasLegalBasis", "@type": "@id"},
    "piiCategories": "dpv:hasPersonalData",
    "category": {"@id": "dpv:isSubTypeOf", "@type": "@id"},
    "optional": "dpv:isOptional",
    "sensitive": "dpv:isSensitive",
    "controllers": "dpv:hasDataController",
    "collectionMethod": "dpv:hasConsentNotice",
    "retentionPeriod": "dpv:hasStorageCondition",
    "duration": {"@id": "dpv:hasDuration", "@type": "xsd:duration"},
    "jurisdiction": {"@id": "dpv:hasJurisdiction", "@type": "@id"},
    "withdrawalMethod": "dpv:hasWithdrawalMethod",
    "recipients": "dpv:hasRecipient",
    "parties": "dct:relation",
    "events": "dpv:hasConsentEvent",
    "eventTime": {"@id": "dct:date", "@type": "xsd:dateTime"},
    "validityDuration": {"@id": "dpv:hasDuration", "@type": "xsd:duration"},
    "entity": {"@id": "dpv:hasEntity", "@type": "@id"},
    "eventType": "dct:type",
    "eventState": {"@id": "dpv:hasConsentStatus", "@type": "@id"},
    "name": "dpv:hasName",
    "address": "dpv:hasAddress",
    "email": "dpv:hasContact",
    "phone": "dpv:hasContact",
    "url": {"@id": "dct:source", "@type": "@id"},
    "role": {"@id": "dct:type", "@type": "@id"},
    "title": "dct:title",
    "description": "dct:description",
    "ledgerSequence": "dct:identifier",
    "recordHash": "dct:identifier",
    "personalDataCommitment": "dct:identifier",
    "personalDataSalt": "dct:identifier",
}

GIVEN = "dpv:ConsentGiven"
RENEWED = "dpv:RenewedConsentGiven"
WITHDRAWN = "dpv:ConsentWithdrawn"
EXPIRED = "dpv:ConsentExpired"

# What the city processes under a group's agreement (27560's PII group).
PII = (
    ("pd:Picture", "photographs you upload", False),
    ("pd:Name", "your credit name, printed with your photos", False),
    ("pd:EmailAddress", "your email address, for receipts and notices", False),
    ("pd:IPAddress", "the IP address and browser you consented from, on the ledger", False),
)


def _controller_id() -> str:
    return f"{settings.SITE_URL}/#controller"


def _controller() -> dict[str, Any]:
    return {
        "@id": _controller_id(),
        "@type": ["dpv:DataController", "dpv:LegalEntity"],
        "name": settings.CONTROLLER_NAME,
        "role": "dpv:DataController",
        "address": settings.CONTROLLER_ADDRESS,
        "email": settings.CONTROLLER_CONTACT,
        "phone": settings.CONTROLLER_PHONE,
        "url": settings.SITE_URL,
    }


def _years(n: int | None) -> str | None:
    return f"P{n}Y" if n else None


def _event(record: ConsentRecord, state: str, principal: str) -> dict[str, Any]:
    version = record.agreement_version
    granted = state in (GIVEN, RENEWED)
    event = {
        "eventTime": record.created_at.isoformat(timespec="seconds"),
        "validityDuration": _years(version.term_years) if granted else "PT0S",
        "entity": principal,
        "eventType": "explicit: " + receipts.collection_method_label(record),
        "eventState": state,
        "receiptId": str(record.id),
        "ledgerSequence": record.sequence,
        "recordHash": record.record_hash,
        "description": f"{record.get_action_display()} under version {version.number} of "
                       f"the {record.group.name} agreement",
        # The record's hash covers this salted commitment to the person's data, not
        # the data; with the salt, the person proves the record after erasure.
        "personalDataCommitment": record.personal_commitment,
    }
    if record.personal is not None:
        event["personalDataSalt"] = record.personal.salt
    return event


def events_for(history: list[ConsentRecord], principal: str, *, now: datetime
               ) -> list[dict[str, Any]]:
    """The 27560 events of one person's records in one group, oldest first.

    ``history`` is that person's records for the group in sequence order; a last
    grant whose term ended before ``now`` is followed by a ``ConsentExpired`` event.
    """
    events = []
    previous: ConsentRecord | None = None
    for record in history:
        if record.is_photo_withdrawal:
            # Consent withdrawn for one photo only: the group consent's state goes on.
            event = _event(record, WITHDRAWN, principal)
            event["description"] = (f"Withdrawal of one photo, “{record.photo_title}” "
                                    f"({record.photo_id}); the consent for the "
                                    f"{record.group.name} group stays in force")
            events.append(event)
            continue
        if record.action == ConsentRecord.Action.WITHDRAW:
            state = WITHDRAWN
        elif previous is not None and previous.action == ConsentRecord.Action.GRANT:
            state = RENEWED
        else:
            state = GIVEN
        events.append(_event(record, state, principal))
        previous = record
    last = previous  # the last record of the group consent itself
    if last is not None and last.action == ConsentRecord.Action.GRANT:
        ends = last.agreement_version.term_ends(last.created_at)
        if ends is not None and ends <= now:
            events.append({
                "eventTime": ends.isoformat(timespec="seconds"),
                "validityDuration": "PT0S",
                "entity": _controller_id(),
                "eventType": "system: the agreement's term ended",
                "eventState": EXPIRED,
                "receiptId": str(last.id),
                "description": f"The {last.agreement_version.term_label().lower()} term of "
                               "this consent ended",
            })
    return events


def _record(history: list[ConsentRecord], now: datetime) -> dict[str, Any]:
    record = history[-1]
    # The terms in question: the version the latest grant was under (a withdrawal
    # names the version it ends).
    version = record.agreement_version
    principal = (f"mailto:{record.subject_email}" if record.subject_email
                 else record.principal_pseudonym)
    events = events_for(history, principal, now=now)
    policy_url = receipts.absolute(reverse("consent:agreement_detail",
                                           kwargs={"pk": version.pk}))
    purposes = [{
        "@type": "dpv:Purpose",
        "title": "Keeping your photos and credit name in the city's community photo library",
        "purposeCategory": "dpv:ServiceProvision",
        "primaryPurpose": True,
    }] + [{
        "@type": "dpv:Purpose",
        "title": f"Use of your photos by {settings.CONTROLLER_NAME}: "
                 f"{USE_LABELS.get(code, code)}",
        "purposeCategory": "dpv:Marketing",
        "primaryPurpose": False,
    } for code in version.permitted_uses]
    return {
        "@id": receipts.absolute(reverse("consent:record_27560", kwargs={"record_id": record.id})),
        "@type": "dpv:ConsentRecord",
        # record metadata
        "schemaVersion": SCHEMA_VERSION,
        "recordId": f"urn:uuid:{record.id}",
        "receiptId": str(record.id),
        "piiPrincipalId": principal,
        "consentStatus": events[-1]["eventState"],
        # processing
        "processing": {
            "notice": policy_url,
            "language": version.language,  # of the agreement text the notice links
            "purposes": purposes,
            "legalBasis": "dpv:ExplicitlyExpressedConsent",
            "piiCategories": [
                {"@type": "dpv:PersonalData", "category": iri, "title": title,
                 "optional": optional, "sensitive": False}
                for iri, title, optional in PII
            ],
            "controllers": [_controller_id()],
            "collectionMethod": receipts.collection_method_label(record),
            "retentionPeriod": {
                "@type": "dpv:StorageDuration",
                "duration": _years(version.term_years),
                "description": (f"{version.term_label()}. Photos stop being used for new "
                                "purposes when you withdraw; the consent records themselves "
                                "are kept as evidence."),
            },
            "jurisdiction": f"loc:{settings.CONTROLLER_JURISDICTION}",
            "recipients": [_controller_id()],
            "withdrawalMethod": receipts.withdraw_instructions(record),
        },
        # parties
        "parties": [_controller()],
        # events
        "events": events,
    }


def _history(record: ConsentRecord) -> list[ConsentRecord]:
    return list(ConsentRecord.objects.filter(
        user_id=record.user_id, group_id=record.group_id, sequence__lte=record.sequence)
        .select_related("group", "agreement_version", "evidence").order_by("sequence"))


def consent_record(record: ConsentRecord, *, now: datetime | None = None) -> dict[str, Any]:
    """The 27560 record for ``record``: the person's consent in its group, with every
    event of theirs in that group up to and including it, as a JSON-LD document.
    ``now`` (default: the current time) decides whether a term has expired."""
    return {"@context": CONTEXT, **_record(_history(record), now or timezone.now())}


def consent_records_for(user, *, now: datetime | None = None) -> dict[str, Any]:
    """Every consent record of ``user``: one 27560 record per group they have a record
    in, as of their newest record there, in one JSON-LD ``@graph``."""
    by_group: dict[int, list[ConsentRecord]] = {}
    for record in (ConsentRecord.objects.filter(user=user)
                   .select_related("group", "agreement_version", "evidence").order_by("sequence")):
        by_group.setdefault(record.group_id, []).append(record)
    now = now or timezone.now()
    return {"@context": CONTEXT, "@graph": [_record(h, now) for h in by_group.values()]}
