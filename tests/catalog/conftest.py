"""Photos built through the real services: upload, ingest (eager task), approval."""

import io
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from photolib.photos import moderation, uploads
from photolib.photos.models import People, Photo
from tests.consent.conftest import grant, make_user, publish


def jpeg_bytes(width=1200, height=800, colour=(40, 90, 160), make="Canon", model="EOS 80D",
               taken=datetime(2025, 6, 21, 18, 30), gps=None) -> bytes:
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 4, height // 4, width // 2, height // 2), fill=(230, 200, 40))
    draw.rectangle((0, height * 2 // 3, width, height), fill=(20, 120, 60))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model
    exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if gps:
        from PIL.TiffImagePlugin import IFDRational

        def dms(value):
            value = abs(value)
            d, m = int(value), int((value % 1) * 60)
            s = round(((value % 1) * 60 - m) * 60 * 100)
            return (IFDRational(d, 1), IFDRational(m, 1), IFDRational(s, 100))

        g = exif.get_ifd(0x8825)
        g[1], g[2] = ("N" if gps[0] >= 0 else "S"), dms(gps[0])
        g[3], g[4] = ("E" if gps[1] >= 0 else "W"), dms(gps[1])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def upload(user, group, title, *, people=People.NONE, tags=("harbour",), place="Old harbour",
           description="", release=None, **image) -> Photo:
    # A colour of its own per title: identical bytes would be refused as a duplicate.
    seed = sum(title.encode())
    image.setdefault("colour", (seed * 7 % 256, seed * 13 % 256, seed * 29 % 256))
    data = jpeg_bytes(**image)
    photo = uploads.photo_upload(
        acting_user=user, group=group,
        upload=SimpleUploadedFile(f"{title}.jpg", data, content_type="image/jpeg"),
        title=title, description=description, tags=list(tags), place_name=place,
        own_work=True, people=people, release=release)
    photo.refresh_from_db()
    return photo


@pytest.fixture
def catalog_world(db, django_capture_on_commit_callbacks):
    """A group, a member resident, a marketing officer, a reviewer."""
    from photolib.consent.models import CommunityGroup

    group = CommunityGroup.objects.create(name="Harbour Photos", slug="harbour")
    publish(group)
    resident = make_user("rosa@example.org")
    grant(resident, group)
    return {"group": group, "resident": resident,
            "marketing": make_user("mark@example.org", role="marketing"),
            "reviewer": make_user("rita@example.org", role="reviewer")}


@pytest.fixture
def cleared(catalog_world, django_capture_on_commit_callbacks):
    """Returns a factory: upload + ingest + approve, through the real services."""

    def make(title="Sunset over the harbour", **kwargs) -> Photo:
        with django_capture_on_commit_callbacks(execute=True):
            photo = upload(catalog_world["resident"], catalog_world["group"], title, **kwargs)
        photo.refresh_from_db()
        assert photo.status == Photo.Status.PENDING_REVIEW, photo.status_reason
        with django_capture_on_commit_callbacks(execute=True):
            moderation.photo_approve(photo_id=photo.pk, acting_user=catalog_world["reviewer"])
        photo.refresh_from_db()
        return photo

    return make


@pytest.fixture
def waiting(catalog_world, django_capture_on_commit_callbacks):
    def make(title="Harbour at noon", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            photo = upload(catalog_world["resident"], catalog_world["group"], title, **kwargs)
        photo.refresh_from_db()
        assert photo.status == Photo.Status.PENDING_REVIEW
        return photo
    return make


@pytest.fixture
def reviewer_client(client, catalog_world):
    from tests.conftest import staff_login as _staff_login

    _staff_login(client, catalog_world["reviewer"])
    return client


@pytest.fixture
def city_ca(settings):
    """A local CA and leaf standing in for the city's certificate; returns the CA's PEM,
    which a verifier is told to trust."""
    from photolib.devca import local_chain

    chain = local_chain("Test City")
    settings.PHOTOLIB_C2PA_CHAIN_PEM = chain.chain_pem
    settings.PHOTOLIB_C2PA_KEY_PEM = chain.key_pem
    return chain.ca_pem
