"""A resident hides a photo's location from marketing, at upload or on edit."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from photolib.catalog.models import SearchDocument
from photolib.photos import moderation, uploads
from photolib.photos.models import Photo
from tests.catalog.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def _approve(photo, reviewer, capture):
    with capture(execute=True):
        moderation.photo_approve(photo_id=photo.pk, acting_user=reviewer)
    return Photo.objects.get(pk=photo.pk)


def _upload(world, title, capture, **extra):
    with capture(execute=True):
        photo = uploads.photo_upload(
            acting_user=world["resident"], group=world["group"],
            upload=SimpleUploadedFile(f"{title}.jpg", jpeg_bytes(gps=(52.37, 4.89),
                                      colour=(sum(title.encode()) % 256, 80, 10)),
                                      content_type="image/jpeg"),
            title=title, tags=["harbour"], place_name="Old harbour", own_work=True,
            people="none", **extra)
    return Photo.objects.get(pk=photo.pk)


def test_a_location_hidden_at_upload_never_reaches_marketing(
        client, catalog_world, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    hidden = _approve(_upload(catalog_world, "Secret garden", capture, hide_location=True),
                      catalog_world["reviewer"], capture)
    shown = _approve(_upload(catalog_world, "Public square", capture),
                     catalog_world["reviewer"], capture)
    assert hidden.gps_latitude is not None  # reviewers still have it
    doc = SearchDocument.objects.get(photo=hidden)
    assert (doc.place_name, doc.coarse_latitude, doc.coarse_longitude) == ("", None, None)
    assert "Old harbour" not in doc.text
    assert SearchDocument.objects.get(photo=shown).coarse_latitude is not None

    client.force_login(catalog_world["marketing"])
    page = client.get(reverse("catalog:photo", args=[hidden.pk])).content.decode()
    assert "Old harbour" not in page and "keeps it private" in page
    assert "52.37" not in page
    assert "Old harbour" in client.get(reverse("catalog:photo", args=[shown.pk])).content.decode()
    found = client.get(reverse("catalog:search"), {"place": "Old harbour"}).content.decode()
    assert "Public square" in found and "Secret garden" not in found
    near = client.get(reverse("catalog:search"),
                      {"lat": "52.37", "lon": "4.89", "radius": "5"}).content.decode()
    assert "Public square" in near and "Secret garden" not in near


def test_the_edit_page_hides_the_location_of_a_photo_waiting_for_review(
        client, catalog_world, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    photo = _upload(catalog_world, "Back yard", capture)
    client.force_login(catalog_world["resident"])
    form = client.get(reverse("photos:edit", args=[photo.pk])).content.decode()
    assert 'name="hide_location"' in form
    response = client.post(reverse("photos:edit", args=[photo.pk]),
                           {"title": "Back yard", "tags": "garden", "place_name": "Elm Road",
                            "hide_location": "on"})
    assert response.status_code == 302
    photo = _approve(Photo.objects.get(pk=photo.pk), catalog_world["reviewer"], capture)
    assert photo.hide_location and photo.place_name == "Elm Road"
    assert SearchDocument.objects.get(photo=photo).place_name == ""
