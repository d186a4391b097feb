"""Social-ready crops through the site: the reviewer's focal point, and each crop's download
at the size the networks ask for, around the focal point, with the same metadata and
Content Credentials as every other download (read back by exiftool and the c2pa Reader).
The box arithmetic is tested in tests/media_ingest/test_crops.py."""

import io
import zipfile

import pytest
from django.urls import reverse
from PIL import Image

from media_ingest.crops import CROPS_BY_NAME, crop_box
from photolib.catalog.models import Download
from photolib.catalog.services import collection_add, collection_create
from photolib.photos.models import Photo
from tests.catalog.test_download_metadata import assert_carries_every_field
from tests.catalog.test_downloads import body_of, post_download
from tests.conftest import staff_login

SIZES = {"square": (1080, 1080), "portrait": (1080, 1350), "wide": (1200, 628),
         "story": (1080, 1920)}


# --- through the site --------------------------------------------------------------------

@pytest.mark.django_db
def test_a_reviewer_sets_the_focal_point_and_bad_points_change_nothing(client, catalog_world,
                                                                       cleared):
    photo = cleared("Harbour mark")
    staff_login(client, catalog_world["reviewer"])
    url = reverse("review:focal_point", args=[photo.pk])
    page = client.get(reverse("review:photo", args=[photo.pk])).content.decode()
    assert f'action="{url}"' in page and "photolib/focal.js" in page
    for bad in ({"x": "1.5", "y": "0.5"}, {"x": "abc", "y": "0.5"}, {"x": "0.5"},
                {"x": "nan", "y": "nan"}, {"x": "-0.1", "y": "0.2"}):
        response = client.post(url, bad, follow=True)
        assert "Click on the photo to set its focal point." in response.content.decode()
        photo.refresh_from_db()
        assert (photo.focal_x, photo.focal_y) == (None, None)
    response = client.post(url, {"x": "0.375", "y": "0.40"}, follow=True)
    assert "Focal point saved" in response.content.decode()
    photo.refresh_from_db()
    assert photo.focal_point == (0.375, 0.4)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SIZES))
def test_each_crop_downloads_at_its_size_around_the_focal_point_with_every_field(
        client, catalog_world, cleared, city_ca, name):
    # The upload helper draws a yellow disc at a quarter to a half of width and height.
    photo = cleared("Harbour disc", width=3000, height=2000)
    Photo.objects.filter(pk=photo.pk).update(focal_x=0.375, focal_y=0.375)
    photo = Photo.objects.cleared().get(pk=photo.pk)
    client.force_login(catalog_world["marketing"])
    response = post_download(client, photo, rendition=name)
    assert response.status_code == 200
    assert f'filename="Harbour-disc-{name}.jpg"' in response["Content-Disposition"]
    data = body_of(response)
    image = Image.open(io.BytesIO(data))
    assert image.size == SIZES[name]
    # The focal point (the disc's centre) is inside the crop, where the box puts it: yellow.
    left, top, right, bottom = crop_box((3000, 2000), CROPS_BY_NAME[name].ratio, (0.375, 0.375))
    scale = image.width / (right - left)
    at = (round((1125 - left) * scale), round((750 - top) * scale))
    pixel = image.getpixel(at)
    assert pixel[0] > 180 and pixel[1] > 150 and pixel[2] < 110, (at, pixel)
    if right - left < 3000:  # the box could move sideways: centred on the point
        assert (left + right) / 2 == pytest.approx(1125, abs=1)
    download = Download.objects.get()
    assert download.rendition == name
    assert_carries_every_field(data, photo, download, city_ca, release="MR-NAP",
                               actions=("c2pa.cropped", "c2pa.resized"))


@pytest.mark.django_db
def test_a_zip_of_square_crops_carries_the_metadata_in_each_file(client, catalog_world,
                                                                 cleared, city_ca):
    officer = catalog_world["marketing"]
    photos = [cleared(title, width=1800, height=1200) for title in ("Quay one", "Quay two")]
    collection = collection_create(owner=officer, name="Socials")
    for photo in photos:
        collection_add(collection=collection, photo_id=photo.pk)
    client.force_login(officer)
    response = client.post(reverse("catalog:collection_zip", args=[collection.pk]),
                           {"rendition": "square", "use": "social", "campaign": "Socials"})
    archive = zipfile.ZipFile(io.BytesIO(body_of(response)))
    names = [n for n in archive.namelist() if n.endswith("-square.jpg")]
    assert len(names) == 2
    for name in names:
        [download] = [d for d in Download.objects.all() if d.pk.hex[:8] == name[:8]]
        data = archive.read(name)
        assert Image.open(io.BytesIO(data)).size == (1080, 1080)
        assert_carries_every_field(data, download.photo, download, city_ca, release="MR-NAP",
                                   actions=("c2pa.cropped", "c2pa.resized"),
                                   stated_use="Social media")
