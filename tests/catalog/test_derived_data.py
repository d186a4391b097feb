"""The catalog keeps what it derives from photos and accounts current from their events:
search documents follow approval, new facts, withdrawal, takedown and the owner's credit;
download copies live in the catalog's own storage, where sweep_storage knows them."""

import io

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.urls import reverse

from photolib.catalog.models import Download, SearchDocument
from photolib.photos import moderation
from tests.catalog.test_downloads import body_of, post_download

pytestmark = pytest.mark.django_db


def titles_found(client, q: str) -> list[str]:
    response = client.get(reverse("catalog:search"), {"q": q})
    assert response.status_code == 200
    return [p.title for p in response.context["result"].photos]


def test_a_new_credit_name_is_found_by_search(client, catalog_world, cleared,
                                              django_capture_on_commit_callbacks):
    photo = cleared("Lighthouse at dusk")
    resident = catalog_world["resident"]
    client.force_login(catalog_world["marketing"])
    assert titles_found(client, "Kowalczyk") == []

    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:profile"),
                               {"display_name": resident.display_name,
                                "credit_name": "Rosa Kowalczyk"})
    assert response.status_code == 302

    client.force_login(catalog_world["marketing"])
    assert titles_found(client, "Kowalczyk") == [photo.title]
    assert "Kowalczyk" in SearchDocument.objects.get(photo=photo).text


def test_an_unchanged_profile_announces_nothing(client, catalog_world, cleared,
                                                django_capture_on_commit_callbacks):
    cleared("Lighthouse at dusk")
    resident = catalog_world["resident"]
    client.force_login(resident)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("accounts:profile"), {"display_name": resident.display_name,
                                                  "credit_name": resident.credit_name})
    assert callbacks == []


def test_withdrawal_and_takedown_drop_the_search_document(catalog_world, cleared,
                                                         django_capture_on_commit_callbacks):
    kept, withdrawn, taken_down = cleared("Kept"), cleared("Withdrawn"), cleared("Taken down")
    assert SearchDocument.objects.count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        moderation.photo_withdraw(photo_id=withdrawn.pk, acting_user=catalog_world["resident"])
    with django_capture_on_commit_callbacks(execute=True):
        moderation.photo_take_down(photo_id=taken_down.pk,
                                   acting_user=catalog_world["reviewer"], reason="Complaint")
    assert list(SearchDocument.objects.values_list("photo_id", flat=True)) == [kept.pk]


def test_sweep_storage_knows_download_copies(client, catalog_world, cleared, _file_storage):
    photo = cleared("Harbour at noon")
    client.force_login(catalog_world["marketing"])
    data = body_of(post_download(client, photo))
    download = Download.objects.get(photo=photo)
    assert download.file_key and storages["downloads"].exists(download.file_key)
    assert not (_file_storage / "renditions" / "downloads").exists()

    out = io.StringIO()
    call_command("sweep_storage", stdout=out)
    assert "object without a row" not in out.getvalue()
    assert "0 object(s) without a row, 0 row(s) without an object" in out.getvalue()

    out = io.StringIO()
    call_command("sweep_storage", "--delete", "--grace-minutes", "0", stdout=out)
    assert out.getvalue().startswith("Removed 0 object(s)")
    with storages["downloads"].open(download.file_key, "rb") as fh:
        assert fh.read() == data


def test_sweep_storage_reports_an_orphan_download_copy(catalog_world, _file_storage):
    from django.core.files.base import ContentFile

    storages["downloads"].save("0000-orphan/left.jpg", ContentFile(b"x"))
    out = io.StringIO()
    call_command("sweep_storage", "--delete", "--grace-minutes", "0", stdout=out)
    assert "object without a row: downloads/0000-orphan/left.jpg" in out.getvalue()
    assert not storages["downloads"].exists("0000-orphan/left.jpg")
