"""The receipt JSON follows the Kantara Consent Receipt v1.1 field names and vocabulary."""

import json

import pytest
from django.urls import reverse

from photolib.consent import signing
from photolib.consent.models import CollectionMethod
from photolib.consent.services import RequestContext, consent_withdraw
from tests.consent.conftest import grant, publish

pytestmark = pytest.mark.django_db

KANTARA_FIELDS = {"version", "jurisdiction", "consentTimestamp", "collectionMethod",
                  "consentReceiptID", "publicKey", "language", "piiPrincipalId",
                  "piiControllers", "policyUrl", "services", "sensitive", "spiCat"}
# Kantara CR v1.1's purpose categories (the spec's list, not our codes).
KANTARA_PURPOSE_CATEGORIES = {
    "Core Function", "Contracted Service", "Delivery", "Contact Requested",
    "Personalized Experience", "Marketing", "Marketing Third Parties", "Sharing for Delivery",
    "Sharing for Marketing", "3rd Party Sharing for Core Function",
    "3rd Party Sharing for ...", "Legally Required Data Retention",
    "Required by Law Enforcement or Government", "Protecting Your Health",
    "Protecting Our Interests", "Improve Performance",
}


def fetch(client, record):
    response = client.get(reverse("consent:receipt_json", args=[record.id]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert f"consent-receipt-{record.id}.json" in response["Content-Disposition"]
    return json.loads(response.content)


def test_receipt_json_has_every_field_with_the_right_values(client, group, resident, settings):
    record = grant(resident, group)
    client.force_login(resident)
    data = fetch(client, record)
    assert set(data) >= KANTARA_FIELDS
    version = group.current_version()
    assert data["version"] == "KI-CR-v1.1.0"
    assert data["jurisdiction"] == settings.CONTROLLER_JURISDICTION
    assert data["consentTimestamp"] == int(record.created_at.timestamp())
    assert data["collectionMethod"] == record.get_collection_method_display()
    assert data["extensions"]["collectionMethodCode"] == "join_form"
    assert data["consentReceiptID"] == str(record.id)
    assert data["language"] == "en"
    assert data["piiPrincipalId"] == resident.email
    controller = data["piiControllers"][0]
    assert controller["piiController"] == settings.CONTROLLER_NAME
    assert controller["contact"] == settings.CONTROLLER_CONTACT
    assert controller["address"] == settings.CONTROLLER_ADDRESS
    assert controller["phone"] == settings.CONTROLLER_PHONE != ""
    assert data["publicKey"] == (settings.SITE_URL + reverse("consent:jwks") + "#"
                                 + signing.city_key().kid)
    assert data["policyUrl"] == (settings.SITE_URL
                                 + reverse("consent:agreement_detail", args=[version.pk]))
    service = data["services"][0]
    assert service["service"] == f"Community photo group: {group.name}"
    purposes = service["purposes"]
    # Keeping the photos is the service's core function, its one primary purpose; each
    # permitted use (web, social, print here) is the city's own marketing.
    assert [p["purposeCategory"] for p in purposes] == [["Core Function"], ["Marketing"],
                                                        ["Marketing"], ["Marketing"]]
    assert all(set(p["purposeCategory"]) <= KANTARA_PURPOSE_CATEGORIES for p in purposes)
    assert [p["primaryPurpose"] for p in purposes] == [True, False, False, False]
    assert [p["purpose"].rsplit(": ", 1)[-1] for p in purposes[1:]] == [
        "Websites", "Social media", "Print (brochures, posters, magazines)"]
    assert all(p["consentType"] == "EXPLICIT" for p in purposes)
    assert all(p["thirdPartyDisclosure"] is False for p in purposes)
    assert data["sensitive"] is False and data["spiCat"] == []
    ext = data["extensions"]
    assert ext["action"] == "GRANT" and ext["receiptType"] == "consent"
    assert "revokes" not in ext
    assert ext["agreementVersion"] == 1
    assert ext["agreementTextSha256"] == version.text_sha256
    assert ext["statementsAffirmed"] == version.statements
    assert ext["recordHash"] == record.record_hash
    assert "withdraw" in ext["howToWithdraw"]
    # The policy URL resolves to the published text.
    policy = client.get(reverse("consent:agreement_detail", args=[version.pk]))
    assert version.text_sha256 in policy.content.decode()


def test_withdrawal_receipt_says_it_withdraws_and_revokes_the_grants_it_ends(
        client, group, resident):
    first = grant(resident, group)
    publish(group, text="Version two.")
    renewed = grant(resident, group)
    withdrawal = consent_withdraw(user=resident, group=group,
                                  method=CollectionMethod.WITHDRAW_BUTTON, context=RequestContext())
    client.force_login(resident)
    data = fetch(client, withdrawal)
    assert data["consentReceiptID"] == str(withdrawal.id)
    ext = data["extensions"]
    assert ext["action"] == "WITHDRAW" and ext["receiptType"] == "withdrawal"
    assert ext["revokes"] == [str(first.id), str(renewed.id)]
    assert ext["statementsAffirmed"] == []
    when = withdrawal.created_at.isoformat(timespec="seconds")
    for purpose in data["services"][0]["purposes"]:
        assert purpose["purpose"].startswith("Withdrawn: ")
        assert purpose["termination"] == f"Withdrawn at {when}: no new use from then on"
    # A grant's receipt never reads as a withdrawal.
    granted = fetch(client, renewed)
    assert not any(p["purpose"].startswith("Withdrawn")
                   for p in granted["services"][0]["purposes"])


def test_a_photo_withdrawals_receipt_says_it_is_one(group, resident):
    import uuid

    from photolib.consent.receipts import receipt_json
    from photolib.consent.services import consent_withdraw_photo

    grant(resident, group)
    record = consent_withdraw_photo(user=resident, group=group,
                                    version=group.current_version(), photo_id=uuid.uuid4(),
                                    photo_title="Boats at dawn", context=RequestContext())
    ext = receipt_json(record)["extensions"]
    assert (ext["action"], ext["receiptType"]) == ("WITHDRAW_PHOTO", "photo_withdrawal")
