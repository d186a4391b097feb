"""Uploads and ingest under faults: a broker that refuses or hangs, lost tasks, retries.

Real services only: a Celery worker on Redis, a closed local port for "refusing", a local
server that accepts and never answers for "hanging".
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import redis
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from photolib.outbox.models import OutboxMessage
from photolib.outbox.services import outbox_drain
from photolib.photos import moderation, tasks
from photolib.photos.errors import WrongState
from photolib.photos.keys import SPECS
from photolib.photos.models import Photo, Rendition
from photolib.photos.uploads import INGEST_TASK
from tests.conftest import TEST_BROKER_URL, TEST_QUEUE_KEY, wait_for
from tests.photos.conftest import jpeg_upload, stored_files


def _post_upload(client, group, title="Under the bridge"):
    return client.post(reverse("photos:upload"), {
        "group": group.pk, "title": title, "people": "none", "own_work": "on",
        "file": jpeg_upload()}, HTTP_ACCEPT="application/json")


@pytest.mark.worker
def test_upload_with_the_broker_refusing_keeps_photo_and_original_and_ingests_after_recovery(
        celery_worker, client, member, group, broker_at, closed_port, _file_storage):
    worker = celery_worker()
    client.force_login(member)
    broker_at(f"redis://127.0.0.1:{closed_port}/0")
    started = time.monotonic()
    response = _post_upload(client, group)
    assert time.monotonic() - started < 10
    assert response.status_code == 201, response.content
    photo = Photo.objects.get(pk=response.json()["photo"]["id"])
    assert photo.status == Photo.Status.PROCESSING
    assert stored_files(_file_storage / "originals") == [photo.original_key]  # not deleted
    message = OutboxMessage.objects.get(task_name=INGEST_TASK)
    assert message.args == [str(photo.pk)] and message.sent_at is None and message.last_error

    broker_at(TEST_BROKER_URL)  # Redis is back; the periodic drain runs
    assert outbox_drain(min_age=timedelta(0)).startswith("1 of 1")
    wait_for(lambda: Photo.objects.get(pk=photo.pk).status == Photo.Status.PENDING_REVIEW,
             timeout=60, message=lambda: f"ingest; worker log:\n{worker.output()[-2000:]}")
    assert Rendition.objects.filter(photo=photo).count() == len(SPECS)
    assert Photo.objects.count() == 1  # no phantom row


@pytest.mark.worker
def test_upload_with_the_broker_hanging_answers_in_seconds_and_the_login_page_too(
        redis_url, transactional_db, client, member, group, broker_at, hung_server,
        _file_storage):
    from photolib.celery import app

    app.conf.task_always_eager = False
    try:
        broker_at(f"redis://127.0.0.1:{hung_server.port}/0")
        client.force_login(member)
        started = time.monotonic()
        response = _post_upload(client, group)
        took = time.monotonic() - started
        assert response.status_code == 201, response.content
        assert took < 15, f"the upload waited {took:.1f} s on a hung broker"
        photo = Photo.objects.get()
        assert stored_files(_file_storage / "originals") == [photo.original_key]
        assert OutboxMessage.objects.get(task_name=INGEST_TASK).sent_at is None
        client.logout()
        started = time.monotonic()
        assert client.get(reverse("accounts:login")).status_code == 200
        assert time.monotonic() - started < 5
    finally:
        app.conf.task_always_eager = True


@pytest.mark.worker
def test_lost_ingest_task_is_sent_again_by_the_periodic_job_with_one_set_of_renditions(
        celery_worker, member, group, upload, redis_url, django_capture_on_commit_callbacks):
    from photolib.celery import app

    app.conf.task_always_eager = False  # celery_worker does so too; the worker starts later
    photo = upload()  # committed; its message went to Redis
    assert OutboxMessage.objects.get(task_name=INGEST_TASK).sent_at is not None
    # Redis restarts without persistence: the queued task is gone.
    broker = redis.Redis.from_url(redis_url)
    queued = broker.lrange(TEST_QUEUE_KEY, 0, -1)  # this process's keys only
    assert INGEST_TASK in [json.loads(m)["headers"]["task"] for m in queued]
    broker.delete(TEST_QUEUE_KEY)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Photo.objects.filter(pk=photo.pk).update(uploaded_at=an_hour_ago)
    OutboxMessage.objects.filter(task_name=INGEST_TASK).update(created_at=an_hour_ago)

    worker = celery_worker()
    call_command("run_periodic")
    wait_for(lambda: Photo.objects.get(pk=photo.pk).status == Photo.Status.PENDING_REVIEW,
             timeout=60, message=lambda: f"ingest; worker log:\n{worker.output()[-2000:]}")
    # Run again: nothing is stuck any more, nothing is sent, no second set of renditions.
    call_command("run_periodic")
    assert OutboxMessage.objects.filter(task_name=INGEST_TASK).count() == 2
    assert sorted(Rendition.objects.filter(photo=photo).values_list("spec", flat=True)) == \
        sorted(set(Rendition.objects.filter(photo=photo).values_list("spec", flat=True)))
    assert Rendition.objects.filter(photo=photo).count() == len(SPECS)


def test_stuck_photo_is_ingested_by_run_periodic_once_eagerly(
        upload, member, group, settings, capsys):
    photo = upload()  # in a test transaction: its on-commit delivery never ran
    Photo.objects.filter(pk=photo.pk).update(uploaded_at=timezone.now() - timedelta(hours=1))
    OutboxMessage.objects.filter(task_name=INGEST_TASK).update(
        created_at=timezone.now() - timedelta(hours=1))
    call_command("run_periodic", "--job", "ingest-requeue-stuck")
    assert "1 stuck photo(s) sent to ingest again" in capsys.readouterr().out
    # In a test transaction nothing commits, so run the drain the worker-side job would.
    call_command("run_periodic", "--job", "outbox-drain")
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW, photo.status_reason
    assert Rendition.objects.filter(photo=photo).count() == len(SPECS)
    # The job's own message (and any duplicate) delivered too: ingest makes nothing twice.
    assert outbox_drain(min_age=timedelta(0)).endswith("0 unsent, 0 old row(s) removed")
    call_command("run_periodic")
    assert Rendition.objects.filter(photo=photo).count() == len(SPECS)


def test_reviewer_can_retry_a_stuck_photo_but_not_one_still_on_its_way(
        upload, make_user, django_capture_on_commit_callbacks):
    reviewer = make_user("rita@example.org", role="reviewer")
    photo = upload()
    with pytest.raises(WrongState):  # just uploaded: its task is on its way
        moderation.photo_retry_ingest(photo_id=photo.pk, acting_user=reviewer)
    Photo.objects.filter(pk=photo.pk).update(uploaded_at=timezone.now() - timedelta(hours=1))
    OutboxMessage.objects.filter(task_name=INGEST_TASK).update(
        created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        moderation.photo_retry_ingest(photo_id=photo.pk, acting_user=reviewer)
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PENDING_REVIEW, photo.status_reason
    assert Rendition.objects.filter(photo=photo).count() == len(SPECS)


def test_retry_backoff_spans_at_least_three_minutes_with_the_defaults(settings):
    retries = settings.PHOTOLIB_INGEST_MAX_RETRIES
    shortest = sum(tasks.retry_delay_bounds(n)[0] for n in range(retries))
    assert shortest >= 180, f"{retries} retries could all be used within {shortest} s"
    for n in range(retries):
        low, high = tasks.retry_delay_bounds(n)
        assert low >= 1 and high <= settings.PHOTOLIB_INGEST_RETRY_MAX
        samples = {tasks.retry_countdown(n) for _ in range(50)}
        assert all(round(low) <= s <= round(high) for s in samples)
    # The old full jitter could wait 0 s; the floor never does.
    assert min(tasks.retry_countdown(0) for _ in range(200)) >= tasks.retry_delay_bounds(0)[0]
