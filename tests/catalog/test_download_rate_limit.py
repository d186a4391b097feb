"""Download floods (issue 12, "Abuse limits"): each download request of an account counts
(a collection ZIP is one), and past the limit the answer is a 429 page with
``Retry-After``, with no file made and nothing logged."""

from __future__ import annotations

import pytest
from django.urls import reverse

from photolib.catalog.models import Download
from photolib.catalog.services import collection_add, collection_create
from tests.catalog.conftest import make_user

pytestmark = pytest.mark.django_db

DATA = {"rendition": "web", "use": "web", "campaign": "Summer festival"}


@pytest.fixture
def small_limit(settings) -> int:
    # A small limit keeps the test quick; the counting is the same for the default.
    settings.PHOTOLIB_RATE_LIMITS = {**settings.PHOTOLIB_RATE_LIMITS,
                                     "download-account": "4/hour"}
    return 4


def test_downloads_past_the_limit_are_a_429_and_make_nothing(client, catalog_world, cleared,
                                                             small_limit):
    photo = cleared("Harbour at dusk")
    client.force_login(catalog_world["marketing"])
    url = reverse("catalog:download", args=[photo.pk])
    statuses = [client.post(url, DATA).status_code for _ in range(small_limit + 3)]
    assert statuses == [200] * small_limit + [429] * 3
    response = client.post(url, DATA)
    assert response.status_code == 429
    assert 3500 < int(response["Retry-After"]) <= 3600
    page = response.content.decode()
    assert "Too many attempts" in page and "downloads from your account" in page
    assert "You can try again after" in page
    assert Download.objects.count() == small_limit


def test_a_refused_download_counts_too_and_the_photo_page_is_not_counted(
        client, catalog_world, cleared, small_limit):
    photo = cleared("Harbour at dusk")
    client.force_login(catalog_world["marketing"])
    for _ in range(3):
        assert client.get(reverse("catalog:photo", args=[photo.pk])).status_code == 200
    url = reverse("catalog:download", args=[photo.pk])
    for _ in range(small_limit):  # a use the agreement does not permit: refused with 400
        assert client.post(url, {**DATA, "use": "broadcast"}).status_code == 400
    assert client.post(url, DATA).status_code == 429
    assert Download.objects.count() == 0


def test_a_collection_zip_is_one_download_and_is_limited_with_the_rest(
        client, catalog_world, cleared, small_limit):
    officer = catalog_world["marketing"]
    photos = [cleared("Harbour one"), cleared("Harbour two")]
    collection = collection_create(owner=officer, name="Autumn")
    for p in photos:
        collection_add(collection=collection, photo_id=p.pk)
    client.force_login(officer)
    zip_url = reverse("catalog:collection_zip", args=[collection.pk])
    for _ in range(small_limit):
        response = client.post(zip_url, DATA)
        assert response.status_code == 200 and response.streaming
        b"".join(response.streaming_content)
    assert client.post(zip_url, DATA).status_code == 429
    assert client.post(reverse("catalog:download", args=[photos[0].pk]),
                       DATA).status_code == 429
    assert Download.objects.count() == 2 * small_limit


def test_one_officer_at_the_limit_leaves_another_alone(client, catalog_world, cleared,
                                                       small_limit):
    photo = cleared("Harbour at dusk")
    url = reverse("catalog:download", args=[photo.pk])
    client.force_login(catalog_world["marketing"])
    for _ in range(small_limit):
        client.post(url, DATA)
    assert client.post(url, DATA).status_code == 429
    client.force_login(make_user("maria@example.org", role="marketing"))
    assert client.post(url, DATA).status_code == 200
