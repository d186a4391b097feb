"""The resident's pages over HTTP: upload (JSON and plain form), status, thumbnails, My photos,
edit and delete. Bad input gets a reason and a 4xx, never a 500."""

from __future__ import annotations

import uuid
from html import unescape

import pytest
from django.urls import reverse

from photolib.photos import attestation
from photolib.photos.models import ModerationEvent, Photo, PhotoAttestation
from tests.conftest import staff_login
from tests.photos.conftest import join, jpeg_upload, pdf_upload, stored_files

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def form(group, **extra):
    data = {"group": group.pk, "title": "Canal at night", "description": "", "tags": "canal, night",
            "place_name": "Canal Street", "people": "none", "own_work": "on"}
    data.update(extra)
    return data


@pytest.fixture
def eager(django_capture_on_commit_callbacks):
    """Run what commits enqueue (the ingest task) right away, as the embedded default does."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_upload_page_offers_the_picker_and_the_statements(signed_in, group):
    response = signed_in.get(reverse("photos:upload"))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert 'type="file"' in html and "multiple" in html
    assert "image/heic,image/heif" in html and ".heic,.heif" in html
    assert attestation.OWN_WORK_STATEMENT in html
    for statement in attestation.PEOPLE_STATEMENTS.values():
        assert statement in html
    assert "upload.js" in html and group.name in html


def test_upload_page_tells_non_members_to_join_a_group(client, make_user):
    client.force_login(make_user("new@example.org"))
    response = client.get(reverse("photos:upload"))
    assert response.status_code == 200
    assert "join a group first" in response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "marketing"])
def test_upload_needs_a_signed_in_resident(client, make_user, who):
    if who == "marketing":
        client.force_login(make_user("m@example.org", role="marketing"))
    response = client.get(reverse("photos:upload"))
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 403


def test_json_upload_returns_the_photo_and_its_status_url(signed_in, group, eager):
    with eager():
        response = signed_in.post(reverse("photos:upload"),
                                  {**form(group), "file": jpeg_upload("Straße 7.jpg")}, **JSON)
    assert response.status_code == 201, response.content
    body = response.json()["photo"]
    photo = Photo.objects.get(pk=body["id"])
    assert body["original_name"] == "Straße 7.jpg" == photo.original_name
    assert body["status"] == "processing"  # the task runs once the test's transaction ends
    status = signed_in.get(body["status_url"])
    assert status.status_code == 200 and status["Cache-Control"] == "no-store"
    assert status.json()["photo"]["status"] == "pending_review"
    assert status.json()["photo"]["status_label"] == "Waiting for review"
    assert status.json()["photo"]["thumb_url"] == reverse("photos:rendition",
                                                          args=[photo.id, "thumb"])
    thumb = signed_in.get(status.json()["photo"]["thumb_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert thumb["X-Content-Type-Options"] == "nosniff"
    assert b"".join(thumb.streaming_content)[:3] == b"\xff\xd8\xff"
    assert signed_in.get(reverse("photos:rendition", args=[photo.id, "preview"])).status_code \
        == 200


def test_plain_form_upload_of_several_files_redirects_to_my_photos(signed_in, group, eager):
    with eager():
        response = signed_in.post(reverse("photos:upload"), {
            **form(group), "file": [jpeg_upload("a.jpg", seed=1), jpeg_upload("b.jpg", seed=2)]})
    assert response.status_code == 302 and response["Location"] == reverse("photos:mine")
    assert Photo.objects.filter(status="pending_review").count() == 2


def test_plain_form_reports_each_refused_file(signed_in, group):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = signed_in.post(reverse("photos:upload"), {
        **form(group), "file": [jpeg_upload("good.jpg"),
                                SimpleUploadedFile("notes.jpg", b"plain text, not a photo")]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "notes.jpg: This file is not a supported image" in html
    assert Photo.objects.count() == 1


@pytest.mark.parametrize(("changes", "status", "field", "text"), [
    ({"title": ""}, 400, "title", "required"),
    ({"own_work": ""}, 400, "own_work", "you took yourself"),
    ({"people": "everyone"}, 400, "people", "valid choice"),
    ({"people": ""}, 400, "people", "identifiable people appear"),
    ({"people": None}, 400, "people", "identifiable people appear"),  # no answer sent at all
    ({"group": "999999"}, 400, "group", "valid choice"),
    ({"group": "not-a-number"}, 400, "group", "valid choice"),
    ({"file": None}, 400, "file", "at least one photo"),
    ({"people": "release"}, 400, "release", "signed release"),
    ({"file": "text"}, 415, "file", "Accepted: JPEG, PNG, WebP, HEIC/HEIF, AVIF, TIFF"),
])
def test_bad_uploads_get_a_reason_and_a_4xx(signed_in, group, changes, status, field, text,
                                            _file_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def data() -> dict:
        values = {**form(group), "file": jpeg_upload()}
        values.update(changes)
        for name in [k for k, v in values.items() if v is None]:
            del values[name]
        if values.get("file") == "text":
            values["file"] = SimpleUploadedFile("x.jpg", b"hello")
        return values

    response = signed_in.post(reverse("photos:upload"), data(), **JSON)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["field"] == field and text in body["error"]
    page = signed_in.post(reverse("photos:upload"), data())  # the form without script
    assert page.status_code == status
    assert "errorlist" in page.content.decode()
    assert Photo.objects.count() == 0
    assert stored_files(_file_storage / "originals") == []


def test_a_file_over_the_byte_limit_is_cut_off_while_it_arrives(signed_in, group, settings,
                                                                 _file_storage):
    settings.PHOTOLIB_MAX_UPLOAD_BYTES = 50_000
    response = signed_in.post(reverse("photos:upload"), {
        **form(group), "file": jpeg_upload("big.jpg", size=(1600, 1200))}, **JSON)
    assert response.status_code == 413
    assert response.json()["error"] == "big.jpg is too large. The maximum is 0.05 MB per photo."
    assert Photo.objects.count() == 0


def test_too_many_files_in_one_request_is_a_clear_400(signed_in, group, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    files = [jpeg_upload(f"{n}.jpg", seed=n) for n in range(3)]
    response = signed_in.post(reverse("photos:upload"), {**form(group), "file": files}, **JSON)
    assert response.status_code == 400
    assert response.json()["error"] == "Send at most 2 files at once."
    assert Photo.objects.count() == 0


def test_csrf_is_still_checked_on_upload(client, member, group):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(member)
    response = csrf_client.post(reverse("photos:upload"), {**form(group), "file": jpeg_upload()},
                                **JSON)
    assert response.status_code == 403
    assert Photo.objects.count() == 0


def test_status_and_images_are_only_for_the_owner(client, make_user, member, group, upload,
                                                  eager):
    with eager():
        photo = upload()
    other = make_user("other@example.org")
    join(other, group)
    client.force_login(other)
    for name, args in (("status", [photo.id]), ("rendition", [photo.id, "thumb"]),
                       ("edit", [photo.id]), ("delete", [photo.id])):
        assert client.get(reverse(f"photos:{name}", args=args)).status_code == 404
    assert client.post(reverse("photos:delete", args=[photo.id])).status_code == 404
    assert Photo.objects.filter(pk=photo.pk).exists()
    reviewer = make_user("rita@example.org", role="reviewer")
    staff_login(client, reviewer)
    assert client.get(reverse("photos:rendition", args=[photo.id, "thumb"])).status_code == 200
    client.force_login(member)
    assert client.get(reverse("photos:rendition", args=[photo.id, "huge"])).status_code == 404
    assert client.get(reverse("photos:status", args=[uuid.uuid4()])).status_code == 404
    assert client.get(f"/photos/{photo.id}z/status/").status_code == 404


def test_my_photos_lists_thumbnails_in_a_fixed_number_of_queries(
        signed_in, member, upload, eager, django_assert_num_queries):
    with eager():
        for n in range(3):
            upload(jpeg_upload(seed=n), title=f"Photo {n}", tags=["a", f"t{n}"])
    upload(jpeg_upload(seed=9), title="Still processing")  # its task never ran
    # session, user, permissions (2, navigation), count, photos, tags, renditions, uses
    with django_assert_num_queries(9):
        response = signed_in.get(reverse("photos:mine"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<img src="/photos/') == 3
    assert "Still processing" in html and "Processing…" in html
    assert html.count("Waiting for review") == 3
    with eager():
        for n in range(3, 8):
            upload(jpeg_upload(seed=n), title=f"Photo {n}")
    with django_assert_num_queries(9):
        signed_in.get(reverse("photos:mine"))


def test_owner_edits_while_waiting_for_review(signed_in, upload, eager):
    with eager():
        photo = upload()
    url = reverse("photos:edit", args=[photo.id])
    page = signed_in.get(url)
    assert page.status_code == 200 and "river" in page.content.decode()
    response = signed_in.post(url, {"title": "Dawn, River Street", "description": "Mist",
                                    "tags": "Mist, river", "place_name": "River Street"})
    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.title, photo.description, photo.place_name) == (
        "Dawn, River Street", "Mist", "River Street")
    assert sorted(t.name for t in photo.tags.all()) == ["mist", "river"]
    bad = signed_in.post(url, {"title": "", "tags": ""})
    assert bad.status_code == 400 and "errorlist" in bad.content.decode()


@pytest.mark.parametrize("state", ["approved", "rejected"])
def test_reviewed_photos_cannot_be_edited(signed_in, upload, state):
    photo = upload()
    Photo.objects.filter(pk=photo.pk).update(status=state)
    edit = signed_in.post(reverse("photos:edit", args=[photo.id]),
                          {"title": "Changed", "tags": ""})
    assert edit.status_code == 409 and "wait for review" in edit.content.decode()
    assert signed_in.get(reverse("photos:edit", args=[photo.id])).status_code == 200
    photo.refresh_from_db()
    assert photo.title == "Riverside at dawn"


@pytest.mark.parametrize("state", ["approved", "rejected", "failed"])
def test_the_owner_deletes_a_never_used_photo_in_every_state(
        signed_in, upload, eager, state, _file_storage, django_capture_on_commit_callbacks):
    with eager():
        photo = upload()
    Photo.objects.filter(pk=photo.pk).update(status=state)
    page = signed_in.get(reverse("photos:delete", args=[photo.id]))
    assert page.status_code == 200 and "cannot be undone" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("photos:delete", args=[photo.id]))
    assert response.status_code == 302
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert stored_files(_file_storage / "originals") == []
    assert stored_files(_file_storage / "renditions") == []


def test_owner_deletes_while_waiting_for_review(signed_in, member, upload, eager,
                                                _file_storage,
                                                django_capture_on_commit_callbacks):
    with eager():
        photo = upload(people="release", release=pdf_upload())
    assert len(stored_files(_file_storage / "originals")) == 2
    assert signed_in.get(reverse("photos:delete", args=[photo.id])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(reverse("photos:delete", args=[photo.id]))
    assert response.status_code == 302
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert not PhotoAttestation.objects.filter(photo_id=photo.pk).exists()
    event = ModerationEvent.objects.get(photo_id_value=photo.id)
    assert event.action == "delete" and event.actor == member and event.photo is None
    assert stored_files(_file_storage / "originals") == []
    assert stored_files(_file_storage / "renditions") == []


def test_a_storage_outage_during_upload_is_a_clear_503(signed_in, group, settings, tmp_path):
    from photolib.storage_config import filesystem_storages

    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    settings.STORAGES = filesystem_storages(blocked)
    response = signed_in.post(reverse("photos:upload"),
                              {**form(group), "file": jpeg_upload()}, **JSON)
    assert response.status_code == 503
    assert "nothing was saved" in response.json()["error"]
    assert Photo.objects.count() == 0


def test_daily_limit_is_a_429(signed_in, group, settings, eager):
    settings.PHOTOLIB_UPLOADS_PER_DAY = 1
    with eager():
        assert signed_in.post(reverse("photos:upload"), {**form(group), "file": jpeg_upload()},
                              **JSON).status_code == 201
    response = signed_in.post(reverse("photos:upload"),
                              {**form(group), "file": jpeg_upload(seed=4)}, **JSON)
    assert response.status_code == 429 and "tomorrow" in response.json()["error"]
