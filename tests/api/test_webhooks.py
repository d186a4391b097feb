"""Webhooks: an event becomes a signed POST to each subscribed endpoint, delivered to a real
HTTP server on 127.0.0.1; endpoints that answer 500 or never answer are retried by a real
worker and then marked failing, without holding up what triggered the event; URLs that
would reach inside the network are refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.core.exceptions import ValidationError

from photolib.api import webhooks
from photolib.api.admin import EndpointForm
from photolib.api.models import WebhookDelivery, WebhookEndpoint
from photolib.photos import moderation
from tests.api.receiver import start_receiver
from tests.conftest import TEST_QUEUE, wait_for
from tests.consent.conftest import publish

SECRET = "whsec-a-long-shared-secret-for-tests"


@pytest.fixture
def receivers():
    started = []

    def make(answers=(200,), location=""):
        receiver = start_receiver(list(answers), location)
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        receiver.server.shutdown()
        receiver.server.server_close()


@pytest.fixture(autouse=True)
def _loopback(settings):
    settings.PHOTOLIB_WEBHOOK_ALLOW_LOOPBACK = True


def endpoint(url: str, events: list[str]) -> WebhookEndpoint:
    webhooks.validate_endpoint_url(url)
    return WebhookEndpoint.objects.create(url=url, secret=SECRET, events=events)


def _check_signature(received, secret: str) -> dict:
    """Recompute the signature as a receiver would (not with our own helper)."""
    parts = dict(p.split("=", 1) for p in received.headers["Photolib-Signature"].split(","))
    assert abs(time.time() - int(parts["t"])) < 60
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + received.body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    assert webhooks.verify_signature(secret, received.headers["Photolib-Signature"],
                                     received.body)
    assert not webhooks.verify_signature("another-secret", received.headers[
        "Photolib-Signature"], received.body)
    return json.loads(received.body)


@pytest.mark.django_db(transaction=True)
def test_a_takedown_is_delivered_signed_to_a_local_receiver(catalog_world, cleared,
                                                            receivers):
    photo = cleared("Harbour at night")
    receiver = receivers()
    elsewhere = receivers()
    endpoint(receiver.url, ["photo.taken_down", "photo.withdrawn"])
    endpoint(elsewhere.url, ["agreement.published"])  # not subscribed to photos
    moderation.photo_take_down(photo_id=photo.pk, acting_user=catalog_world["reviewer"],
                               reason="complaint")
    assert len(receiver.received) == 1 and elsewhere.received == []
    got = receiver.received[0]
    assert got.path == "/hooks/photolib"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["Photolib-Event"] == "photo.taken_down"
    body = _check_signature(got, SECRET)
    assert body["type"] == "photo.taken_down"
    assert body["data"]["photo_id"] == str(photo.pk) and body["data"]["reason"] == "taken_down"
    assert body["data"]["licence_url"].endswith(f"/licence/{photo.pk}/")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, str(delivery.event_id)) == (
        "delivered", 1, body["id"])
    attempt = delivery.attempt_log.get()
    assert (attempt.status_code, attempt.response_body, attempt.error) == (200, "ok", "")
    # Re-sent from the admin: a new delivery of the same event (same id, same body).
    again = webhooks.webhook_resend(delivery_id=delivery.pk)
    assert len(receiver.received) == 2
    assert json.loads(receiver.received[1].body)["id"] == body["id"]
    again.refresh_from_db()
    assert again.status == "delivered" and again.resent_from_id == delivery.pk


@pytest.mark.django_db(transaction=True)
def test_withdrawal_and_a_published_agreement_reach_their_subscribers(catalog_world, cleared,
                                                                      receivers):
    photo = cleared("Harbour at night")
    photos, agreements = receivers(), receivers()
    endpoint(photos.url, ["photo.withdrawn"])
    endpoint(agreements.url, ["agreement.published"])
    moderation.photo_withdraw(photo_id=photo.pk, acting_user=catalog_world["resident"])
    assert [r.headers["Photolib-Event"] for r in photos.received] == ["photo.withdrawn"]
    published = publish(catalog_world["group"], text="Version two of the terms.")
    assert len(agreements.received) == 1
    body = _check_signature(agreements.received[0], SECRET)
    assert body["type"] == "agreement.published"
    assert body["data"]["version"] == published.number
    assert body["data"]["text_sha256"] == published.text_sha256
    assert len(photos.received) == 1  # nothing about agreements for the photo endpoint


@pytest.mark.django_db(transaction=True)
def test_a_redirect_is_not_followed(receivers):
    target = receivers()
    redirecting = receivers([302], location=target.url)
    endpoint(redirecting.url, ["photo.withdrawn"])
    [delivery] = webhooks.webhook_event_publish(event="photo.withdrawn",
                                                data={"photo_id": "x"})
    assert len(redirecting.received) == 1 and target.received == []
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 1  # to be retried
    assert delivery.attempt_log.get().status_code == 302


@pytest.mark.worker
def test_failing_endpoints_are_retried_by_the_worker_then_marked_failing_without_blocking(
        celery_worker, catalog_world, cleared, receivers, hung_server):
    from photolib.celery import app

    app.conf.task_always_eager = True  # the photo is made in this process, before the worker
    photo = cleared("Harbour at night")
    app.conf.task_always_eager = False
    broken = receivers([500])
    flaky = receivers([500, 200])
    endpoints = {
        "broken": endpoint(broken.url, ["photo.taken_down"]),
        "flaky": endpoint(flaky.url, ["photo.taken_down"]),
        "hung": endpoint(f"{hung_server.url}/hook", ["photo.taken_down"]),
    }
    worker = celery_worker(env={
        "PHOTOLIB_WEBHOOK_ALLOW_LOOPBACK": "1", "PHOTOLIB_WEBHOOK_TIMEOUT_SECONDS": "1",
        "PHOTOLIB_WEBHOOK_RETRY_BACKOFF": "1", "PHOTOLIB_WEBHOOK_RETRY_MAX": "2",
        "PHOTOLIB_WEBHOOK_MAX_ATTEMPTS": "3",
        # What the worker enqueues itself (the deliveries after its recall scan) goes to
        # the queue it consumes.
        "CELERY_TASK_DEFAULT_QUEUE": TEST_QUEUE})
    started = time.monotonic()
    moderation.photo_take_down(photo_id=photo.pk, acting_user=catalog_world["reviewer"],
                               reason="complaint")
    assert time.monotonic() - started < 2  # the worker talks to the endpoints, not this call

    def settled():
        rows = list(WebhookDelivery.objects.filter(status__in=["delivered", "failed"]))
        return rows if len(rows) == 3 else None

    wait_for(settled, timeout=90, message=lambda: worker.output()[-3000:])
    by_endpoint = {d.endpoint_id: d for d in WebhookDelivery.objects.all()}
    broken_d = by_endpoint[endpoints["broken"].pk]
    hung_d = by_endpoint[endpoints["hung"].pk]
    flaky_d = by_endpoint[endpoints["flaky"].pk]
    assert (broken_d.status, broken_d.attempts) == ("failed", 3)
    assert [a.status_code for a in broken_d.attempt_log.all()] == [500, 500, 500]
    assert (hung_d.status, hung_d.attempts) == ("failed", 3)
    assert all("timed out" in a.error.lower() for a in hung_d.attempt_log.all())
    assert (flaky_d.status, flaky_d.attempts) == ("delivered", 2)
    assert len(broken.received) == 3 and len(flaky.received) == 2
    # The pauses grew: at least the backoff (1 s, then 2 s) between attempts.
    times = [a.at for a in broken_d.attempt_log.all()]
    assert (times[1] - times[0]).total_seconds() >= 1
    assert (times[2] - times[1]).total_seconds() >= 2
    for ep in endpoints.values():
        ep.refresh_from_db()
    assert endpoints["broken"].failing_since and endpoints["hung"].failing_since
    assert endpoints["flaky"].failing_since is None
    # Each retry was signed afresh and says the same event.
    assert len({json.loads(r.body)["id"] for r in broken.received}) == 1
    for received in broken.received + flaky.received:
        _check_signature(received, SECRET)


@pytest.mark.parametrize("url, words", [
    ("http://hooks.example.org/x", "https://"),
    ("ftp://hooks.example.org/x", "https://"),
    ("https://user:secret@hooks.example.org/x", "no user name"),
    ("https://10.1.2.3/hook", "may not be sent to"),
    ("https://192.168.0.10/hook", "may not be sent to"),
    ("https://169.254.169.254/latest/meta-data", "may not be sent to"),
    ("https://[fd00::1]/hook", "may not be sent to"),
    ("https://0.0.0.0/hook", "may not be sent to"),
    ("https:///nohost", "no host"),
])
def test_urls_into_the_network_are_refused(url, words):
    with pytest.raises(ValidationError) as refused:
        webhooks.validate_endpoint_url(url)
    assert words in " ".join(refused.value.messages)


def test_loopback_only_where_allowed(settings):
    settings.PHOTOLIB_WEBHOOK_ALLOW_LOOPBACK = False
    for url in ("http://127.0.0.1:8080/hook", "https://127.0.0.1/hook", "https://[::1]/h"):
        with pytest.raises(ValidationError):
            webhooks.validate_endpoint_url(url)
    settings.PHOTOLIB_WEBHOOK_ALLOW_LOOPBACK = True
    webhooks.validate_endpoint_url("http://127.0.0.1:8080/hook")


@pytest.mark.django_db
def test_the_admin_form_checks_url_and_secret():
    form = EndpointForm(data={"url": "https://10.0.0.1/x", "secret": "short",
                              "events": ["photo.withdrawn"], "active": "on"})
    assert not form.is_valid()
    assert "may not be sent to" in form.errors["url"][0]
    assert "at least 24" in form.errors["secret"][0]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_an_endpoint_that_now_resolves_inside_is_not_contacted(receivers, settings):
    """Checked again at each attempt: loopback allowed when registered, not any more."""
    receiver = receivers()
    endpoint(receiver.url, ["photo.withdrawn"])
    settings.PHOTOLIB_WEBHOOK_ALLOW_LOOPBACK = False
    delivery = WebhookDelivery.objects.create(endpoint=WebhookEndpoint.objects.get(),
                                              event="photo.withdrawn", payload={})
    outcome = webhooks.webhook_attempt(delivery_id=delivery.pk)
    assert outcome.result == "retry" and receiver.received == []
    assert "may not be sent to" in delivery.attempt_log.get().error


@pytest.mark.django_db(transaction=True)
def test_the_example_receiver_in_infra_accepts_our_deliveries_and_refuses_forgeries(tmp_path):
    """infra/webhook_receiver.py, run as its own process on 127.0.0.1, as a CMS would."""
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import free_port

    port = free_port()
    script = Path(__file__).resolve().parents[2] / "infra" / "webhook_receiver.py"
    log = tmp_path / "receiver.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, str(script), "--port", str(port)],
                                env={"PHOTOLIB_WEBHOOK_SECRET": SECRET, "PATH": "/usr/bin"},
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: "listening" in log.read_text(), timeout=15)
        url = f"http://127.0.0.1:{port}/hook"
        good = endpoint(url, ["photo.withdrawn"])
        WebhookEndpoint.objects.create(url=url, secret="not-the-receivers-secret-at-all",
                                       events=["photo.withdrawn"])
        deliveries = webhooks.webhook_event_publish(event="photo.withdrawn", data={
            "photo_id": "7d9f5e1c-0000-4000-8000-000000000001", "reason": "withdrawn",
            "rights_ended_at": "2026-12-07T02:00:00+00:00", "licence_url": "x"})
        by_endpoint = {}
        for delivery in deliveries:
            delivery.refresh_from_db()
            by_endpoint[delivery.endpoint_id == good.pk] = delivery
        assert by_endpoint[True].status == "delivered"
        assert by_endpoint[True].attempt_log.get().status_code == 204
        assert by_endpoint[False].status == "pending"  # refused: 400, to be retried
        assert by_endpoint[False].attempt_log.get().status_code == 400
        wait_for(lambda: "unpublish photo 7d9f5e1c" in log.read_text(), timeout=5)
        assert log.read_text().count("unpublish") == 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_an_ended_term_is_announced_when_the_periodic_recall_sees_it(catalog_world, cleared,
                                                                    receivers):
    from datetime import timedelta

    from django.utils import timezone

    from photolib.catalog import recall
    from photolib.photos.models import Photo

    photo = cleared("Harbour at night")
    receiver = receivers()
    endpoint(receiver.url, ["photo.expired"])
    recall.recall_periodic()  # nothing ended yet: nothing sent
    assert receiver.received == []
    Photo.objects.filter(pk=photo.pk).update(
        rights_expire_at=timezone.now() - timedelta(minutes=1))
    recall.recall_periodic()
    recall.recall_periodic()  # a listing closes once: announced once
    [got] = receiver.received
    body = _check_signature(got, SECRET)
    assert body["type"] == "photo.expired" and body["data"]["reason"] == "expired"
    assert body["data"]["photo_id"] == str(photo.pk)


@pytest.mark.django_db(transaction=True)
def test_a_switched_off_endpoint_gets_nothing_and_is_not_marked_failing(receivers):
    receiver = receivers()
    ep = endpoint(receiver.url, ["photo.withdrawn"])
    [delivery] = webhooks.webhook_event_publish(event="photo.withdrawn", data={})
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    WebhookEndpoint.objects.filter(pk=ep.pk).update(active=False)
    again = webhooks.webhook_resend(delivery_id=delivery.pk)
    again.refresh_from_db()
    ep.refresh_from_db()
    assert again.status == "failed" and ep.failing_since is None
    assert "switched off" in again.attempt_log.get().error
    assert len(receiver.received) == 1


@pytest.mark.django_db(transaction=True)
def test_the_periodic_job_sends_overdue_retries_and_nothing_early(receivers):
    """In-process tasks (the embedded default) do not wait inside a request for a retry;
    the periodic job sends a delivery once its pause is over (and a lost task likewise)."""
    from datetime import timedelta

    from django.utils import timezone

    receiver = receivers([500, 200])
    endpoint(receiver.url, ["photo.withdrawn"])
    [delivery] = webhooks.webhook_event_publish(event="photo.withdrawn", data={})
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert webhooks.webhook_retry_due() == "webhooks: 0 overdue deliveries sent again"
    assert len(receiver.received) == 1  # its pause is not over
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert webhooks.webhook_retry_due() == "webhooks: 1 overdue deliveries sent again"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert len(receiver.received) == 2


@pytest.mark.django_db
def test_the_admin_registers_an_endpoint_and_resends_a_delivery(client, receivers):
    from django.urls import reverse

    from photolib.accounts.models import User
    from tests.conftest import staff_login

    admin_user = User.objects.create_superuser(email="ada@example.org",
                                               password="a-long-test-password",
                                               display_name="Ada")
    staff_login(client, admin_user)
    receiver = receivers()
    added = client.post(reverse("admin:api_webhookendpoint_add"), {
        "url": receiver.url, "description": "CMS", "secret": SECRET,
        "events": ["photo.withdrawn", "photo.expired"], "active": "on"})
    assert added.status_code == 302, added.content.decode()[:2000]
    ep = WebhookEndpoint.objects.get()
    assert ep.events == ["photo.withdrawn", "photo.expired"] and ep.secret == SECRET
    delivery = WebhookDelivery.objects.create(endpoint=ep, event="photo.withdrawn",
                                              payload={"id": "e1"})
    done = client.post(reverse("admin:api_webhookdelivery_changelist"), {
        "action": "resend", "_selected_action": [delivery.pk]})
    assert done.status_code == 302
    again = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert (again.resent_from_id, again.event_id, again.payload) == (
        delivery.pk, delivery.event_id, {"id": "e1"})
