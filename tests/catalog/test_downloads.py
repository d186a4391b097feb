"""Downloads: use checks, the usage record, rights XMP, and S3 presigned redirects."""

import io
import re
import urllib.parse
import urllib.request
import zipfile

import pytest
from django.core import mail
from django.urls import reverse
from PIL import Image

from photolib.catalog.models import Download
from photolib.catalog.services import collection_add, collection_create
from tests.catalog.exiftool import xmp_packet

pytestmark = pytest.mark.django_db


def post_download(client, photo, **data):
    data = {"rendition": "web", "use": "web", "campaign": "Summer festival", **data}
    return client.post(reverse("catalog:download", args=[photo.pk]), data)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_download_is_logged_and_carries_its_rights(client, catalog_world, cleared,
                                                   django_capture_on_commit_callbacks):
    photo = cleared("Harbour at dusk", gps=(52.37, 4.89))
    officer = catalog_world["marketing"]
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_download(client, photo)
    assert response.status_code == 200
    assert 'attachment; filename="Harbour-at-dusk-web.jpg"' in response["Content-Disposition"]
    data = body_of(response)
    record = Download.objects.get()
    assert (record.user, record.photo, record.rendition, record.use, record.campaign) == (
        officer, photo, "web", "web", "Summer festival")
    assert record.consent_record_id == photo.consent_record_id
    assert record.agreement_version_id == photo.agreement_version_id
    xmp = xmp_packet(data)
    for fact in ("Photo: Rosa / Harbour Photos", "© 2025 Rosa", "Example City (demo)",
                 f"/licence/{photo.pk}/", str(photo.consent_record_id), "MR-NAP",
                 "Websites, Social media, Print (brochures, posters, magazines)"):
        assert fact in xmp, fact
    image = Image.open(io.BytesIO(data))
    assert max(image.size) <= 1600
    assert not image.getexif().get_ifd(0x8825)  # no GPS
    assert 0x8825 not in image.getexif()
    # The first use is mailed to the photographer, without staff names.
    [first_use] = [m for m in mail.outbox if "used for the first time" in m.subject]
    assert first_use.to == [photo.owner.email]
    assert "Summer festival" in first_use.body and officer.email not in first_use.body
    with django_capture_on_commit_callbacks(execute=True):
        post_download(client, photo, campaign="Second use")
    assert len([m for m in mail.outbox if "used for the first time" in m.subject]) == 1


def test_print_is_full_resolution_without_gps(client, catalog_world, cleared):
    photo = cleared("Big harbour", width=3000, height=2000, gps=(52.37, 4.89))
    client.force_login(catalog_world["marketing"])
    data = body_of(post_download(client, photo, rendition="print"))
    image = Image.open(io.BytesIO(data))
    assert image.size == (3000, 2000)
    assert 0x8825 not in image.getexif()
    assert "Photo: Rosa / Harbour Photos" in xmp_packet(data)


def test_a_use_the_agreement_does_not_permit_is_refused_with_a_reason(client, catalog_world,
                                                                       cleared):
    photo = cleared()
    client.force_login(catalog_world["marketing"])
    response = post_download(client, photo, use="merchandise")
    assert response.status_code == 400
    body = response.content.decode()
    assert "is not permitted for this photo" in body and "allows only Websites" in body
    assert not Download.objects.exists()


@pytest.mark.parametrize("data", [{"campaign": ""}, {"rendition": "raw"}, {"use": "space"}])
def test_bad_download_forms_are_400_and_record_nothing(client, catalog_world, cleared, data):
    photo = cleared()
    client.force_login(catalog_world["marketing"])
    assert post_download(client, photo, **data).status_code == 400
    assert not Download.objects.exists()


@pytest.mark.parametrize("photo_id", ["00000000-0000-0000-0000-000000000000"])
def test_forged_photo_ids_are_404(client, catalog_world, photo_id):
    client.force_login(catalog_world["marketing"])
    assert client.post(reverse("catalog:download", args=[photo_id]),
                       {"rendition": "web", "use": "web", "campaign": "x"}).status_code == 404
    collection = collection_create(owner=catalog_world["marketing"], name="C")
    response = client.post(reverse("catalog:collection_add", args=[collection.pk]),
                           {"photo_id": photo_id}, follow=True)
    assert "not in the catalog" in response.content.decode()
    response = client.post(reverse("catalog:collection_add", args=[collection.pk]),
                           {"photo_id": "not-a-uuid"}, follow=True)
    assert response.status_code == 200 and not collection.items.exists()


def test_collection_zip_streams_every_cleared_photo_with_a_readme(client, catalog_world,
                                                                  cleared):
    officer = catalog_world["marketing"]
    photos = [cleared("Harbour one"), cleared("Harbour two")]
    collection = collection_create(owner=officer, name="Autumn")
    for p in photos:
        collection_add(collection=collection, photo_id=p.pk)
    client.force_login(officer)
    response = client.post(reverse("catalog:collection_zip", args=[collection.pk]),
                           {"rendition": "web", "use": "social", "campaign": "Autumn posts"})
    assert response.streaming
    archive = zipfile.ZipFile(io.BytesIO(body_of(response)))
    jpegs = [n for n in archive.namelist() if n.endswith(".jpg")]
    assert len(jpegs) == 2 and "README.txt" in archive.namelist()
    assert all("Photo: Rosa" in xmp_packet(archive.read(n)) for n in jpegs)
    assert Download.objects.filter(collection=collection).count() == 2
    # A use no photo permits: nothing inside but the README saying why.
    response = client.post(reverse("catalog:collection_zip", args=[collection.pk]),
                           {"rendition": "web", "use": "broadcast", "campaign": "TV"})
    archive = zipfile.ZipFile(io.BytesIO(body_of(response)))
    assert archive.namelist() == ["README.txt"]
    assert "not permitted" in archive.read("README.txt").decode()


def test_a_collection_named_with_line_breaks_still_zips(client, catalog_world, cleared):
    officer = catalog_world["marketing"]
    collection = collection_create(owner=officer, name="Autumn\r\nSet-Cookie: x=1")
    collection_add(collection=collection, photo_id=cleared("Harbour one").pk)
    client.force_login(officer)
    response = client.post(reverse("catalog:collection_zip", args=[collection.pk]),
                           {"rendition": "web", "use": "social", "campaign": "Autumn"})
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert 'filename="Autumn  Set-Cookie: x=1.zip"' in disposition
    assert not response.has_header("Set-Cookie") or "x=1" not in response["Set-Cookie"]
    archive = zipfile.ZipFile(io.BytesIO(body_of(response)))
    assert "README.txt" in archive.namelist()


def test_other_officers_collections_are_404(client, catalog_world):
    collection = collection_create(owner=catalog_world["marketing"], name="Mine")
    from tests.consent.conftest import make_user

    client.force_login(make_user("other@example.org", role="marketing"))
    assert client.get(reverse("catalog:collection", args=[collection.pk])).status_code == 404


def test_resident_sees_uses_and_can_withdraw_a_photo(client, catalog_world, cleared):
    photo = cleared()
    client.force_login(catalog_world["marketing"])
    post_download(client, photo, use="print", campaign="City guide 2027")
    client.force_login(catalog_world["resident"])
    body = client.get(reverse("photos:mine")).content.decode()
    assert "Used 1 time" in body and "City guide 2027" in body and "Print" in body
    assert catalog_world["marketing"].email not in body
    response = client.post(reverse("catalog:withdraw_photo", args=[photo.pk]), follow=True)
    assert "is withdrawn" in response.content.decode()
    client.force_login(catalog_world["marketing"])
    assert client.get(reverse("catalog:photo", args=[photo.pk])).status_code == 404


def test_residents_cannot_withdraw_photos_of_others(client, catalog_world, cleared):
    photo = cleared()
    from tests.consent.conftest import make_user

    client.force_login(make_user("mallory@example.org"))
    assert client.post(reverse("catalog:withdraw_photo", args=[photo.pk])).status_code == 404


@pytest.mark.s3
def test_on_s3_downloads_redirect_to_a_short_presigned_url(client, catalog_world, cleared,
                                                           s3_storage):
    photo = cleared("Harbour on S3")
    client.force_login(catalog_world["marketing"])
    response = post_download(client, photo)
    assert response.status_code == 302
    url = response["Location"]
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    assert int(query["X-Amz-Expires"][0]) <= 300
    assert "Harbour-on-S3-web.jpg" in query["response-content-disposition"][0]
    with urllib.request.urlopen(url) as fetched:  # noqa: S310 - moto on loopback
        data = fetched.read()
        assert "attachment" in fetched.headers["Content-Disposition"]
    assert "Photo: Rosa" in xmp_packet(data)
    key = re.search(r"/(downloads/[^?]+)", url).group(1)
    assert urllib.parse.unquote(key) in s3_storage.list_keys("downloads/")
    assert not s3_storage.list_keys("renditions/downloads/")  # the catalog's own prefix
    thumb = client.get(reverse("catalog:rendition", args=[photo.pk, "thumb"]))
    assert thumb.status_code == 302 and "X-Amz-Signature" in thumb["Location"]


def test_adding_to_a_collection_never_redirects_off_the_site(client, catalog_world, cleared):
    photo = cleared()
    collection = collection_create(owner=catalog_world["marketing"], name="C")
    client.force_login(catalog_world["marketing"])
    url = reverse("catalog:collection_add", args=[collection.pk])
    response = client.post(url, {"photo_id": str(photo.pk), "next": "https://evil.example/x"})
    assert response["Location"] == reverse("catalog:collection", args=[collection.pk])
    back = reverse("catalog:photo", args=[photo.pk])
    response = client.post(url, {"photo_id": str(photo.pk), "next": back})
    assert response["Location"] == back
