"""The shared corpus through the real upload path, file by file (eager tasks, local storage).

Camera photos go through ``photo_upload`` and the task and must carry the manifest's facts.
Hostile and odd files go through the upload view, as a browser would send them: never a 500,
a refusal always has a reason, and a refused file leaves nothing in storage.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.urls import reverse

from photolib.photos import errors
from photolib.photos.keys import SPECS
from photolib.photos.models import Photo
from tests.photos.conftest import stored_files, uploaded

pytestmark = pytest.mark.django_db

# Camera files refused by policy (none since AVIF is accepted, issue 12 item 8).
REFUSED_CAMERA_FILES: set[str] = set()
TIME_LIMIT_S = 5.0


def local_time_taken(photo: Photo) -> str | None:
    """The camera's wall-clock time, as EXIF wrote it (the manifest's form)."""
    if photo.taken_at is None:
        return None
    when: datetime = photo.taken_at.astimezone(UTC)
    if photo.taken_at_offset:
        sign = -1 if photo.taken_at_offset.startswith("-") else 1
        hours, minutes = photo.taken_at_offset[1:].split(":")
        when = when.astimezone(timezone(sign * timedelta(hours=int(hours),
                                                         minutes=int(minutes))))
    return when.strftime("%Y:%m:%d %H:%M:%S")


def test_camera_photo_is_accepted_with_the_manifest_facts(
        corpus: Path, camera_row: dict, upload, django_capture_on_commit_callbacks,
        _file_storage):
    path = corpus / camera_row["file"]
    if camera_row["file"] in REFUSED_CAMERA_FILES:
        with pytest.raises(errors.FileRefused, match="AVIF.*Accepted: JPEG"):
            upload(uploaded(path))
        assert stored_files(_file_storage / "originals") == []
        return
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        photo = upload(uploaded(path))
    assert time.perf_counter() - started < TIME_LIMIT_S
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW, photo.status_reason
    assert photo.original_name == camera_row["file"]
    assert photo.camera_make == camera_row["exif_make"]
    assert photo.camera_model == camera_row["exif_model"]
    assert local_time_taken(photo) == (camera_row["exif_datetime_original"] or None)
    if camera_row["exif_orientation"]:
        assert photo.orientation == int(camera_row["exif_orientation"])
    else:
        assert photo.orientation in (None, 1)
    for field, column in (("gps_latitude", "gps_lat"), ("gps_longitude", "gps_lon")):
        if camera_row[column]:
            assert getattr(photo, field) == pytest.approx(float(camera_row[column]), abs=1e-6)
            coarse = getattr(photo, field.replace("gps", "coarse"))
            assert coarse == round(float(camera_row[column]), 2)
        else:
            assert getattr(photo, field) is None
    assert photo.renditions.count() == len(SPECS)
    assert stored_files(_file_storage / "originals") == [photo.original_key]
    assert len(stored_files(_file_storage / "renditions")) == len(SPECS)


@pytest.fixture
def post_file(client, member, group):
    """POST one file to the upload view as the page's script does; (status, JSON body)."""
    client.force_login(member)

    def post(path: Path) -> tuple[int, dict]:
        with path.open("rb") as fh:
            response = client.post(
                reverse("photos:upload"),
                {"group": group.pk, "title": path.stem[:200], "people": "none",
                 "own_work": "on", "file": fh},
                HTTP_ACCEPT="application/json")
        return response.status_code, response.json()

    return post


def test_hostile_file_is_refused_with_a_reason_and_leaves_nothing(
        corpus: Path, hostile_row: dict, post_file, django_capture_on_commit_callbacks,
        _file_storage):
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        status, body = post_file(corpus / hostile_row["file"])
    assert time.perf_counter() - started < TIME_LIMIT_S
    assert status != 500
    if status == 201:  # the header check passed: the worker refused it
        photo = Photo.objects.get(pk=body["photo"]["id"])
        assert photo.status == Photo.Status.REJECTED
        reason = photo.status_reason
    else:
        assert status in (413, 415, 422), body
        assert Photo.objects.count() == 0
        reason = body["error"]
    assert reason and "Traceback" not in reason and "Error:" not in reason
    assert stored_files(_file_storage / "originals") == []
    assert stored_files(_file_storage / "renditions") == []


def test_odd_file_is_accepted_or_refused_cleanly(
        corpus: Path, odd_row: dict, post_file, django_capture_on_commit_callbacks,
        _file_storage):
    with django_capture_on_commit_callbacks(execute=True):
        status, body = post_file(corpus / odd_row["file"])
    assert status != 500
    if status == 201:
        photo = Photo.objects.get(pk=body["photo"]["id"])
        assert photo.status in (Photo.Status.PENDING_REVIEW, Photo.Status.REJECTED)
        if photo.status == Photo.Status.PENDING_REVIEW:
            assert photo.width and photo.height and photo.renditions.count() == len(SPECS)
            assert photo.original_name == odd_row["file"]
        else:
            assert photo.status_reason
            assert stored_files(_file_storage / "originals") == []
    else:
        assert status in (413, 415, 422) and body["error"]
        assert stored_files(_file_storage / "originals") == []
