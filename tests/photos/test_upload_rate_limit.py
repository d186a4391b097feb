"""Upload floods (issue 12, item 4): every upload attempt of an account counts, refused ones
too, and past the limit the answer is a 429 with ``Retry-After`` given before a byte of the
request body is read."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, FakePayload, encode_multipart
from django.urls import reverse
from limits import parse_many

from photolib.photos.models import Photo
from tests.photos.conftest import jpeg_upload, stored_files

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


def allowed(settings) -> int:
    return min(item.amount for item in parse_many(settings.PHOTOLIB_RATE_LIMITS["upload-account"]))


def form(group, file) -> dict:
    return {"group": group.pk, "title": "Canal at night", "description": "", "tags": "canal",
            "place_name": "Canal Street", "people": "none", "own_work": "on", "file": file}


def not_a_photo(n: int = 0) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"notes-{n}.jpg", b"plain text, not a photo")


class RecordingPayload(FakePayload):
    """A request body that counts how many of its bytes the server read."""

    def __init__(self, content: bytes):
        super().__init__(content)
        self.consumed = 0

    def read(self, size=-1, /):
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk

    def readline(self, size=-1, /):
        chunk = super().readline(size)
        self.consumed += len(chunk)
        return chunk


def post_recorded(client, group, file, **extra):
    body = encode_multipart(BOUNDARY, form(group, file))
    payload = RecordingPayload(body)
    response = client.generic("POST", reverse("photos:upload"), body,
                              content_type=MULTIPART_CONTENT,
                              **{"wsgi.input": payload, **extra})
    return response, payload, len(body)


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def test_forty_refused_uploads_are_cut_off_at_the_limit(signed_in, group, settings,
                                                        _file_storage):
    limit = allowed(settings)
    statuses = [signed_in.post(reverse("photos:upload"), form(group, not_a_photo(n)),
                               **JSON).status_code for n in range(40)]
    assert statuses == [415] * limit + [429] * (40 - limit)
    response = signed_in.post(reverse("photos:upload"), form(group, not_a_photo()), **JSON)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["code"] == "rate_limited" and body["retry_after"] == int(response["Retry-After"])
    assert "too many uploads from your account" in body["error"]
    assert "try again in" in body["error"]
    # Past the limit a good photo is turned away too, and nothing is kept.
    response = signed_in.post(reverse("photos:upload"), form(group, jpeg_upload()), **JSON)
    assert response.status_code == 429
    assert Photo.objects.count() == 0
    assert stored_files(_file_storage / "originals") == []


def test_a_limited_upload_is_answered_before_its_body_is_read(signed_in, group, settings):
    settings.PHOTOLIB_RATE_LIMITS = {**settings.PHOTOLIB_RATE_LIMITS,
                                     "upload-account": "1/minute"}
    # The first attempt is read whole (which shows the recording works) ...
    response, payload, size = post_recorded(signed_in, group, jpeg_upload("big.jpg",
                                                                          size=(1600, 1200)),
                                            **JSON)
    assert response.status_code == 201 and payload.consumed == size
    # ... the next one is refused without reading any of it.
    response, payload, size = post_recorded(signed_in, group, jpeg_upload("big.jpg",
                                                                          size=(1600, 1200)),
                                            **JSON)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert size > 50_000 and payload.consumed == 0
    assert Photo.objects.count() == 1


def test_the_form_without_script_gets_the_429_page(signed_in, group, settings):
    settings.PHOTOLIB_RATE_LIMITS = {**settings.PHOTOLIB_RATE_LIMITS,
                                     "upload-account": "2/hour"}
    for n in range(2):
        signed_in.post(reverse("photos:upload"), form(group, not_a_photo(n)))
    response = signed_in.post(reverse("photos:upload"), form(group, not_a_photo()))
    assert response.status_code == 429
    assert 3500 < int(response["Retry-After"]) <= 3600
    page = response.content.decode()
    assert "Too many attempts" in page and "uploads from your account" in page
    assert "You can try again after" in page


def test_one_account_at_its_limit_leaves_another_alone(client, signed_in, group, settings,
                                                       make_user):
    from tests.photos.conftest import join

    settings.PHOTOLIB_RATE_LIMITS = {**settings.PHOTOLIB_RATE_LIMITS,
                                     "upload-account": "1/hour"}
    signed_in.post(reverse("photos:upload"), form(group, not_a_photo()), **JSON)
    assert signed_in.post(reverse("photos:upload"), form(group, not_a_photo()),
                          **JSON).status_code == 429
    other = make_user("omar@example.org")
    join(other, group)
    client.force_login(other)  # the same client address, another account
    assert client.post(reverse("photos:upload"), form(group, not_a_photo()),
                       **JSON).status_code == 415


def test_the_upload_page_itself_is_not_counted(signed_in, group, settings):
    settings.PHOTOLIB_RATE_LIMITS = {**settings.PHOTOLIB_RATE_LIMITS,
                                     "upload-account": "1/hour"}
    for _ in range(3):
        assert signed_in.get(reverse("photos:upload")).status_code == 200
    assert signed_in.post(reverse("photos:upload"), form(group, not_a_photo()),
                          **JSON).status_code == 415
