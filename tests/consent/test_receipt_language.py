"""Receipts in the resident's language (issue 16): the mail and the receipt page speak it;
what the receipt signs and states as a record does not change with it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from photolib.accounts import services as account_services
from photolib.consent.receipts import receipt_json, receipt_jws, send_receipt_email
from tests.consent.conftest import grant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("lang", "subject", "opening"), [
    ("de", "Beleg für Ihre Einwilligung: Harbour Photos",
     "Dies ist Ihr Beleg für die Einwilligung, die Sie erteilt haben."),
    ("fr", "Reçu de votre consentement : Harbour Photos",
     "Voici votre reçu pour le consentement que vous avez donné."),
    ("", "Receipt for your consent: Harbour Photos",
     "This is your receipt for the consent you gave."),
])
def test_the_receipt_mail_is_written_in_the_residents_language(resident, group, lang, subject,
                                                               opening):
    account_services.user_set_language(user=resident, language=lang)
    record = grant(resident, group)
    mail.outbox.clear()
    with translation.override("en"):  # whoever's request or task sends it
        send_receipt_email(record)
    sent = mail.outbox[0]
    assert sent.subject == subject
    assert opening in sent.body
    assert str(record.id) in sent.body and record.record_hash in sent.body
    # The signed receipt attached is the same bytes in every language.
    with translation.override("en"):
        english_jws = receipt_jws(record)
    assert sent.attachments[0][1] == english_jws


def test_signed_and_json_receipts_do_not_change_with_the_page_language(client, resident,
                                                                       group):
    record = grant(resident, group)
    client.force_login(resident)
    answers = {}
    for lang in ("en", "de", "fr"):
        account_services.user_set_language(user=resident, language=lang)
        answers[lang] = (client.get(reverse("consent:receipt_json", args=[record.id])).content,
                         client.get(reverse("consent:receipt_jws", args=[record.id])).content,
                         client.get(reverse("consent:record_27560", args=[record.id])).content)
    assert answers["de"] == answers["en"] == answers["fr"]
    with translation.override("de"):
        german = receipt_json(record)
    with translation.override("en"):
        assert receipt_json(record) == german
    page = client.get(reverse("consent:receipt", args=[record.id])).content.decode()
    assert "Reçu de consentement" in page  # the page itself is in French
    assert record.record_hash in page
