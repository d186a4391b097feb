"""The receipt JSON follows the Kantara Consent Receipt v1.1 field names."""

import json

import pytest
from django.urls import reverse

from photolib.consent.models import CollectionMethod
from photolib.consent.services import RequestContext, consent_withdraw
from tests.consent.conftest import grant

pytestmark = pytest.mark.django_db

KANTARA_FIELDS = {"version", "jurisdiction", "consentTimestamp", "collectionMethod",
                  "consentReceiptID", "language", "piiPrincipalId", "piiControllers",
                  "policyUrl", "services", "sensitive", "spiCat"}


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
    assert data["policyUrl"] == (settings.SITE_URL
                                 + reverse("consent:agreement_detail", args=[version.pk]))
    service = data["services"][0]
    assert service["service"] == f"Community photo group: {group.name}"
    assert [p["purposeCategory"] for p in service["purposes"]] == [["web"], ["social"],
                                                                  ["print"]]
    assert all(p["consentType"] == "EXPLICIT" for p in service["purposes"])
    assert data["sensitive"] is False and data["spiCat"] == []
    ext = data["extensions"]
    assert ext["action"] == "GRANT"
    assert ext["agreementVersion"] == 1
    assert ext["agreementTextSha256"] == version.text_sha256
    assert ext["statementsAffirmed"] == version.statements
    assert ext["recordHash"] == record.record_hash
    assert "withdraw" in ext["howToWithdraw"]
    # The policy URL resolves to the published text.
    policy = client.get(reverse("consent:agreement_detail", args=[version.pk]))
    assert version.text_sha256 in policy.content.decode()


def test_withdrawal_has_its_own_receipt(client, group, resident):
    grant(resident, group)
    withdrawal = consent_withdraw(user=resident, group=group,
                                  method=CollectionMethod.WITHDRAW_BUTTON, context=RequestContext())
    client.force_login(resident)
    data = fetch(client, withdrawal)
    assert data["consentReceiptID"] == str(withdrawal.id)
    assert data["extensions"]["action"] == "WITHDRAW"
    assert data["extensions"]["statementsAffirmed"] == []
