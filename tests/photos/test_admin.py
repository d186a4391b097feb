"""The photo admin: everything readable, nothing editable, a retry action for failed photos."""

from __future__ import annotations

import pytest
from django.urls import reverse

from photolib.photos import ingest
from photolib.photos.models import ModerationEvent, Photo
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    user = make_user("ada@example.org", role="reviewer")
    user.is_superuser = True
    user.save()
    staff_login(client, user)
    return client


def test_photo_admin_shows_a_photo_read_only(admin_client, upload,
                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        photo = upload()
    listing = admin_client.get(reverse("admin:photos_photo_changelist"))
    assert listing.status_code == 200 and "Riverside at dawn" in listing.content.decode()
    page = admin_client.get(reverse("admin:photos_photo_change", args=[photo.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "No identifiable people appear in this photo." in html  # the attestation inline
    assert "thumb-400-q85.jpg" in html  # the renditions inline
    assert 'name="title"' not in html  # nothing to edit
    assert admin_client.get(reverse("admin:photos_photo_add")).status_code == 403
    assert admin_client.get(reverse("admin:photos_moderationevent_changelist")).status_code \
        == 200


def test_admin_action_retries_failed_photos(admin_client, upload,
                                            django_capture_on_commit_callbacks):
    photo = upload()
    ingest.photo_ingest_failed(photo_id=photo.id, reason="S3 was down")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:photos_photo_changelist"), {
            "action": "retry_ingest", "_selected_action": [str(photo.pk)]})
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW
    assert ModerationEvent.objects.filter(photo=photo, action="retry").exists()
