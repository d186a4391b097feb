"""Refused files are explained in the resident's language (issue 16). ``media_ingest`` stays
free of Django and writes English; photolib words the refusal again from the error's class
and facts, at the edge: the upload's form error and the reason kept on a rejected photo."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from photolib.accounts import services as account_services
from photolib.photos import errors
from photolib.photos.models import Photo
from tests.photos.conftest import corpus_file, jpeg_upload, uploaded

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("lang", "content", "expected"), [
    ("de", b"GIF89a" + b"\0" * 64,
     "Diese Datei sieht aus wie ein GIF-Bild; das wird nicht akzeptiert. Akzeptiert: JPEG, "
     "PNG, WebP, HEIC/HEIF, AVIF, TIFF."),
    ("fr", b"%PDF-1.7 not a photo",
     "Ce fichier semble être un document PDF, ce qui n’est pas accepté. Formats acceptés : "
     "JPEG, PNG, WebP, HEIC/HEIF, AVIF, TIFF."),
    ("de", b"", "Diese Datei ist leer."),
    ("en", b"GIF89a" + b"\0" * 64, "This file looks like a GIF image, which is not accepted."),
])
def test_a_refused_format_is_explained_in_the_active_language(upload, lang, content,
                                                              expected):
    with translation.override(lang), pytest.raises(errors.FileRefused) as refused:
        upload(SimpleUploadedFile("photo.jpg", content, content_type="image/jpeg"))
    assert str(refused.value).startswith(expected)
    assert refused.value.status_code == 415


def test_limits_are_stated_in_french_with_their_numbers(upload, settings):
    settings.PHOTOLIB_MAX_PIXELS = 100_000
    with translation.override("fr"), pytest.raises(errors.FileRefused) as refused:
        upload(jpeg_upload(size=(800, 600)))
    assert str(refused.value) == ("Cette image est trop grande pour être traitée : 800 x 600 "
                                  "pixels (0 mégapixels). Le maximum est de 0 mégapixels.")
    assert refused.value.status_code == 422


def test_the_upload_page_shows_the_refusal_in_the_residents_language(client, member, group):
    account_services.user_set_language(user=member, language="de")
    client.force_login(member)
    response = client.post(reverse("photos:upload"), {
        "group": group.pk, "title": "Kanal", "description": "", "tags": "kanal",
        "place_name": "Kanalstraße", "people": "none", "own_work": "on",
        "file": [SimpleUploadedFile("notiz.jpg", b"plain text, not a photo")]})
    html = response.content.decode()
    assert "notiz.jpg: Diese Datei ist kein unterstütztes Bild. Akzeptiert:" in html
    assert Photo.objects.count() == 0


def test_a_file_the_worker_refuses_keeps_its_reason_in_the_owners_language(
        ingested, member, corpus):
    account_services.user_set_language(user=member, language="fr")
    with translation.override("en"):  # the worker runs in no one's language
        photo = ingested(uploaded(corpus_file("pil_truncated_jpeg.jpg")))
    assert photo.status == Photo.Status.REJECTED
    assert photo.status_reason == ("Cette image semble endommagée ou incomplète et n’a pas pu "
                                   "être lue. Veuillez essayer de l’exporter ou de "
                                   "l’enregistrer à nouveau.")
