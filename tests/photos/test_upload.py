"""``photo_upload``: who may upload, what is checked before anything is stored, what is stored,
and that a failure at any step leaves neither a row nor an object behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from photolib.consent import services as consent_services
from photolib.consent.models import CollectionMethod
from photolib.photos import errors, keys
from photolib.photos.models import People, Photo, PhotoAttestation, Tag
from tests.photos.conftest import (
    CONTEXT,
    join,
    jpeg_upload,
    pdf_upload,
    png_upload,
    publish,
    stored_files,
)

pytestmark = pytest.mark.django_db


def test_upload_stores_the_original_and_a_processing_row_with_its_rights(
        upload, member, group, _file_storage, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        photo = upload(jpeg_upload("Café on the square.jpg"), title="  Café  at noon ",
                       tags=["Market", "market ", "Old Town"], place_name="Main Square")
    assert len(callbacks) == 1  # the ingest task, enqueued when the row commits
    photo.refresh_from_db()
    assert photo.status == Photo.Status.PROCESSING
    assert photo.title == "Café at noon"
    assert photo.original_name == "Café on the square.jpg"
    assert photo.original_key == f"{photo.id}/cafe-on-the-square.jpg"
    assert (photo.format, photo.mime_type) == ("JPEG", "image/jpeg")
    assert sorted(t.name for t in photo.tags.all()) == ["market", "old town"]
    grant = consent_services.ConsentRecord.objects.get(user=member, group=group)
    assert photo.consent_record == grant
    assert photo.agreement_version == group.current_version()
    assert photo.rights_expire_at == grant.created_at.replace(year=grant.created_at.year + 3)
    assert stored_files(_file_storage / "originals") == [photo.original_key]

    attestation = PhotoAttestation.objects.get(photo=photo)
    assert attestation.consent_record == grant
    assert attestation.own_work is True and attestation.people == People.NONE
    assert attestation.statement == (
        "I took this photo myself and I own its copyright. "
        "No identifiable people appear in this photo.")


def test_perpetual_agreement_leaves_rights_without_an_end(make_user, upload):
    from photolib.consent.models import CommunityGroup

    forever = CommunityGroup.objects.create(name="Forever", slug="forever")
    publish(forever, term_years=None)
    user = make_user("ivo@example.org")
    join(user, forever)
    photo = upload(user=user, to=forever)
    assert photo.rights_expire_at is None


def test_the_extension_comes_from_the_content_not_the_name(upload):
    photo = upload(jpeg_upload("holiday.png"))
    assert photo.original_key.endswith("/holiday.jpg")
    assert photo.original_name == "holiday.png"
    photo = upload(jpeg_upload("no extension at all", seed=2))
    assert photo.original_key.endswith("/no-extension-at-all.jpg")


def test_a_release_is_stored_next_to_the_original(upload, _file_storage):
    photo = upload(people=People.RELEASE, release=pdf_upload("Signed by Ana.pdf"))
    attestation = photo.attestation
    assert attestation.release_key == f"{photo.id}/release.pdf"
    assert attestation.release_name == "Signed by Ana.pdf"
    assert "I attach the release they signed" in attestation.statement
    photo = upload(jpeg_upload(seed=3), people=People.MINORS, release=png_upload())
    assert photo.attestation.release_key == f"{photo.id}/release.png"
    assert len(stored_files(_file_storage / "originals")) == 4


def test_consented_people_need_a_release_where_the_agreement_asks(make_user, upload):
    from photolib.consent.models import CommunityGroup

    strict = CommunityGroup.objects.create(name="Strict", slug="strict")
    publish(strict, release_required_for_people=True)
    user = make_user("lea@example.org")
    join(user, strict)
    with pytest.raises(errors.InvalidInput, match="signed release") as refused:
        upload(user=user, to=strict, people=People.CONSENTED)
    assert refused.value.field == "release"
    photo = upload(user=user, to=strict, people=People.CONSENTED, release=pdf_upload())
    assert photo.attestation.release_key


def _nothing_created(storage_root) -> None:
    assert Photo.objects.count() == 0
    assert PhotoAttestation.objects.count() == 0
    assert stored_files(storage_root / "originals") == []


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"title": "   "}, "title", "title"),
    ({"title": "x" * 201}, "title", "200"),
    ({"own_work": False}, "own_work", "you took yourself"),
    ({"people": "maybe"}, "people", "people"),
    ({"people": People.RELEASE}, "release", "signed release"),
    ({"people": People.MINORS}, "release", "signed release"),
    ({"people": People.RELEASE, "release": SimpleUploadedFile("r.txt", b"signed: Ana")},
     "release", "PDF"),
    ({"tags": [f"tag {n}" for n in range(21)]}, "tags", "20 tags"),
    ({"tags": ["x" * 61]}, "tags", "too long"),
    ({"place_name": "p" * 201}, "place_name", "200"),
])
def test_invalid_answers_are_refused_and_nothing_is_kept(upload, _file_storage, overrides,
                                                          field, message):
    with pytest.raises(errors.InvalidInput, match=message) as refused:
        upload(**overrides)
    assert refused.value.field == field
    _nothing_created(_file_storage)


@pytest.mark.parametrize(("content", "reason"), [
    (b"GIF89a" + b"\0" * 64, "GIF"),
    (b"%PDF-1.7 not a photo", "PDF"),
    (b"", "empty"),
    (b"just some text, named like a photo", "not a supported image"),
])
def test_other_formats_are_refused_naming_the_accepted_ones(upload, _file_storage, content,
                                                             reason):
    with pytest.raises(errors.FileRefused) as refused:
        upload(SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg"))
    assert reason in str(refused.value)
    assert "JPEG, PNG, WebP, HEIC/HEIF, AVIF, TIFF" in str(refused.value)
    assert refused.value.status_code == 415
    _nothing_created(_file_storage)


def test_byte_and_pixel_limits_come_from_settings(upload, settings, _file_storage):
    settings.PHOTOLIB_MAX_UPLOAD_BYTES = 10_000
    with pytest.raises(errors.FileRefused, match="too large") as refused:
        upload(jpeg_upload(size=(800, 600)))
    assert refused.value.status_code == 413
    settings.PHOTOLIB_MAX_UPLOAD_BYTES = 60_000_000
    settings.PHOTOLIB_MAX_PIXELS = 100_000
    with pytest.raises(errors.FileRefused, match="megapixels") as refused:
        upload(jpeg_upload(size=(800, 600)))
    assert refused.value.code == "too_many_pixels"
    _nothing_created(_file_storage)


def test_the_decoded_memory_limit_comes_from_settings(upload, settings, _file_storage):
    settings.PHOTOLIB_MAX_DECODED_BYTES = 1_000_000  # an 800 x 600 JPEG decodes to 1.9 MB
    with pytest.raises(errors.FileRefused, match="of memory once decoded") as refused:
        upload(jpeg_upload(size=(800, 600)))
    assert (refused.value.code, refused.value.status_code) == ("too_much_memory", 422)
    _nothing_created(_file_storage)


@pytest.mark.parametrize("who", ["unverified", "not_member", "marketing", "withdrawn",
                                 "old_version", "inactive"])
def test_only_verified_residents_with_a_current_grant_may_upload(make_user, group, upload,
                                                                 _file_storage, who):
    if who == "unverified":
        user = make_user("u@example.org", verified=False)
    elif who == "marketing":
        user = make_user("m@example.org", role="marketing")
        join(user, group)
    elif who == "inactive":
        user = make_user("i@example.org")
        join(user, group)
        user.is_active = False
        user.save()
    else:
        user = make_user("r@example.org")
        if who != "not_member":
            join(user, group)
        if who == "withdrawn":
            consent_services.consent_withdraw(user=user, group=group, context=CONTEXT,
                                              method=CollectionMethod.WITHDRAW_BUTTON)
        if who == "old_version":
            publish(group, term_years=1)
    with pytest.raises(errors.NotAllowed) as refused:
        upload(user=user)
    assert refused.value.status_code == 403
    if who == "old_version":
        assert "new version of its agreement" in str(refused.value)
    _nothing_created(_file_storage)


def test_uploads_per_day_are_limited(upload, settings, member):
    settings.PHOTOLIB_UPLOADS_PER_DAY = 2
    upload(jpeg_upload(seed=1))
    old = upload(jpeg_upload(seed=2))
    with pytest.raises(errors.DailyLimitReached, match="2 photos in the last 24 hours"):
        upload(jpeg_upload(seed=3))
    Photo.objects.filter(pk=old.pk).update(uploaded_at=old.uploaded_at - timedelta(days=1))
    upload(jpeg_upload(seed=4))
    assert Photo.objects.filter(owner=member).count() == 3


def test_a_failed_row_removes_the_stored_object(upload, refuse_photo_rows, _file_storage):
    from django.db import DatabaseError

    with pytest.raises(DatabaseError):
        upload(people=People.RELEASE, release=pdf_upload())
    assert stored_files(_file_storage / "originals") == []
    assert Tag.objects.count() == 0


def test_a_broken_storage_keeps_no_row(upload, settings, tmp_path):
    from photolib.storage_config import filesystem_storages

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the originals folder should be")
    settings.STORAGES = filesystem_storages(blocked)
    with pytest.raises(errors.StorageUnavailable, match="nothing was saved") as refused:
        upload()
    assert refused.value.status_code == 503
    assert Photo.objects.count() == 0


def test_display_names_are_kept_and_keys_are_safe():
    assert keys.display_name("C:\\Users\\ana\\Straße 1.JPG") == "Straße 1.JPG"
    assert keys.display_name("../../etc/passwd") == "passwd"
    assert keys.display_name("evil\u202egpj.exe") == "evilgpj.exe"
    assert keys.display_name("a" * 300 + ".jpeg").endswith("a.jpeg")
    assert len(keys.display_name("a" * 300 + ".jpeg")) == 255
    assert keys.safe_stem("me_Olympus_μ_Digital_800.JPG") == "me-olympus-digital-800"
    assert keys.safe_stem("日本.jpg") == "photo"
    assert keys.original_key("abc", "x y.heic", "heic") == "abc/x-y.heic"
