"""Photos on S3 (moto's server over HTTP, as production is configured): keys, encryption,
content types, privacy, awkward names, and what happens when S3 fails."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import pytest

from photolib.photos.models import Photo
from photolib.storage_config import s3_storages
from tests.photos.conftest import corpus_file, dead_s3_options, jpeg_upload, uploaded

pytestmark = [pytest.mark.s3, pytest.mark.django_db]


def _anonymous_get(bucket, key: str) -> int:
    url = f"{bucket.server.endpoint_url}/{bucket.name}/{urllib.parse.quote(key)}"
    try:
        urllib.request.urlopen(url)  # noqa: S310 - loopback test server
    except urllib.error.HTTPError as exc:
        return exc.code
    return 200


@pytest.mark.parametrize("name", ["me_Apple iPhone 4.jpg", "me_Olympus_μ_Digital_800.JPG",
                                  "es_iphone_13_pro_max.heic", "es_BSG1.tiff"])
def test_objects_are_private_encrypted_typed_and_keyed_by_uuid(s3_storage, ingested, corpus,
                                                                name):
    photo = ingested(uploaded(corpus_file(name)))
    assert photo.status == Photo.Status.PENDING_REVIEW, photo.status_reason
    assert photo.original_name == name  # spaces and non-ASCII letters survive for display
    extension = {"heic": "heic", "tiff": "tif"}.get(name.rsplit(".", 1)[1], "jpg")
    original = f"originals/{photo.id}/{photo.original_key.split('/', 1)[1]}"
    assert original.endswith("." + extension) and original.isascii() and " " not in original
    keys = sorted(s3_storage.list_keys())
    assert keys == sorted([original, f"renditions/{photo.id}/print-16384-q92.jpg",
                           f"renditions/{photo.id}/preview-1600-q85.jpg",
                           f"renditions/{photo.id}/thumb-400-q85.jpg"])
    types = {"jpg": "image/jpeg", "heic": "image/heic", "tif": "image/tiff"}
    for key in keys:
        head = s3_storage.head(key)
        assert head["ServerSideEncryption"] == "AES256"
        assert head["ContentType"] == (types[extension] if key.startswith("originals/")
                                       else "image/jpeg")
        assert _anonymous_get(s3_storage, key) == 403


def test_browser_content_type_is_not_trusted(s3_storage, upload):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.photos.conftest import jpeg_bytes

    photo = upload(SimpleUploadedFile("x.gif", jpeg_bytes(), content_type="text/html"))
    assert s3_storage.head(f"originals/{photo.original_key}")["ContentType"] == "image/jpeg"


def test_hostile_file_refused_by_the_worker_leaves_nothing_in_the_bucket(s3_storage, ingested):
    photo = ingested(uploaded(corpus_file("pil_truncated_image.png")))
    assert photo.status == Photo.Status.REJECTED and photo.status_reason
    assert s3_storage.list_keys() == []


def test_s3_unreachable_during_upload_is_a_clear_error_and_no_row(s3_bucket, settings, upload):
    from photolib.photos import errors

    storages = s3_storages(bucket=s3_bucket.name, region=s3_bucket.server.region,
                           access_key="k", secret_key="s")
    for alias in ("originals", "renditions"):
        storages[alias]["OPTIONS"] = dead_s3_options(storages[alias]["OPTIONS"])
    settings.STORAGES = storages
    with pytest.raises(errors.StorageUnavailable, match="nothing was saved"):
        upload()
    assert Photo.objects.count() == 0
    assert s3_bucket.list_keys() == []


def test_s3_failing_while_rendering_retries_then_fails_keeping_the_original(
        s3_storage, settings, upload, django_capture_on_commit_callbacks):
    photo = upload(jpeg_upload())
    # Renditions now go to an S3 endpoint that is down; the original stays readable.
    broken = {**settings.STORAGES}
    broken["renditions"] = {**broken["renditions"],
                            "OPTIONS": dead_s3_options(broken["renditions"]["OPTIONS"])}
    settings.STORAGES = broken
    from photolib.photos.tasks import ingest_photo

    result = ingest_photo.delay(str(photo.id))  # eager: each retry runs at once
    assert result.get() == Photo.Status.FAILED
    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED
    assert "kept failing" in photo.status_reason and "original is kept" in photo.status_reason
    assert photo.ingest_attempts == settings.PHOTOLIB_INGEST_MAX_RETRIES + 1
    assert not photo.renditions.exists()
    assert s3_storage.list_keys() == [f"originals/{photo.original_key}"]
