"""Guard: a storage failure between the original and the release leaves nothing behind.

The storages below are the real backends (Django's ``FileSystemStorage`` and
django-storages' ``S3Storage`` on moto's server), subclassed only so that storing a
release fails the way a full disk or a dropped connection would; everything of ours
runs as in production.
"""

from __future__ import annotations

import pytest
from django.core.files.storage import FileSystemStorage, storages
from storages.backends.s3 import S3Storage

from photolib.photos import errors
from photolib.photos.models import People, Photo, PhotoAttestation, Tag
from tests.photos.conftest import pdf_upload, stored_files

pytestmark = pytest.mark.django_db


def _is_release(name: str) -> bool:
    return name.rsplit("/", 1)[-1].startswith("release.")


class ReleaseRefusingFileSystemStorage(FileSystemStorage):
    """Stores originals, then fails on a release as a full disk would."""

    def _save(self, name, content):
        if _is_release(name):
            raise OSError(28, "No space left on device (raised by the test)")
        return super()._save(name, content)


class ReleaseRefusingS3Storage(S3Storage):
    """Stores originals on the bucket, then drops the connection on a release."""

    def _save(self, name, content):
        if _is_release(name):
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url="http://release-refused.invalid")
        return super()._save(name, content)


def _refuse_releases(settings, backend: type) -> None:
    config = dict(settings.STORAGES)
    config["originals"] = {**config["originals"],
                           "BACKEND": f"{backend.__module__}.{backend.__qualname__}"}
    settings.STORAGES = config
    assert isinstance(storages["originals"], backend)


def _assert_nothing_kept() -> None:
    assert Photo.objects.count() == 0
    assert PhotoAttestation.objects.count() == 0
    assert Tag.objects.count() == 0


def test_a_failing_release_save_leaves_no_original_and_no_row(upload, settings, _file_storage):
    _refuse_releases(settings, ReleaseRefusingFileSystemStorage)
    with pytest.raises(errors.StorageUnavailable, match="nothing was saved"):
        upload(people=People.RELEASE, release=pdf_upload("Signed by Ana.pdf"))
    _assert_nothing_kept()
    assert stored_files(_file_storage / "originals") == []
    # The same storage does keep an upload that needs no release: the failure was the release.
    photo = upload(people=People.NONE)
    assert stored_files(_file_storage / "originals") == [photo.original_key]


@pytest.mark.s3
def test_on_s3_a_failing_release_save_leaves_no_object_and_no_row(upload, settings,
                                                                  s3_storage):
    _refuse_releases(settings, ReleaseRefusingS3Storage)
    with pytest.raises(errors.StorageUnavailable, match="nothing was saved"):
        upload(people=People.MINORS, release=pdf_upload())
    _assert_nothing_kept()
    assert s3_storage.list_keys() == []
    photo = upload(people=People.NONE)
    assert s3_storage.list_keys() == [f"originals/{photo.original_key}"]
