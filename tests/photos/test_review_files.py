"""The reviewers' file links of a photo whose file is not on record (issue 12, item 7): an
original the ingest refused and removed answers 404 "No original on file", never a redirect
to a presigned URL of an empty key; on the filesystem and on S3."""

from __future__ import annotations

import io
import struct

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from photolib.files import serve
from photolib.photos.keys import ORIGINALS
from photolib.photos.models import Photo
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db


def damaged_png() -> SimpleUploadedFile:
    """A PNG whose headers pass the upload check but whose image data fails its CRC, so
    the ingest refuses it and removes the original."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    start = data.index(b"IDAT")
    length = struct.unpack(">I", data[start - 4:start])[0]
    data[start + 4 + length // 2] ^= 0x55
    return SimpleUploadedFile("scan.png", bytes(data), content_type="image/png")


@pytest.fixture
def reviewer_client(client, make_user):
    staff_login(client, make_user("rita@example.org", role="reviewer"))
    return client


def _refused(ingested) -> Photo:
    photo = ingested(damaged_png())
    assert photo.status == Photo.Status.REJECTED and photo.original_key == ""
    return photo


def _assert_no_original(response) -> None:
    assert response.status_code == 404
    assert "Location" not in response
    assert "No original on file" in response.content.decode()


def test_the_refused_original_is_a_404_saying_so(reviewer_client, ingested, _file_storage):
    photo = _refused(ingested)
    _assert_no_original(reviewer_client.get(reverse("review:file",
                                                    args=[photo.pk, "original"])))
    release = reviewer_client.get(reverse("review:file", args=[photo.pk, "release"]))
    assert release.status_code == 404 and "No release on file" in release.content.decode()


def test_on_s3_the_refused_original_is_not_a_presigned_redirect(reviewer_client, ingested,
                                                               s3_storage):
    photo = _refused(ingested)
    _assert_no_original(reviewer_client.get(reverse("review:file",
                                                    args=[photo.pk, "original"])))
    # A stored original is still a redirect to its presigned URL.
    kept = ingested()
    response = reviewer_client.get(reverse("review:file", args=[kept.pk, "original"]))
    assert response.status_code == 302 and kept.original_key in response["Location"]


def test_serve_refuses_an_empty_name_for_any_caller(s3_storage):
    from django.http import Http404

    with pytest.raises(Http404, match="No file on record"):
        serve(ORIGINALS, "", content_type="image/jpeg")
