"""The worker's side (run eagerly here): facts, renditions, duplicates, idempotence, refusals."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from PIL import Image

from photolib.photos import ingest, moderation
from photolib.photos.keys import SPECS
from photolib.photos.models import Photo, Rendition
from photolib.photos.tasks import ingest_photo, retry_countdown
from tests.photos.conftest import corpus_file, jpeg_bytes, jpeg_upload, stored_files, uploaded

pytestmark = pytest.mark.django_db

THUMB, PREVIEW = "thumb-400-q85.jpg", "preview-1600-q85.jpg"
PRINT = "print-16384-q92.jpg"


def test_ingest_extracts_facts_and_stores_stripped_renditions(ingested, _file_storage):
    photo = ingested(jpeg_upload(size=(2400, 1600), orientation=6))
    assert photo.status == Photo.Status.PENDING_REVIEW, photo.status_reason
    assert photo.processed_at is not None and photo.ingest_attempts == 1
    assert (photo.width, photo.height) == (1600, 2400)  # orientation 6: shown upright
    assert photo.orientation == 6
    assert (photo.camera_make, photo.camera_model) == ("TestMaker", "Model 7")
    assert photo.lens == "TestLens 50mm f/1.8"
    assert (photo.focal_length, photo.aperture, photo.iso) == (50.0, 2.8, 400)
    assert photo.exposure_time == "1/125"
    assert (photo.artist, photo.copyright) == ("Ana Resident", "(c) Ana Resident")
    # 18:30:05.25 (SubSecTime 25) at -05:00
    assert photo.taken_at.isoformat() == "2023-07-14T23:30:05.250000+00:00"
    assert photo.taken_at_offset == "-05:00"
    assert photo.gps_latitude == pytest.approx(-33.865, abs=1e-4)
    assert photo.gps_longitude == pytest.approx(-70.66, abs=1e-4)
    assert photo.gps_altitude == pytest.approx(-12.5)  # AltitudeRef 1: below sea level
    assert (photo.coarse_latitude, photo.coarse_longitude) == (-33.87, -70.66)
    assert len(photo.sha256) == 64 and len(photo.phash) == 16
    assert photo.exif_raw and "Image Make" in photo.exif_raw

    renditions = {r.spec: r for r in photo.renditions.all()}
    assert set(renditions) == {THUMB, PREVIEW, PRINT}
    assert (renditions[THUMB].width, renditions[THUMB].height) == (267, 400)
    assert (renditions[PREVIEW].width, renditions[PREVIEW].height) == (1067, 1600)
    # The print file: full resolution, upright (orientation applied), for downloads to copy.
    assert (renditions[PRINT].width, renditions[PRINT].height) == (1600, 2400)
    for spec, rendition in renditions.items():
        assert rendition.storage_key == f"{photo.id}/{spec}"
        assert rendition.content_type == "image/jpeg"
        with storages["renditions"].open(rendition.storage_key) as fh:
            data = fh.read()
        assert rendition.size_bytes == len(data)
        image = Image.open(io.BytesIO(data))
        assert image.size == (rendition.width, rendition.height)
        assert not image.getexif() and "exif" not in image.info  # no GPS, no EXIF at all
    assert stored_files(_file_storage / "renditions") == sorted(
        f"{photo.id}/{spec}" for spec in (THUMB, PREVIEW, PRINT))


def test_photo_without_gps_has_no_location(ingested):
    photo = ingested(jpeg_upload(lat=None, lon=None, altitude=None))
    assert photo.gps_latitude is None and photo.coarse_latitude is None


def test_ingest_is_idempotent(ingested, _file_storage):
    photo = ingested()
    assert ingest_photo.delay(str(photo.id)).get() == Photo.Status.PENDING_REVIEW
    ingest.photo_ingest(photo_id=photo.id)
    assert Rendition.objects.filter(photo=photo).count() == len(SPECS)
    assert len(stored_files(_file_storage / "renditions")) == len(SPECS)
    photo.refresh_from_db()
    assert photo.ingest_attempts == 1  # nothing to do: not even an attempt counted


def test_a_rerun_after_a_killed_run_leaves_one_set(upload, _file_storage):
    """A killed run stored a rendition (maybe half) but no row: the rerun replaces it."""
    photo = upload()
    storages["renditions"].save(f"{photo.id}/{PREVIEW}", io.BytesIO(b"half a jpeg"))
    Photo.objects.filter(pk=photo.pk).update(ingest_attempts=1)
    ingest.photo_ingest(photo_id=photo.id)
    assert stored_files(_file_storage / "renditions") == sorted(
        [f"{photo.id}/{PREVIEW}", f"{photo.id}/{PRINT}", f"{photo.id}/{THUMB}"])
    with storages["renditions"].open(f"{photo.id}/{PREVIEW}") as fh:
        assert fh.read(3) == b"\xff\xd8\xff"
    assert Photo.objects.get(pk=photo.pk).ingest_attempts == 2


def test_exact_duplicate_of_my_own_photo_is_refused_and_removed(ingested, _file_storage):
    first = ingested(jpeg_upload("a.jpg"), title="First")
    again = ingested(jpeg_upload("copy of a.jpg"))
    assert again.status == Photo.Status.REJECTED
    assert again.status_reason == "You already uploaded this photo (“First”)."
    assert again.sha256 == first.sha256 and again.original_key == ""
    assert not again.renditions.exists()
    assert stored_files(_file_storage / "originals") == [first.original_key]
    assert len(stored_files(_file_storage / "renditions")) == len(SPECS)


def test_duplicates_of_other_peoples_photos_are_flagged(ingested, make_user, group):
    from tests.photos.conftest import join

    other = make_user("olga@example.org")
    join(other, group)
    theirs = ingested(jpeg_upload(), user=other)
    mine = ingested(jpeg_upload())
    assert mine.status == Photo.Status.PENDING_REVIEW
    assert mine.duplicate_of == theirs
    assert str(theirs.id) in mine.near_duplicates


def test_near_duplicates_are_flagged_by_perceptual_hash(ingested, corpus):
    upright = ingested(uploaded(corpus_file("oe_Landscape_1.jpg")))
    turned = ingested(uploaded(corpus_file("oe_Landscape_6.jpg")))  # same scene, orientation 6
    different = ingested(jpeg_upload(seed=9))
    assert turned.status == Photo.Status.PENDING_REVIEW
    assert turned.duplicate_of is None
    assert turned.near_duplicates == [str(upright.id)]
    assert different.near_duplicates == []


def test_a_file_the_worker_refuses_is_rejected_and_leaves_nothing(ingested, corpus,
                                                                   _file_storage):
    photo = ingested(uploaded(corpus_file("pil_truncated_jpeg.jpg")))
    assert photo.status == Photo.Status.REJECTED
    assert "damaged or incomplete" in photo.status_reason
    assert stored_files(_file_storage / "originals") == []
    assert stored_files(_file_storage / "renditions") == []


def test_a_missing_original_fails_the_photo(upload):
    photo = upload()
    storages["originals"].delete(photo.original_key)
    assert ingest_photo.delay(str(photo.id)).get() == Photo.Status.FAILED
    photo.refresh_from_db()
    assert "missing from storage" in photo.status_reason


def test_a_photo_that_keeps_killing_workers_ends_failed(upload, settings):
    photo = upload()
    Photo.objects.filter(pk=photo.pk).update(
        ingest_attempts=settings.PHOTOLIB_INGEST_MAX_RETRIES + 3)
    ingest.photo_ingest(photo_id=photo.id)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.FAILED
    assert "did not finish after" in photo.status_reason


def test_a_deleted_photo_is_nothing_to_do():
    import uuid

    assert ingest_photo.delay(str(uuid.uuid4())).get() == "gone"


def test_retry_backoff_grows_exponentially_and_is_capped(settings):
    settings.PHOTOLIB_INGEST_RETRY_BACKOFF = 10
    for retries, ceiling in ((0, 10), (1, 20), (3, 80), (10, 600)):
        assert all(0 <= retry_countdown(retries) <= ceiling for _ in range(20))
    assert ingest_photo.acks_late and ingest_photo.reject_on_worker_lost
    assert ingest_photo.soft_time_limit < ingest_photo.time_limit


def test_reviewer_retries_a_failed_photo(upload, make_user, django_capture_on_commit_callbacks):
    from photolib.photos import errors
    from photolib.photos.models import ModerationEvent

    photo = upload()
    ingest.photo_ingest_failed(photo_id=photo.id, reason="S3 was down")
    reviewer = make_user("rita@example.org", role="reviewer")
    with pytest.raises(errors.NotAllowed):
        moderation.photo_retry_ingest(acting_user=photo.owner, photo_id=photo.id)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.photo_retry_ingest(acting_user=reviewer, photo_id=photo.id)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW and photo.status_reason == ""
    assert ModerationEvent.objects.filter(photo=photo, action="retry", actor=reviewer).exists()
    with pytest.raises(errors.WrongState):
        moderation.photo_retry_ingest(acting_user=reviewer, photo_id=photo.id)


def test_hostile_exif_values_are_bounded_to_their_columns(ingested):
    from PIL.TiffImagePlugin import IFDRational

    exif = Image.Exif()
    exif[0x010F] = "M" * 5000 + "\x00tail"
    exif[0x013B] = "A" * 1000
    ifd = exif.get_ifd(0x8769)
    ifd[0x8827] = 4_000_000_000
    ifd[0x829D] = IFDRational(1, 0)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(buffer, "JPEG", exif=exif.tobytes())
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = ingested(SimpleUploadedFile("odd.jpg", buffer.getvalue()))
    assert photo.status == Photo.Status.PENDING_REVIEW
    assert len(photo.camera_make) <= 100 and "\x00" not in photo.camera_make
    assert len(photo.artist) <= 150
    assert photo.iso is None and photo.aperture is None


def test_uploads_older_than_a_day_do_not_count(upload, settings):
    settings.PHOTOLIB_UPLOADS_PER_DAY = 1
    photo = upload()
    Photo.objects.filter(pk=photo.pk).update(uploaded_at=photo.uploaded_at - timedelta(hours=25))
    upload(jpeg_upload(seed=5))


def test_jpeg_bytes_helper_is_deterministic():
    assert jpeg_bytes(seed=1) == jpeg_bytes(seed=1)
