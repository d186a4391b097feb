"""The production path: uploads over HTTP, a real Celery worker on Redis, S3 over HTTP.

A small slice of the corpus (awkward names, HEIC, files only the worker can refuse) goes
through it; then a worker is killed in the middle of a task and a new one finishes the job.
"""

from __future__ import annotations

import urllib.request

import pytest
from django.urls import reverse

from photolib.photos.keys import SPECS
from photolib.photos.models import Photo, Rendition
from tests.conftest import s3_env, wait_for
from tests.photos.conftest import corpus_file, jpeg_upload

pytestmark = [pytest.mark.worker, pytest.mark.s3]

CAMERA = ["me_Apple iPhone 4.jpg", "me_Olympus_μ_Digital_800.JPG", "es_iphone_13_pro_max.heic"]
REFUSED_BY_WORKER = ["pil_truncated_jpeg.jpg", "pil_truncated_image.png"]
REFUSED_AT_UPLOAD = ["pil_png_decompression_dos.png", "pil_decompression_bomb.gif"]


def _settled(photo_ids: list[str]):
    def check():
        photos = list(Photo.objects.filter(pk__in=photo_ids))
        done = [p for p in photos if p.status != Photo.Status.PROCESSING]
        return photos if len(done) == len(photo_ids) else None

    return check


def test_corpus_slice_through_http_a_real_worker_and_s3(
        celery_worker, s3_storage, client, member, group, corpus):
    worker = celery_worker(env=s3_env(s3_storage))
    client.force_login(member)
    ids: dict[str, str] = {}
    for name in CAMERA + REFUSED_BY_WORKER + REFUSED_AT_UPLOAD:
        with corpus_file(name).open("rb") as fh:
            response = client.post(reverse("photos:upload"), {
                "group": group.pk, "title": name, "people": "none", "own_work": "on",
                "file": fh}, HTTP_ACCEPT="application/json")
        if name in REFUSED_AT_UPLOAD:
            assert response.status_code in (415, 422), response.content
            assert response.json()["error"]
            continue
        assert response.status_code == 201, response.content
        ids[name] = response.json()["photo"]["id"]

    photos = wait_for(_settled(list(ids.values())), timeout=60,
                      message=lambda: f"the worker; its log:\n{worker.output()[-3000:]}")
    by_name = {p.original_name: p for p in photos}
    # The member's consent left its signed ledger checkpoint under evidence/ in this bucket.
    keys = [k for k in s3_storage.list_keys() if not k.startswith("evidence/")]
    for name in CAMERA:
        photo = by_name[name]
        assert photo.status == Photo.Status.PENDING_REVIEW, photo.status_reason
        assert photo.camera_make and photo.renditions.count() == len(SPECS)
        assert sorted(k for k in keys if str(photo.id) in k) == sorted([
            f"originals/{photo.original_key}",
            f"renditions/{photo.id}/preview-1600-q85.jpg",
            f"renditions/{photo.id}/print-16384-q92.jpg",
            f"renditions/{photo.id}/thumb-400-q85.jpg"])
        assert s3_storage.head(f"originals/{photo.original_key}")["ServerSideEncryption"] \
            == "AES256"
    assert by_name["es_iphone_13_pro_max.heic"].taken_at_offset == "+01:00"
    for name in REFUSED_BY_WORKER:
        photo = by_name[name]
        assert photo.status == Photo.Status.REJECTED
        assert "damaged or incomplete" in photo.status_reason
        assert not [k for k in keys if str(photo.id) in k]
    assert len(keys) == (1 + len(SPECS)) * len(CAMERA)  # the original and its renditions
    status = client.get(reverse("photos:status", args=[ids[CAMERA[0]]])).json()["photo"]
    assert status["status_label"] == "Waiting for review" and status["thumb_url"]
    thumb = client.get(status["thumb_url"])  # S3: a redirect to a five-minute signed link
    assert thumb.status_code == 302 and "X-Amz-Signature=" in thumb["Location"]
    with urllib.request.urlopen(thumb["Location"]) as response:  # noqa: S310 - loopback
        assert response.read(3) == b"\xff\xd8\xff"


def test_a_worker_killed_mid_task_is_replaced_and_leaves_one_set_of_renditions(
        celery_worker, s3_storage, upload, tmp_path):
    pause = tmp_path / "pause-ingest"
    pause.touch()
    first = celery_worker(env={**s3_env(s3_storage),
                               "PHOTOLIB_INGEST_TEST_PAUSE_FILE": str(pause)})
    photo = upload(jpeg_upload(size=(2000, 1500)))  # commits, so the task goes to Redis
    prefix = f"renditions/{photo.id}/"
    wait_for(lambda: s3_storage.list_keys(prefix), timeout=60,
             message=lambda: f"the first rendition; worker log:\n{first.output()[-3000:]}")
    first.kill()  # SIGKILL, whole process group: no chance to finish, ack or clean up
    pause.unlink()
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PROCESSING
    assert not Rendition.objects.filter(photo=photo).exists()  # its transaction died with it
    assert len(s3_storage.list_keys(prefix)) == 1  # and left one object behind

    # Redis hands the unacknowledged task to the next worker once its visibility timeout
    # has passed (short here, an hour by default).
    second = celery_worker(env={**s3_env(s3_storage), "CELERY_VISIBILITY_TIMEOUT": "1"})
    wait_for(lambda: Photo.objects.get(pk=photo.pk).status != Photo.Status.PROCESSING,
             timeout=90, message=lambda: f"the re-run; worker log:\n{second.output()[-3000:]}")
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW, photo.status_reason
    assert photo.ingest_attempts == 2
    assert sorted(Rendition.objects.filter(photo=photo).values_list("spec", flat=True)) == [
        "preview-1600-q85.jpg", "print-16384-q92.jpg", "thumb-400-q85.jpg"]
    assert sorted(s3_storage.list_keys(prefix)) == [f"{prefix}preview-1600-q85.jpg",
                                                    f"{prefix}print-16384-q92.jpg",
                                                    f"{prefix}thumb-400-q85.jpg"]
    assert "ingest_photo" in second.output() and "succeeded" in second.output()
