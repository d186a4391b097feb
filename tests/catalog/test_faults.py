"""Downloads when a dependency fails: SMTP down (the mail waits, the download succeeds),
S3 hanging (503 in seconds, the login page unaffected), the file gone (404 with a reason)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.storage import storages
from django.urls import reverse

from photolib.catalog.models import Download
from photolib.catalog.services import FIRST_USE_MAIL_TASK
from photolib.outbox.models import OutboxMessage
from photolib.outbox.services import outbox_drain
from photolib.photos.keys import RENDITIONS
from photolib.storage_config import s3_storages
from tests.catalog.test_downloads import post_download


def test_first_download_with_smtp_down_succeeds_and_mails_after_recovery(
        client, catalog_world, cleared, settings, closed_port,
        django_capture_on_commit_callbacks):
    photo = cleared("Harbour at noon")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    client.force_login(catalog_world["marketing"])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_download(client, photo)
    assert response.status_code == 200
    assert Download.objects.filter(photo=photo).count() == 1
    message = OutboxMessage.objects.get(task_name=FIRST_USE_MAIL_TASK)
    assert message.sent_at is None and "Connection" in message.last_error
    assert not [m for m in mail.outbox if "used for the first time" in m.subject]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # SMTP is back
    outbox_drain(min_age=timedelta(0))  # with the resident's receipt the fixture left unsent
    message.refresh_from_db()
    assert message.sent_at is not None
    [first_use] = [m for m in mail.outbox if "used for the first time" in m.subject]
    assert first_use.to == [catalog_world["resident"].email]
    assert "Harbour at noon" in first_use.subject and "Summer festival" in first_use.body


@pytest.mark.s3
def test_download_with_s3_hanging_is_503_in_seconds_and_login_still_answers(
        client, catalog_world, cleared, settings, hung_server):
    photo = cleared("Harbour in the fog")
    settings.STORAGES = s3_storages(  # the production defaults for every timeout
        bucket="city-photos", region="us-east-1", endpoint_url=hung_server.url,
        access_key="photolib-test", secret_key="photolib-test-secret")
    client.force_login(catalog_world["marketing"])
    started = time.monotonic()
    response = post_download(client, photo)
    took = time.monotonic() - started
    assert response.status_code == 503
    assert "not answering" in response.content.decode()
    assert took < 15, f"the download waited {took:.1f} s on a hung S3"
    assert not Download.objects.exists()
    client.logout()
    started = time.monotonic()
    assert client.get(reverse("accounts:login")).status_code == 200
    assert time.monotonic() - started < 5


def test_download_whose_file_is_gone_is_404_with_a_reason(client, catalog_world, cleared):
    photo = cleared("Harbour, lost file")
    for rendition in photo.renditions.all():
        storages[RENDITIONS].delete(rendition.storage_key)
    client.force_login(catalog_world["marketing"])
    response = post_download(client, photo)
    assert response.status_code == 404
    assert "missing from storage" in response.content.decode()
    assert not Download.objects.exists()
