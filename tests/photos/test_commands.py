"""The photo management commands and the demo seed."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command

from photolib.photos.keys import SPECS
from photolib.photos.models import Photo, Rendition
from tests.conftest import REPO
from tests.media_ingest.conftest import load_manifest
from tests.photos.conftest import corpus_file, jpeg_upload, stored_files

PREVIEW, THUMB = "preview-1600-q85.jpg", "thumb-400-q85.jpg"


def test_inspect_photo_json_over_the_whole_corpus(corpus):
    rows = load_manifest()
    paths = [str(corpus / row["file"]) for row in rows]
    done = subprocess.run([sys.executable, "manage.py", "inspect_photo", "--json", *paths],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == len(rows)
    verdicts = [json.loads(line) for line in lines]
    for row, verdict in zip(rows, verdicts, strict=True):
        assert verdict["file"].endswith(row["file"])
        assert verdict["status"] in ("accepted", "rejected")
        if row["kind"] == "hostile":
            assert verdict["status"] == "rejected" and verdict["reason"], row["file"]
        elif row["kind"] == "camera":
            assert verdict["status"] == "accepted", verdict
            assert (verdict["exif"]["make"] or "") == row["exif_make"]
            assert set(verdict["renditions"]) == {PREVIEW, THUMB}


def test_inspect_photo_describes_each_file_in_words(corpus, tmp_path):
    out = io.StringIO()
    call_command("inspect_photo", str(corpus_file("es_Canon_40D.jpg")),
                 str(corpus_file("pil_decompression_bomb.gif")), str(tmp_path / "missing.jpg"),
                 stdout=out)
    lines = out.getvalue().splitlines()
    assert "es_Canon_40D.jpg: accepted: JPEG 100x68" in lines[0] and "Canon EOS 40D" in lines[0]
    assert "pil_decompression_bomb.gif: rejected: This file looks like a GIF image" in lines[1]
    assert "missing.jpg: rejected" in lines[2]


@pytest.mark.django_db
def test_sweep_storage_reports_and_removes_orphans_both_ways(ingested, _file_storage):
    kept = ingested(jpeg_upload(seed=1))
    lost_original = ingested(jpeg_upload(seed=2))
    lost_rendition = ingested(jpeg_upload(seed=3))
    storages["originals"].delete(lost_original.original_key)
    storages["renditions"].delete(f"{lost_rendition.id}/{THUMB}")
    storages["originals"].save("0000-orphan/left-by-a-failed-row.jpg", ContentFile(b"x"))
    storages["renditions"].save("0000-orphan/thumb-400-q85.jpg", ContentFile(b"x"))

    out = io.StringIO()
    call_command("sweep_storage", stdout=out)
    report = out.getvalue()
    assert "object without a row: originals/0000-orphan/left-by-a-failed-row.jpg" in report
    assert "object without a row: renditions/0000-orphan/thumb-400-q85.jpg" in report
    assert f"row without an object: originals/{lost_original.original_key}" in report
    assert f"row without an object: renditions/{lost_rendition.id}/{THUMB}" in report
    assert "2 object(s) without a row, 2 row(s) without an object" in report
    assert len(stored_files(_file_storage / "originals")) == 3  # a report changes nothing

    out = io.StringIO()
    call_command("sweep_storage", "--delete", stdout=out)
    assert "(younger than the grace period: kept)" in out.getvalue()
    assert "Removed 0 object(s); marked 1 photo(s) failed; removed 1 rendition row(s)." in \
        out.getvalue()
    out = io.StringIO()
    call_command("sweep_storage", "--delete", "--grace-minutes", "0", stdout=out)
    assert "Removed 2 object(s)" in out.getvalue()
    assert "0000-orphan" not in " ".join(stored_files(_file_storage / "originals")
                                         + stored_files(_file_storage / "renditions"))
    assert Photo.objects.get(pk=lost_original.pk).status == Photo.Status.FAILED
    assert Photo.objects.get(pk=kept.pk).status == Photo.Status.PENDING_REVIEW
    assert not Rendition.objects.filter(photo=lost_rendition, spec=THUMB).exists()

    call_command("reprocess_photos", stdout=out, stderr=io.StringIO())
    assert Rendition.objects.filter(photo=lost_rendition, spec=THUMB).exists()


@pytest.mark.django_db
def test_reprocess_photos_renders_missing_or_all_with_a_progress_bar(ingested, upload,
                                                                    _file_storage):
    photos = [ingested(jpeg_upload(seed=n)) for n in range(3)]
    Rendition.objects.filter(photo=photos[0], spec=PREVIEW).delete()
    before = Rendition.objects.get(photo=photos[1], spec=THUMB).created_at
    stuck = upload(jpeg_upload(seed=7))  # its task was lost
    Photo.objects.filter(pk=stuck.pk).update(uploaded_at=stuck.uploaded_at - timedelta(hours=2))

    out, err = io.StringIO(), io.StringIO()
    call_command("reprocess_photos", stdout=out, stderr=err)
    assert "3 rendered, 1 ingested, 0 skipped, 0 errors" in out.getvalue()
    assert "[##############################] 4/4" in err.getvalue()
    assert Rendition.objects.filter(photo=photos[0]).count() == len(SPECS)
    assert Rendition.objects.get(photo=photos[1], spec=THUMB).created_at == before
    assert Photo.objects.get(pk=stuck.pk).status == Photo.Status.PENDING_REVIEW
    assert len(stored_files(_file_storage / "renditions")) == 4 * len(SPECS)

    call_command("reprocess_photos", "--force", "--ids", str(photos[1].id), stdout=out,
                 stderr=err)
    assert Rendition.objects.get(photo=photos[1], spec=THUMB).created_at > before
    assert len(stored_files(_file_storage / "renditions")) == 4 * len(SPECS)


@pytest.mark.django_db
def test_demo_seed_uploads_24_photos_waiting_for_review_once(settings):
    # Only the hooks up to ours: later apps' demo content (moderation) acts on these photos.
    hooks = settings.PHOTOLIB_SEED_HOOKS
    settings.PHOTOLIB_SEED_HOOKS = hooks[: hooks.index("photolib.photos.demo.seed") + 1]
    call_command("seed_demo", quiet_logins=True, stdout=io.StringIO())
    photos = Photo.objects.filter(owner__email="resident@example.org",
                                  group__slug="city-community-photos")
    assert photos.count() == 24
    assert set(photos.values_list("status", flat=True)) == {Photo.Status.PENDING_REVIEW}
    assert photos.filter(gps_latitude__isnull=False, camera_make="Pixelcraft").count() == 24
    shapes = {p.shape for p in photos}
    assert shapes == {"landscape", "portrait", "square"}
    assert photos.filter(orientation=6).exists()
    assert Rendition.objects.filter(photo__in=photos).count() == 24 * len(SPECS)
    assert all(p.tags.exists() and p.place_name for p in photos)
    first = io.StringIO()
    call_command("seed_demo", quiet_logins=True, stdout=first)
    assert "Demo photos: 24 by resident@example.org in City Community Photos" in first.getvalue()
    again = io.StringIO()
    call_command("seed_demo", quiet_logins=True, stdout=again)
    assert again.getvalue() == first.getvalue()
    assert photos.count() == 24
