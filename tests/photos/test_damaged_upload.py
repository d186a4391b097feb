"""A damaged photo through the real upload path (issue 12, item 2): the upload is accepted
(its headers are fine), the worker refuses it with the resident-readable reason, and nothing
is left: no rendition row, no object in either storage."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from photolib.photos.keys import SPECS
from photolib.photos.models import Photo, Rendition
from tests.media_ingest.test_complete_decode import damage, png_image_data
from tests.photos.conftest import corpus_file, stored_files

pytestmark = pytest.mark.django_db


def test_a_png_damaged_inside_its_image_data_is_refused_and_leaves_nothing(
        ingested, corpus, _file_storage):
    original = corpus_file("pil_exif_imagemagick_orientation.png").read_bytes()
    damaged = damage(original, png_image_data(original))
    photo = ingested(SimpleUploadedFile("harbour.png", damaged, content_type="image/png"))
    assert photo.status == Photo.Status.REJECTED
    assert "damaged or incomplete" in photo.status_reason
    assert photo.original_key == ""
    assert not Rendition.objects.filter(photo=photo).exists()
    assert stored_files(_file_storage / "originals") == []
    assert stored_files(_file_storage / "renditions") == []


def test_the_same_png_undamaged_is_accepted(ingested, corpus, _file_storage):
    photo = ingested(SimpleUploadedFile(
        "harbour.png", corpus_file("pil_exif_imagemagick_orientation.png").read_bytes(),
        content_type="image/png"))
    assert photo.status == Photo.Status.PENDING_REVIEW, photo.status_reason
    assert Rendition.objects.filter(photo=photo).count() == len(SPECS)
    assert len(stored_files(_file_storage / "renditions")) == len(SPECS)
