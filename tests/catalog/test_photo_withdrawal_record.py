"""Withdrawing one photo on My photos is a ledger record of its own, with a receipt."""

import pytest
from django.core import mail
from django.urls import reverse

from photolib.consent.ledger import verify_ledger
from photolib.consent.models import ConsentRecord
from photolib.consent.selectors import membership
from photolib.photos import moderation
from photolib.photos.models import Photo

pytestmark = pytest.mark.django_db


def test_withdrawing_a_photo_appends_a_record_with_receipt_and_mail(
        client, catalog_world, cleared, django_capture_on_commit_callbacks):
    photo = cleared(title="Fishing boats at dawn")
    resident, group = catalog_world["resident"], catalog_world["group"]
    client.force_login(resident)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("catalog:withdraw_photo", args=[photo.pk]),
                               REMOTE_ADDR="192.0.2.55", HTTP_USER_AGENT="Mozilla/5.0 phone")
    assert response.status_code == 302
    record = ConsentRecord.objects.order_by("-sequence").first()
    assert (record.action, record.user, record.group, record.agreement_version) == (
        "WITHDRAW_PHOTO", resident, group, photo.agreement_version)
    assert (record.photo_id, record.photo_title) == (photo.pk, "Fishing boats at dawn")
    assert (record.ip_address, record.user_agent) == ("192.0.2.55", "Mozilla/5.0 phone")
    assert record.collection_method == "photo_withdraw_button"
    assert record.statements == []
    assert membership(resident, group).is_member  # the group consent stands
    assert Photo.objects.get(pk=photo.pk).withdrawn_at is not None

    page = client.get(record.get_absolute_url()).content.decode()
    assert "Photo withdrawal receipt" in page
    assert "withdrawal of one photo, “Fishing boats at dawn”" in page
    assert str(photo.pk) in page and record.record_hash in page
    assert "Withdraw photo" in page  # the collection method's label
    [message] = mail.outbox
    assert message.to == [resident.email]
    assert message.subject == "Receipt for the withdrawal of your photo “Fishing boats at dawn”"
    assert "withdrawal of one photo, “Fishing boats at dawn”" in message.body
    assert str(photo.pk) in message.body and record.record_hash in message.body
    data = client.get(reverse("consent:receipt_json", args=[record.id])).json()
    assert data["extensions"]["photoWithdrawn"] == {"id": str(photo.pk),
                                                    "title": "Fishing boats at dawn"}
    assert verify_ledger().ok


def test_a_refused_photo_withdrawal_records_nothing(client, catalog_world, cleared):
    photo = cleared()
    moderation.photo_withdraw(photo_id=photo.pk, acting_user=catalog_world["resident"])
    count = ConsentRecord.objects.count()
    client.force_login(catalog_world["resident"])
    response = client.post(reverse("catalog:withdraw_photo", args=[photo.pk]), follow=True)
    assert "already withdrawn" in response.content.decode()
    from tests.consent.conftest import make_user

    client.force_login(make_user("mallory@example.org"))
    assert client.post(reverse("catalog:withdraw_photo", args=[photo.pk])).status_code == 404
    assert ConsentRecord.objects.count() == count
    assert ConsentRecord.objects.filter(action="WITHDRAW_PHOTO").count() == 1
