"""ISO/IEC TS 27560 consent records (JSON-LD, W3C DPV): structure and values."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from photolib.consent import iso27560, receipts
from photolib.consent.models import CollectionMethod, CommunityGroup
from photolib.consent.services import RequestContext, consent_withdraw
from tests.conftest import staff_login
from tests.consent.conftest import grant, make_user, publish

pytestmark = pytest.mark.django_db

RECORD_KEYS = {"@context", "@id", "@type", "schemaVersion", "recordId", "receiptId",
               "piiPrincipalId", "consentStatus", "processing", "parties", "events"}
PROCESSING_KEYS = {"notice", "language", "purposes", "legalBasis", "piiCategories",
                   "controllers", "collectionMethod", "retentionPeriod", "jurisdiction",
                   "recipients", "withdrawalMethod"}
EVENT_KEYS = {"eventTime", "validityDuration", "entity", "eventType", "eventState"}


def download(client, name, *args) -> dict:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert ".jsonld" in response["Content-Disposition"]
    return json.loads(response.content)


def check_common(doc, record, settings):
    assert set(doc) >= RECORD_KEYS
    assert doc["@type"] == "dpv:ConsentRecord"
    assert doc["@context"]["dpv"] == "https://w3id.org/dpv#"
    # every key we use is defined in the context, so it expands to an IRI
    used = set(doc) | set(doc["processing"]) | {k for e in doc["events"] for k in e}
    assert used - {"@context", "@id", "@type"} <= set(doc["@context"])
    assert doc["schemaVersion"] == "ISO/IEC TS 27560:2023"
    assert doc["recordId"] == f"urn:uuid:{record.id}"
    assert doc["receiptId"] == str(record.id)
    assert doc["piiPrincipalId"] == f"mailto:{record.subject_email}"
    processing = doc["processing"]
    assert set(processing) >= PROCESSING_KEYS
    version = record.agreement_version
    assert processing["notice"] == settings.SITE_URL + reverse("consent:agreement_detail",
                                                               args=[version.pk])
    assert processing["legalBasis"] == "dpv:ExplicitlyExpressedConsent"
    assert processing["jurisdiction"] == f"loc:{settings.CONTROLLER_JURISDICTION}"
    assert processing["collectionMethod"] == receipts.collection_method_label(record)
    assert processing["withdrawalMethod"] == receipts.withdraw_instructions(record)
    assert [p["purposeCategory"] for p in processing["purposes"]] == (
        ["dpv:ServiceProvision"] + ["dpv:Marketing"] * len(version.permitted_uses))
    assert [c["category"] for c in processing["piiCategories"]] == [
        "pd:Picture", "pd:Name", "pd:EmailAddress", "pd:IPAddress"]
    [controller] = doc["parties"]
    assert processing["controllers"] == [controller["@id"]]
    assert (controller["name"], controller["address"], controller["email"],
            controller["phone"]) == (settings.CONTROLLER_NAME, settings.CONTROLLER_ADDRESS,
                                     settings.CONTROLLER_CONTACT, settings.CONTROLLER_PHONE)
    for event in doc["events"]:
        assert set(event) >= EVENT_KEYS


def test_a_first_grant_is_consent_given(client, group, resident, settings):
    record = grant(resident, group)
    client.force_login(resident)
    doc = download(client, "consent:record_27560", record.id)
    check_common(doc, record, settings)
    assert doc["consentStatus"] == "dpv:ConsentGiven"
    [event] = doc["events"]
    assert event["eventState"] == "dpv:ConsentGiven"
    assert event["eventTime"] == record.created_at.isoformat(timespec="seconds")
    assert event["entity"] == f"mailto:{resident.email}"
    assert event["eventType"].startswith("explicit")
    assert event["validityDuration"] is None  # perpetual until withdrawn
    assert (event["receiptId"], event["recordHash"]) == (str(record.id), record.record_hash)
    assert doc["processing"]["retentionPeriod"]["duration"] is None


def test_a_reacceptance_is_renewed_consent_under_the_new_terms(client, group, resident,
                                                              settings):
    first = grant(resident, group)
    publish(group, text="Version two, for five years.", term_years=5,
            permitted_uses=["web", "outdoor"])
    renewed = grant(resident, group)
    client.force_login(resident)
    doc = download(client, "consent:record_27560", renewed.id)
    check_common(doc, renewed, settings)
    assert [e["eventState"] for e in doc["events"]] == ["dpv:ConsentGiven",
                                                        "dpv:RenewedConsentGiven"]
    assert [e["receiptId"] for e in doc["events"]] == [str(first.id), str(renewed.id)]
    assert doc["events"][1]["validityDuration"] == "P5Y"
    assert doc["consentStatus"] == "dpv:RenewedConsentGiven"
    assert doc["processing"]["retentionPeriod"]["duration"] == "P5Y"
    assert [p["title"].rsplit(": ", 1)[-1] for p in doc["processing"]["purposes"][1:]] == [
        "Websites", "Outdoor advertising"]
    # Five years on, with no newer grant, the record shows the consent expired.
    later = iso27560.consent_record(renewed, now=renewed.created_at + timedelta(days=5 * 366))
    assert later["consentStatus"] == "dpv:ConsentExpired"
    expired = later["events"][-1]
    assert expired["eventState"] == "dpv:ConsentExpired"
    assert expired["eventTime"] == renewed.agreement_version.term_ends(
        renewed.created_at).isoformat(timespec="seconds")
    assert expired["entity"] == later["parties"][0]["@id"]


def test_a_withdrawal_is_consent_withdrawn_and_a_rejoin_is_given_anew(client, group, resident,
                                                                    settings):
    grant(resident, group)
    withdrawal = consent_withdraw(user=resident, group=group, context=RequestContext(),
                                  method=CollectionMethod.WITHDRAW_BUTTON)
    client.force_login(resident)
    doc = download(client, "consent:record_27560", withdrawal.id)
    check_common(doc, withdrawal, settings)
    assert doc["consentStatus"] == "dpv:ConsentWithdrawn"
    assert [e["eventState"] for e in doc["events"]] == ["dpv:ConsentGiven",
                                                        "dpv:ConsentWithdrawn"]
    withdrawn = doc["events"][-1]
    assert withdrawn["validityDuration"] == "PT0S"
    assert withdrawn["entity"] == f"mailto:{resident.email}"
    assert withdrawn["eventTime"] == withdrawal.created_at.isoformat(timespec="seconds")
    rejoined = grant(resident, group)
    again = iso27560.consent_record(rejoined)
    assert [e["eventState"] for e in again["events"]] == [
        "dpv:ConsentGiven", "dpv:ConsentWithdrawn", "dpv:ConsentGiven"]


def test_a_resident_downloads_all_theirs_and_a_reviewer_any_one(client, group, resident,
                                                               reviewer, settings):
    other_group = CommunityGroup.objects.create(name="Old Town", slug="old-town")
    publish(other_group)
    grant(resident, group)
    in_other = grant(resident, other_group)
    grant(make_user("sam@example.org"), group)
    client.force_login(resident)
    assert reverse("consent:my_consent_27560") in client.get(
        reverse("consent:my_consent")).content.decode()
    everything = download(client, "consent:my_consent_27560")
    assert [d["processing"]["notice"].rsplit("/", 2)[-2] for d in everything["@graph"]] == [
        str(group.current_version().pk), str(other_group.current_version().pk)]
    assert {d["piiPrincipalId"] for d in everything["@graph"]} == {f"mailto:{resident.email}"}
    staff_login(client, reviewer)
    detail = client.get(reverse("consent:record_detail", args=[in_other.id])).content.decode()
    assert reverse("consent:record_27560", args=[in_other.id]) in detail
    doc = download(client, "consent:record_27560", in_other.id)
    check_common(doc, in_other, settings)
    client.force_login(make_user("nosy@example.org"))
    assert client.get(reverse("consent:record_27560", args=[in_other.id])).status_code == 404


def test_one_photo_withdrawn_is_its_own_event_and_the_group_consent_goes_on(group, resident):
    import uuid

    from photolib.consent.services import consent_withdraw_photo

    first = grant(resident, group)
    photo_id = uuid.uuid4()
    consent_withdraw_photo(user=resident, group=group, version=group.current_version(),
                           photo_id=str(photo_id), photo_title="Pier at dawn",
                           context=RequestContext())
    publish(group, text="Version two.")
    renewed = grant(resident, group)
    doc = iso27560.consent_record(renewed)
    states = [e["eventState"] for e in doc["events"]]
    # The renewal follows the first grant: the photo's withdrawal did not end the consent.
    assert states == ["dpv:ConsentGiven", "dpv:ConsentWithdrawn", "dpv:RenewedConsentGiven"]
    photo_event = doc["events"][1]
    assert "Pier at dawn" in photo_event["description"]
    assert str(photo_id) in photo_event["description"]
    assert doc["consentStatus"] != "dpv:ConsentWithdrawn"
    assert first.id != renewed.id
