"""A signed release is opened before it is kept (issue 12, item 7): a PDF must parse with
pypdf and have a page, an image must decode as a photo does. Whatever is refused leaves no
row and no object behind, on the filesystem and on S3."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from media_ingest.synthetic import png_header_only
from photolib.photos import errors
from photolib.photos.models import People, Photo, PhotoAttestation
from tests.photos.conftest import pdf_bytes, pdf_upload, png_upload, stored_files

pytestmark = pytest.mark.django_db


def _nothing_kept(storage_root) -> None:
    assert Photo.objects.count() == 0
    assert PhotoAttestation.objects.count() == 0
    assert stored_files(storage_root / "originals") == []


def _release(data: bytes, name: str = "release.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _jpeg(size=(320, 240)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (240, 240, 235)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def test_a_real_pdf_is_kept_as_the_release(upload, _file_storage):
    signed = pdf_bytes(pages=2)
    photo = upload(people=People.RELEASE, release=_release(signed, "Signed by Ana.pdf"))
    assert photo.attestation.release_key == f"{photo.id}/release.pdf"
    assert photo.attestation.release_name == "Signed by Ana.pdf"
    assert (_file_storage / "originals" / photo.attestation.release_key).read_bytes() == signed


def test_a_pdf_that_opens_with_an_empty_password_is_accepted(upload):
    release = pdf_upload(user_password="", owner_password="only-the-scanner-knows")
    photo = upload(people=People.RELEASE, release=release)
    assert photo.attestation.release_key.endswith("/release.pdf")


FAKE_PDFS = {
    "only the magic": b"%PDF-1.4\n%signed\n",
    "magic, then text": b"%PDF-1.7 signed by Ana on 3 May, really",
    "empty objects": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    "cut in half": pdf_bytes()[: len(pdf_bytes()) // 2],
}


@pytest.mark.parametrize("content", FAKE_PDFS.values(), ids=FAKE_PDFS.keys())
def test_a_file_that_only_starts_like_a_pdf_is_refused(upload, _file_storage, content):
    with pytest.raises(errors.InvalidInput, match="could not be opened|no pages") as refused:
        upload(people=People.RELEASE, release=_release(content))
    assert refused.value.field == "release"
    _nothing_kept(_file_storage)


def test_a_pdf_without_pages_is_refused(upload, _file_storage):
    with pytest.raises(errors.InvalidInput, match="no pages") as refused:
        upload(people=People.MINORS, release=_release(pdf_bytes(pages=0)))
    assert (refused.value.field, refused.value.code) == ("release", "release_empty")
    _nothing_kept(_file_storage)


def test_a_password_protected_pdf_is_refused_with_the_reason(upload, _file_storage):
    with pytest.raises(errors.InvalidInput, match="protected by a password") as refused:
        upload(people=People.RELEASE, release=_release(pdf_bytes(user_password="s3cret")))
    assert (refused.value.field, refused.value.code) == ("release", "release_encrypted")
    _nothing_kept(_file_storage)


def test_image_releases_are_decoded_and_kept_with_their_own_type(upload, _file_storage):
    photo = upload(people=People.RELEASE, release=png_upload())
    assert photo.attestation.release_key == f"{photo.id}/release.png"
    jpeg = SimpleUploadedFile("scan.jpg", _jpeg(), content_type="image/jpeg")
    photo = upload(people=People.MINORS, release=jpeg)
    assert photo.attestation.release_key == f"{photo.id}/release.jpg"


def test_a_grey_a4_scan_at_400_dpi_fits_the_release_bound():
    import io

    from PIL import Image

    from media_ingest import DEFAULT_LIMITS
    from media_ingest.imaging import decoded_bytes
    from photolib.photos.releases import RELEASE_MAX_DECODED_BYTES, release_limits

    scan = Image.open(io.BytesIO(png_header_only(3_307, 4_677, "L")))
    assert decoded_bytes(scan) <= RELEASE_MAX_DECODED_BYTES
    jpeg = io.BytesIO(_jpeg())
    assert release_limits(jpeg, DEFAULT_LIMITS) == DEFAULT_LIMITS  # decoded small
    out = io.BytesIO()
    Image.new("RGB", (64, 48)).save(out, "JPEG", progressive=True)
    progressive = io.BytesIO(out.getvalue())
    assert release_limits(progressive, DEFAULT_LIMITS).max_decoded_bytes == \
        RELEASE_MAX_DECODED_BYTES  # keeps every coefficient of the full frame
    png = io.BytesIO(png_header_only(10, 10, "L"))
    assert release_limits(png, DEFAULT_LIMITS).max_decoded_bytes == RELEASE_MAX_DECODED_BYTES


def _damaged_png() -> bytes:
    data = png_upload().read()
    return data[:-30]  # the image data is cut off, IEND is gone


IMAGE_REFUSALS = {
    # a decompression bomb: a few bytes claiming 400 megapixels
    "pixel bomb": (png_header_only(20_000, 20_000), "too_many_pixels"),
    # inside the pixel limit, but 475 MB once decoded
    "memory bomb": (png_header_only(10_900, 10_900, "RGBA"), "too_much_memory"),
    # a photo's limits would admit it, but a PNG release is decoded in the request: 24 MB
    "large png scan": (png_header_only(4_000, 3_000, "RGB"), "too_much_memory"),
    "damaged png": (_damaged_png(), "corrupt_image"),
    "cut-off jpeg": (_jpeg()[:600], "corrupt_image"),
}


@pytest.mark.parametrize(("content", "code"), IMAGE_REFUSALS.values(),
                         ids=IMAGE_REFUSALS.keys())
def test_an_image_release_is_refused_as_a_photo_would_be(upload, _file_storage, content, code):
    with pytest.raises(errors.InvalidInput, match="release image was refused") as refused:
        upload(people=People.RELEASE, release=SimpleUploadedFile("scan.png", content))
    assert (refused.value.field, refused.value.code) == ("release", code)
    _nothing_kept(_file_storage)


def test_neither_pdf_nor_image_is_refused_naming_what_is_accepted(upload, _file_storage):
    with pytest.raises(errors.InvalidInput, match="must be a PDF or a photo") as refused:
        upload(people=People.RELEASE, release=SimpleUploadedFile("r.txt", b"signed: Ana"))
    assert refused.value.field == "release"
    _nothing_kept(_file_storage)


def test_the_upload_page_answers_a_fake_pdf_with_a_release_error(client, member, group,
                                                                _file_storage):
    client.force_login(member)

    def data() -> dict:
        return {"group": group.pk, "title": "Street party", "people": People.RELEASE,
                "own_work": "on", "file": SimpleUploadedFile("party.jpg", _jpeg()),
                "release": _release(b"%PDF-1.4\n%signed\n")}

    response = client.post(reverse("photos:upload"), data(), HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "release" and "could not be opened" in body["error"]
    page = client.post(reverse("photos:upload"), data())  # the form without script
    assert page.status_code == 400
    assert "errorlist" in page.content.decode()
    assert "could not be opened" in page.content.decode()
    _nothing_kept(_file_storage)


def test_on_s3_a_refused_release_leaves_no_object(upload, s3_storage):
    with pytest.raises(errors.InvalidInput, match="could not be opened"):
        upload(people=People.RELEASE, release=_release(b"%PDF-1.4\n%signed\n"))
    assert Photo.objects.count() == 0
    assert s3_storage.list_keys() == []
