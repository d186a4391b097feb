"""The public "check a receipt" page gives its verdict in the visitor's language (issue 16);
the receipt checked, and the stable ``code`` the JSON check answers with, do not change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from photolib.consent import receipts
from tests.consent.conftest import grant

pytestmark = pytest.mark.django_db

VERIFY = "consent:verify_receipt"


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    flipped = "A" if signature[5] != "A" else "B"
    return f"{header}.{payload}.{signature[:5]}{flipped}{signature[6:]}"


def test_the_verdict_on_a_valid_receipt_in_french(client, resident, group):
    record = grant(resident, group)
    token = receipts.receipt_jws(record)
    response = client.post(reverse(VERIFY), {"receipt": token}, HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode()
    assert response.status_code == 200 and 'data-result="valid"' in page
    assert "Reçu valide" in page
    assert f"conforme à l’entrée n° {record.sequence} du registre" in page
    assert "Signé par" in page  # capfirst of the translated verdict
    assert "matching ledger record" not in page


def test_the_verdict_on_a_changed_receipt_in_german(client, resident, group):
    token = tampered(receipts.receipt_jws(grant(resident, group)))
    response = client.post(reverse(VERIFY), {"receipt": token}, HTTP_ACCEPT_LANGUAGE="de")
    page = response.content.decode()
    assert response.status_code == 400 and 'data-result="changed"' in page
    assert "Die Signatur passt nicht zum Inhalt: Der Beleg wurde geändert" in page


def test_the_json_check_keeps_its_code_and_answers_in_the_requests_language(client, resident,
                                                                             group):
    token = receipts.receipt_jws(grant(resident, group))
    api = reverse("consent:verify_receipt_api")
    german = client.post(api, token, content_type="application/jwt",
                         HTTP_ACCEPT_LANGUAGE="de").json()
    english = client.post(api, token, content_type="application/jwt",
                          HTTP_ACCEPT_LANGUAGE="en").json()
    assert german["code"] == english["code"] == "valid"
    assert german["record"] == english["record"]
    assert german["reason"].startswith("signiert von ")
    assert english["reason"].startswith("signed by ")
    empty = client.post(api, "", content_type="application/jwt",
                        HTTP_ACCEPT_LANGUAGE="fr").json()
    assert (empty["code"], empty["reason"]) == ("empty", "aucun reçu n’a été envoyé")
