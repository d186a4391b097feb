"""Alt text: the resident writes it while the photo waits, the review page asks for it before
approving when it is missing, pages use it as ``alt``, and downloads carry it
(``Iptc4xmpCore:AltTextAccessibility`` / ``ExtDescrAccessibility``, read by exiftool)."""

import re

import pytest
from django.urls import reverse

from photolib.catalog.models import Download
from photolib.photos.models import ModerationEvent, Photo
from tests.catalog.exiftool import exiftool
from tests.catalog.test_downloads import body_of, post_download

pytestmark = pytest.mark.django_db
ALT = "Three fishing boats moored at the old quay at dusk"


def approve(client, photo, **data):
    return client.post(reverse("review:approve", args=[photo.pk]), data, follow=True)


def test_the_review_page_asks_for_alt_text_when_the_resident_wrote_none(reviewer_client,
                                                                       waiting):
    photo = waiting()
    page = reviewer_client.get(reverse("review:photo", args=[photo.pk])).content.decode()
    assert "The resident wrote no alt text." in page
    assert re.search(r'<input type="text" id="alt_text" name="alt_text" maxlength="250" '
                     r'value="" required', page)
    response = approve(reviewer_client, photo, alt_text="   ", extended_description="More.")
    assert response.redirect_chain[-1][0] == reverse("review:photo", args=[photo.pk])
    assert "Write the alt text first" in response.content.decode()
    photo.refresh_from_db()
    assert (photo.status, photo.alt_text, photo.extended_description) == (
        Photo.Status.PENDING_REVIEW, "", "")
    assert not ModerationEvent.objects.filter(photo=photo).exists()


def test_alt_text_longer_than_250_characters_is_refused_and_nothing_changes(reviewer_client,
                                                                           waiting):
    photo = waiting()
    response = approve(reviewer_client, photo, alt_text="x" * 251)
    assert "Keep the alt text to 250 characters (it has 251)" in response.content.decode()
    photo.refresh_from_db()
    assert (photo.status, photo.alt_text) == (Photo.Status.PENDING_REVIEW, "")
    approve(reviewer_client, photo, alt_text="y" * 250)
    photo.refresh_from_db()
    assert (photo.status, photo.alt_text) == (Photo.Status.APPROVED, "y" * 250)


def test_alt_text_written_at_approval_is_the_pages_alt_and_travels_in_downloads(
        reviewer_client, waiting, catalog_world, client):
    photo = waiting()
    approve(reviewer_client, photo, alt_text=f"  {ALT}  ",
            extended_description="The boats are orange and blue; the sky is pink.")
    photo.refresh_from_db()
    assert (photo.status, photo.alt_text) == (Photo.Status.APPROVED, ALT)
    client.force_login(catalog_world["marketing"])
    page = client.get(reverse("catalog:photo", args=[photo.pk])).content.decode()
    assert f'alt="{ALT}"' in page
    tags = exiftool(body_of(post_download(client, photo)))
    assert Download.objects.filter(photo=photo).count() == 1
    assert tags["XMP-iptcCore:AltTextAccessibility"] == ALT
    assert tags["XMP-iptcCore:ExtDescrAccessibility"] == (
        "The boats are orange and blue; the sky is pink.")


def test_the_resident_writes_alt_text_while_the_photo_waits_and_the_reviewer_keeps_it(
        client, reviewer_client, waiting, catalog_world):
    photo = waiting()
    resident = client.__class__()
    resident.force_login(catalog_world["resident"])
    url = reverse("photos:edit", args=[photo.pk])
    form = {"title": photo.title, "tags": "harbour", "alt_text": "x" * 251}
    refused = resident.post(url, form)
    assert refused.status_code == 400
    photo.refresh_from_db()
    assert photo.alt_text == ""
    assert resident.post(url, {**form, "alt_text": ALT}).status_code == 302
    photo.refresh_from_db()
    assert photo.alt_text == ALT
    page = reviewer_client.get(reverse("review:photo", args=[photo.pk])).content.decode()
    assert "The resident wrote no alt text." not in page and f'value="{ALT}"' in page
    approve(reviewer_client, photo, alt_text=ALT, extended_description="")
    photo.refresh_from_db()
    assert (photo.status, photo.alt_text) == (Photo.Status.APPROVED, ALT)
