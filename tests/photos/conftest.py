"""Fixtures for the photos tests: a group with a published agreement, residents who joined
it through the consent services, uploads through ``photo_upload``, corpus parametrization,
S3 storages that fail on purpose, and a database that refuses photo rows on demand.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from photolib.accounts.models import User
from photolib.consent import services as consent_services
from photolib.consent.models import CollectionMethod, CommunityGroup
from photolib.photos import uploads
from photolib.photos.models import People, Photo
from tests.conftest import free_port
from tests.media_ingest.conftest import (  # noqa: F401 - corpus is a shared fixture
    _corpus_required,
    camera_exif,
    corpus,
    corpus_dir,
    encode,
    load_manifest,
    photo_like,
)

CONTEXT = consent_services.RequestContext(ip_address="127.0.0.1", user_agent="pytest")


# --- Corpus --------------------------------------------------------------------------------

def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``camera_row``/``odd_row``/``hostile_row`` parametrized over MANIFEST.tsv by file name."""
    kinds = {"camera_row": "camera", "odd_row": "odd", "hostile_row": "hostile"}
    for name, kind in kinds.items():
        if name in metafunc.fixturenames:
            rows = [row for row in load_manifest() if row["kind"] == kind]
            if rows:
                metafunc.parametrize(name, rows, ids=[row["file"] for row in rows])
            else:
                metafunc.parametrize(name, [None], ids=["no-corpus"])




def corpus_file(name: str) -> Path:
    return corpus_dir() / name


def uploaded(path: Path, name: str | None = None) -> UploadedFile:
    """A local file as the upload handler would hand it over (streamed, not read whole)."""
    return UploadedFile(file=path.open("rb"), name=name or path.name,
                        content_type="application/octet-stream", size=path.stat().st_size)


def jpeg_bytes(size=(640, 480), seed: int = 0, **exif_options) -> bytes:
    exif = camera_exif(**exif_options).tobytes()
    return encode(photo_like(size, seed), "JPEG", quality=88, exif=exif)


def jpeg_upload(name: str = "photo.jpg", size=(640, 480), seed: int = 0,
                **exif_options) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(size, seed, **exif_options),
                              content_type="image/jpeg")


def pdf_bytes(pages: int = 1, *, user_password: str | None = None,
              owner_password: str | None = None) -> bytes:
    """A real PDF written by pypdf: ``pages`` blank A4 pages, encrypted (AES-256) when a
    password is given (``user_password=""`` opens without one, as scanners make them)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if user_password is not None or owner_password is not None:
        writer.encrypt(user_password=user_password or "", owner_password=owner_password,
                       algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_upload(name: str = "release.pdf", **options) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(**options), content_type="application/pdf")


def png_upload(name: str = "scan.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (250, 250, 250)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- People and groups ------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def factory(email: str, *, role: str | None = "resident", verified: bool = True) -> User:
        user = User.objects.create_user(
            email, "a-long-test-passphrase", display_name=email.split("@")[0].title(),
            credit_name=email.split("@")[0].title(),
            email_verified_at=timezone.now() if verified else None)
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return factory


def publish(group: CommunityGroup, **terms):
    draft = consent_services.agreement_create_draft(
        group=group, acting_user=None, text=f"Agreement for {group.name}, {terms}.",
        permitted_uses=["web", "print"], **terms)
    return consent_services.agreement_publish(version=draft, acting_user=None)


def join(user: User, group: CommunityGroup):
    version = group.current_version()
    return consent_services.consent_grant(user=user, group=group, version_id=version.pk,
                                          statements_affirmed=list(version.statements),
                                          method=CollectionMethod.SEED, context=CONTEXT)


@pytest.fixture
def group(db) -> CommunityGroup:
    group = CommunityGroup.objects.create(name="Riverside Photos", slug="riverside-photos")
    publish(group, term_years=3)
    return group


@pytest.fixture
def member(make_user, group) -> User:
    user = make_user("rosa@example.org")
    join(user, group)
    return user


@pytest.fixture
def upload(member, group) -> Callable[..., Photo]:
    """``upload(file=..., **overrides)``: ``photo_upload`` by ``member`` to ``group``."""

    def do(file=None, *, user: User | None = None, to: CommunityGroup | None = None,
           **overrides) -> Photo:
        arguments = {"title": "Riverside at dawn", "description": "", "tags": ("river",),
                     "place_name": "Riverside", "own_work": True, "people": People.NONE}
        arguments.update(overrides)
        return uploads.photo_upload(acting_user=user or member, group=to or group,
                                     upload=file if file is not None else jpeg_upload(),
                                     **arguments)

    return do


# --- Storage ---------------------------------------------------------------------------------

def stored_files(root: Path) -> list[str]:
    """Every file under a filesystem storage root, as ``alias/key``."""
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def dead_s3_options(bucket_options: dict) -> dict:
    """The same S3 options, aimed at a port nothing listens on, failing at the first try."""
    from botocore.config import Config

    return {**bucket_options, "endpoint_url": f"http://127.0.0.1:{free_port()}",
            "client_config": Config(signature_version="s3v4", connect_timeout=2, read_timeout=2,
                                    retries={"max_attempts": 1, "mode": "standard"})}


# --- A database that refuses photo rows -------------------------------------------------------

@pytest.fixture
def refuse_photo_rows(db) -> Iterator[None]:
    """A real database trigger that makes every INSERT into photos_photo fail."""
    table = Photo._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE FUNCTION test_refuse_photo() RETURNS trigger AS $$ BEGIN "
                           "RAISE EXCEPTION 'photo rows refused by the test'; END $$ "
                           "LANGUAGE plpgsql")
            cursor.execute(f"CREATE TRIGGER test_refuse_photo BEFORE INSERT ON {table} "
                           "FOR EACH ROW EXECUTE FUNCTION test_refuse_photo()")
        else:
            cursor.execute(f"CREATE TRIGGER test_refuse_photo BEFORE INSERT ON {table} "
                           "BEGIN SELECT RAISE(ABORT, 'photo rows refused by the test'); END")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS test_refuse_photo ON {table}")
            cursor.execute("DROP FUNCTION IF EXISTS test_refuse_photo()")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS test_refuse_photo")


@pytest.fixture
def ingested(upload, django_capture_on_commit_callbacks):
    """Upload and run the task the commit enqueues (eagerly, in this process)."""

    def do(file=None, **kwargs) -> Photo:
        with django_capture_on_commit_callbacks(execute=True):
            photo = upload(file, **kwargs)
        photo.refresh_from_db()
        return photo

    return do
