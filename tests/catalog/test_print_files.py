"""Print files: made by the worker as a stored rendition, copied (never decoded) by a
download, with the rights written around the untouched image data; a photo without one yet
gets a "being prepared" answer and nothing is recorded."""

import io
import zipfile

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from PIL import Image

from photolib.catalog.models import Download
from photolib.catalog.services import collection_add, collection_create
from photolib.outbox.models import OutboxMessage
from photolib.photos.ingest import RERENDER_TASK
from photolib.photos.keys import PRINT
from photolib.photos.models import Rendition
from tests.catalog.exiftool import exiftool, image_data, segments, xmp_packet
from tests.catalog.test_downloads import body_of, post_download

pytestmark = pytest.mark.django_db


def stored_print(photo) -> bytes:
    stored = Rendition.objects.get(photo=photo, spec=str(PRINT))
    with storages["renditions"].open(stored.storage_key, "rb") as fh:
        return fh.read()


def downloads_stored() -> list[str]:
    storage = storages["downloads"]
    try:
        folders, files = storage.listdir("")
    except FileNotFoundError:  # nothing was ever stored
        return []
    return files + [f"{d}/{f}" for d in folders for f in storage.listdir(d)[1]]


def forget_print_file(photo) -> None:
    """The state of a photo ingested before print files existed."""
    stored = Rendition.objects.get(photo=photo, spec=str(PRINT))
    storages["renditions"].delete(stored.storage_key)
    stored.delete()


def test_print_download_is_the_stored_print_file_with_its_rights_around_it(
        client, catalog_world, cleared):
    photo = cleared("Big harbour", width=3000, height=2000, gps=(52.37, 4.89))
    print_file = stored_print(photo)
    client.force_login(catalog_world["marketing"])
    response = post_download(client, photo, rendition="print")
    assert response.status_code == 200
    data = body_of(response)
    packet = xmp_packet(data)
    assert "Photo: Rosa / Harbour Photos" in packet
    assert str(photo.consent_record_id) in packet
    # The stored file's tables and scan, byte for byte: the pixels were not re-encoded.
    assert image_data(data) == image_data(print_file)
    assert segments(data)[0][0] == 0xE0  # JFIF still first
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.size == (photo.width, photo.height) == (3000, 2000)
    exif = image.getexif()
    # Artist and Copyright only (UTF-8, as exiftool and Adobe write it; Pillow reads Latin-1).
    assert {tag: value.encode("latin-1").decode() for tag, value in exif.items()} == {
        0x013B: "Rosa", 0x8298: "© 2025 Rosa"}
    assert not exif.get_ifd(0x8825) and not exif.get_ifd(0x8769)  # no GPS, no camera IFD
    tags = exiftool(data)
    assert not [t for t in tags if t.startswith("GPS") or ":GPS" in t]
    record = Download.objects.get()
    assert record.rendition == "print"
    with storages["downloads"].open(record.file_key, "rb") as fh:
        assert fh.read() == data


def test_print_download_never_reads_the_original(client, catalog_world, cleared):
    photo = cleared("Lighthouse", width=2400, height=1600)
    # Without the original nothing could be decoded: the download copies the print file.
    storages["originals"].delete(photo.original_key)
    assert not storages["originals"].exists(photo.original_key)
    client.force_login(catalog_world["marketing"])
    response = post_download(client, photo, rendition="print")
    assert response.status_code == 200
    data = body_of(response)
    assert Image.open(io.BytesIO(data)).size == (2400, 1600)
    assert Download.objects.filter(photo=photo, rendition="print").count() == 1


def test_a_missing_print_file_is_being_prepared_and_nothing_is_recorded(
        client, catalog_world, cleared, django_capture_on_commit_callbacks):
    photo = cleared("Old quay", width=2000, height=1500)
    forget_print_file(photo)
    client.force_login(catalog_world["marketing"])
    with django_capture_on_commit_callbacks(execute=True):
        response = post_download(client, photo, rendition="print")
    assert response.status_code == 503
    assert response["Retry-After"] == "120"
    assert "being prepared, try again in a few minutes" in response.content.decode()
    assert not Download.objects.exists() and downloads_stored() == []
    asked = OutboxMessage.objects.filter(task_name=RERENDER_TASK)
    # The worker was asked (tests run tasks eagerly, so it is made by now).
    assert [m.args for m in asked] == [[str(photo.pk)]]
    assert Rendition.objects.filter(photo=photo, spec=str(PRINT)).exists()
    # Asking again within minutes does not queue a second rendering.
    forget_print_file(photo)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_download(client, photo, rendition="print").status_code == 503
    assert asked.count() == 1
    assert not Rendition.objects.filter(photo=photo, spec=str(PRINT)).exists()


def test_reprocess_photos_makes_missing_print_files(client, catalog_world, cleared):
    from django.core.management import call_command

    photo = cleared("Fish market", width=1800, height=1200)
    forget_print_file(photo)
    call_command("reprocess_photos", "--ids", str(photo.pk), stdout=io.StringIO(),
                 stderr=io.StringIO())
    stored = Rendition.objects.get(photo=photo, spec=str(PRINT))
    assert (stored.width, stored.height) == (1800, 1200)
    client.force_login(catalog_world["marketing"])
    data = body_of(post_download(client, photo, rendition="print"))
    assert image_data(data) == image_data(stored_print(photo))
    assert "Photo: Rosa / Harbour Photos" in xmp_packet(data)


def test_a_zip_leaves_out_print_files_being_prepared_and_says_so(client, catalog_world,
                                                                cleared):
    officer = catalog_world["marketing"]
    ready, waiting = cleared("Harbour ready"), cleared("Harbour waiting")
    forget_print_file(waiting)
    collection = collection_create(owner=officer, name="Print run")
    for p in (ready, waiting):
        collection_add(collection=collection, photo_id=p.pk)
    client.force_login(officer)
    response = client.post(reverse("catalog:collection_zip", args=[collection.pk]),
                           {"rendition": "print", "use": "print", "campaign": "Poster"})
    archive = zipfile.ZipFile(io.BytesIO(body_of(response)))
    [jpeg] = [n for n in archive.namelist() if n.endswith(".jpg")]
    data = archive.read(jpeg)
    assert image_data(data) == image_data(stored_print(ready))
    assert "Photo: Rosa / Harbour Photos" in xmp_packet(data)
    readme = archive.read("README.txt").decode()
    assert "“Harbour waiting” is being prepared, try again in a few minutes" in readme
    assert list(Download.objects.values_list("photo", flat=True)) == [ready.pk]
