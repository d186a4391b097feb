"""Retention: each rule deletes what is due, and nothing else; running again changes nothing."""

from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from photolib.catalog.models import Download
from photolib.photos import moderation
from photolib.photos.ingest import rendition_keys
from photolib.photos.models import ModerationEvent, Photo
from photolib.rights import retention
from tests.catalog.conftest import upload
from tests.rights.conftest import download


def _objects(photo) -> list[tuple[str, str]]:
    return [("originals", photo.original_key)] + [("renditions", k)
                                                   for k in rendition_keys(photo)]


def _exist(pairs) -> list[bool]:
    return [storages[alias].exists(key) for alias, key in pairs]


@pytest.fixture
def rejected_factory(catalog_world, django_capture_on_commit_callbacks):
    def make(title, days_ago):
        with django_capture_on_commit_callbacks(execute=True):
            photo = upload(catalog_world["resident"], catalog_world["group"], title,
                           gps=(52.1, 4.2))
        with django_capture_on_commit_callbacks(execute=True):
            moderation.photo_reject(photo_id=photo.pk, acting_user=catalog_world["reviewer"],
                                    reason="Not for us")
        Photo.objects.filter(pk=photo.pk).update(
            reviewed_at=timezone.now() - timedelta(days=days_ago))
        return Photo.objects.get(pk=photo.pk)
    return make


def test_old_rejected_and_failed_photos_go_with_their_objects_and_nothing_else(
        catalog_world, cleared, rejected_factory, django_capture_on_commit_callbacks):
    old = rejected_factory("Old blur", 31)
    recent = rejected_factory("New blur", 29)
    with django_capture_on_commit_callbacks(execute=True):
        failed = upload(catalog_world["resident"], catalog_world["group"], "Broken")
    Photo.objects.filter(pk=failed.pk).update(status=Photo.Status.FAILED,
                                              uploaded_at=timezone.now() - timedelta(days=40))
    approved = cleared("Still wanted")
    Photo.objects.filter(pk=approved.pk).update(uploaded_at=timezone.now() - timedelta(days=90))
    old_objects, failed_objects = _objects(old), _objects(failed)
    keep = _objects(recent) + _objects(approved)
    assert all(_exist(old_objects + failed_objects + keep))

    with django_capture_on_commit_callbacks(execute=True):
        assert retention.retention_delete_rejected() == 2
    assert not Photo.objects.filter(pk__in=[old.pk, failed.pk]).exists()
    assert not any(_exist(old_objects + failed_objects))
    assert set(Photo.objects.values_list("pk", flat=True)) == {recent.pk, approved.pk}
    assert all(_exist(keep))
    trail = ModerationEvent.objects.get(photo_id_value=old.pk, action="purge")
    assert trail.actor is None and "30 days" in trail.reason
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.retention_delete_rejected() == 0


def test_a_legal_hold_ends_with_the_photo_its_uses_and_their_copies(
        client, catalog_world, cleared, django_capture_on_commit_callbacks):
    resident, officer = catalog_world["resident"], catalog_world["marketing"]
    ended, running = cleared("Used long ago"), cleared("Used lately")
    with django_capture_on_commit_callbacks(execute=True):
        copies = [download(ended, officer), download(running, officer)]
    client.force_login(resident)
    for photo in (ended, running):  # the resident deletes both: kept, being used
        page = client.get(reverse("photos:delete", args=[photo.pk]))
        assert "already used this photo" in page.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(reverse("photos:delete", args=[photo.pk])).status_code == 302
    held = Photo.objects.get(pk=ended.pk)
    assert held.withdrawn_at is not None and held.legal_hold_until > timezone.now()
    Photo.objects.filter(pk=ended.pk).update(legal_hold_until=timezone.now()
                                             - timedelta(minutes=1))
    ended_objects = _objects(held)
    kept_objects = _objects(Photo.objects.get(pk=running.pk))

    with django_capture_on_commit_callbacks(execute=True):
        assert retention.retention_end_legal_holds() == 1
    assert not Photo.objects.filter(pk=ended.pk).exists()
    assert not Download.objects.filter(pk=copies[0].pk).exists()
    assert not storages["downloads"].exists(copies[0].file_key)
    assert not any(_exist(ended_objects))
    assert Photo.objects.filter(pk=running.pk).exists()
    assert storages["downloads"].exists(copies[1].file_key)
    assert all(_exist(kept_objects))
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.retention_end_legal_holds() == 0


def test_download_copies_expire_and_the_usage_log_stays(catalog_world, cleared,
                                                        django_capture_on_commit_callbacks):
    officer = catalog_world["marketing"]
    photo = cleared("Popular")
    with django_capture_on_commit_callbacks(execute=True):
        old, new = download(photo, officer), download(photo, officer, campaign="Autumn")
    Download.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=8))
    old_key = old.file_key
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.retention_expire_download_copies() == 1
    assert not storages["downloads"].exists(old_key)
    assert Download.objects.get(pk=old.pk).file_key == ""
    assert storages["downloads"].exists(new.file_key)
    assert Download.objects.get(pk=new.pk).file_key == new.file_key
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.retention_expire_download_copies() == 0


def test_apply_retention_runs_every_rule_once(catalog_world, rejected_factory, capsys,
                                              settings, django_capture_on_commit_callbacks):
    settings.PHOTOLIB_REJECTED_RETENTION_DAYS = 5
    rejected_factory("Six days", 6)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("apply_retention")
    assert capsys.readouterr().out.splitlines() == [
        "end_legal_holds: 0", "delete_rejected: 1", "expire_download_copies: 0"]
    call_command("apply_retention")
    assert "delete_rejected: 0" in capsys.readouterr().out
    assert not Photo.objects.exists()


def test_the_periodic_registry_runs_retention(catalog_world, rejected_factory, settings,
                                              capsys, django_capture_on_commit_callbacks):
    """Beat and cron (`run_periodic`) reach the same rules through the job registry."""
    settings.PHOTOLIB_REJECTED_RETENTION_DAYS = 5
    old = rejected_factory("Six days", 6)
    kept = rejected_factory("Two days", 2)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic", "--job", "retention")
    assert "delete_rejected: 1" in capsys.readouterr().out
    assert list(Photo.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not Photo.objects.filter(pk=old.pk).exists()
