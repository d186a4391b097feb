"""Reviewers' decisions, each an audit row; the queue and the dashboard."""

import pytest
from django.core import mail
from django.urls import reverse

from photolib.photos.models import ModerationEvent, Photo

pytestmark = pytest.mark.django_db


def test_queue_is_oldest_first_with_the_evidence(reviewer_client, waiting):
    first, second = waiting("First harbour", gps=(52.1, 4.2)), waiting("Second harbour")
    response = reviewer_client.get(reverse("review:queue"))
    assert [p.pk for p in response.context["photos"]] == [first.pk, second.pk]
    body = response.content.decode()
    assert "No identifiable people" in body and "GPS 52.1" in body
    detail = reviewer_client.get(reverse("review:photo", args=[first.pk])).content.decode()
    assert first.sha256 in detail and "52.1" in detail and "I took this photo" in detail
    assert reviewer_client.get(reverse("review:file", args=[first.pk, "preview"])).status_code \
        == 200
    assert reviewer_client.get(reverse("review:file", args=[first.pk, "original"])).status_code \
        == 200


def test_approve_writes_an_audit_row(reviewer_client, waiting, catalog_world):
    photo = waiting()
    reviewer_client.post(reverse("review:approve", args=[photo.pk]))
    photo.refresh_from_db()
    assert photo.status == "approved" and photo.reviewed_by == catalog_world["reviewer"]
    event = ModerationEvent.objects.get(photo=photo)
    assert (event.action, event.actor) == ("approve", catalog_world["reviewer"])
    assert Photo.objects.cleared().filter(pk=photo.pk).exists()


def test_reject_needs_a_reason_and_tells_the_resident(reviewer_client, waiting,
                                                      django_capture_on_commit_callbacks):
    photo = waiting()
    response = reviewer_client.post(reverse("review:reject", args=[photo.pk]), {"reason": " "},
                                    follow=True)
    assert "Give the resident a reason" in response.content.decode()
    photo.refresh_from_db()
    assert photo.status == "pending_review" and not ModerationEvent.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_client.post(reverse("review:reject", args=[photo.pk]),
                             {"reason": "The horizon is not level."})
    photo.refresh_from_db()
    assert (photo.status, photo.status_reason) == ("rejected", "The horizon is not level.")
    assert ModerationEvent.objects.get().reason == "The horizon is not level."
    assert mail.outbox[-1].to == [photo.owner.email]
    assert "The horizon is not level." in mail.outbox[-1].body


def test_approve_many(reviewer_client, waiting):
    photos = [waiting(f"Harbour {i}") for i in range(3)]
    response = reviewer_client.post(reverse("review:approve_many"),
                                    {"photo_id": [str(p.pk) for p in photos] + ["junk"]},
                                    follow=True)
    assert "Approved 3 photos" in response.content.decode()
    assert Photo.objects.filter(status="approved").count() == 3
    assert ModerationEvent.objects.filter(action="approve").count() == 3


def test_take_down_removes_from_the_catalog_at_once(reviewer_client, cleared):
    photo = cleared()
    reviewer_client.post(reverse("review:take_down", args=[photo.pk]),
                         {"reason": "Complaint by the person shown"})
    assert not Photo.objects.cleared().filter(pk=photo.pk).exists()
    event = ModerationEvent.objects.get(action="take_down")
    assert event.reason == "Complaint by the person shown"


def test_retry_of_a_failed_ingest(reviewer_client, waiting, django_capture_on_commit_callbacks):
    photo = waiting()
    Photo.objects.filter(pk=photo.pk).update(status=Photo.Status.FAILED,
                                             status_reason="storage was down")
    assert "storage was down" in reviewer_client.get(reverse("review:queue")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_client.post(reverse("review:retry", args=[photo.pk]))
    photo.refresh_from_db()
    assert photo.status == "pending_review"
    assert ModerationEvent.objects.filter(action="retry").count() == 1


def test_decisions_on_the_wrong_state_are_messages(reviewer_client, cleared):
    photo = cleared()
    response = reviewer_client.post(reverse("review:approve", args=[photo.pk]), follow=True)
    assert "not waiting for review" in response.content.decode()
    assert reviewer_client.post(reverse("review:approve", args=[
        "00000000-0000-0000-0000-000000000000"])).status_code == 404


def test_dashboard(reviewer_client, waiting, cleared):
    waiting("Old one")
    cleared("Approved one")
    response = reviewer_client.get(reverse("review:dashboard"))
    states = dict(response.context["states"])
    assert states["Waiting for review"] == 1 and states["Approved"] == 1
    week = response.context["by_week"][0]
    assert week["uploads"] == 2 and week["approvals"] == 1
    assert response.context["oldest_age"] is not None
    assert "<svg" in response.content.decode()


@pytest.mark.parametrize("name", ["review:queue", "review:dashboard"])
def test_reviewers_only(client, catalog_world, name):
    client.force_login(catalog_world["marketing"])
    assert client.get(reverse(name)).status_code == 403
