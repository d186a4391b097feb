"""A resident uploads photos in Debian's Chromium: three good photos and one hostile file.

Tasks run eagerly inside the live server (the embedded default), so each photo is processed
as its upload commits; the page learns each state by polling, without a reload.
"""

from __future__ import annotations

import pytest

from photolib.photos.attestation import OWN_WORK_STATEMENT, PEOPLE_STATEMENTS
from photolib.photos.models import People, Photo
from tests.conftest import SCREENSHOTS
from tests.e2e.conftest import choose_photos, item, sign_in
from tests.media_ingest.conftest import corpus_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHOTOS = ["me_Apple iPhone 4.jpg", "oe_Landscape_6.jpg", "es_iphone_13_pro_max.heic"]
HOSTILE = "pil_png_decompression_dos.png"


@pytest.fixture
def corpus_files():
    directory = corpus_dir()
    paths = [directory / name for name in [*PHOTOS, HOSTILE]]
    if not all(p.is_file() for p in paths):
        from tests.media_ingest.conftest import _corpus_required

        message = f"photo corpus not found at {directory} (set PHOTOLIB_CORPUS)"
        pytest.fail(message) if _corpus_required() else pytest.skip(message)
    return paths


def test_drop_three_photos_and_a_hostile_file(page, resident_member, corpus_files):
    sign_in(page, resident_member.email)
    page.get_by_text("Signed in as").wait_for()

    page.get_by_role("link", name="Upload").first.click()
    page.get_by_role("heading", name="Upload photos").wait_for()
    picker = page.locator("input[type=file][name=file]")
    accept = picker.get_attribute("accept")
    assert "image/heic" in accept and ".heif" in accept
    assert picker.get_attribute("multiple") is not None

    choose_photos(page, [str(p) for p in corpus_files])
    assert page.locator(".upload-item").count() == 4
    assert item(page, PHOTOS[0]).locator(".upload-title").input_value() == "me Apple iPhone 4"
    item(page, PHOTOS[0]).locator(".upload-title").fill("Evening on the Apple quay")
    item(page, PHOTOS[0]).locator(".upload-place").fill("Apple Quay")
    page.locator("#id_tags").fill("harbour, evening")  # for all photos
    page.get_by_role("radio", name=PEOPLE_STATEMENTS[People.NONE]).check()
    page.locator("#id_place_name").fill("Old Town")
    page.get_by_role("button", name="Upload 4 photos").click()
    own_work_error = page.get_by_role("alert").filter(has_text="you took yourself")
    own_work_error.wait_for()  # the statement must be affirmed first
    page.get_by_label(OWN_WORK_STATEMENT).check()
    page.get_by_role("button", name="Upload 4 photos").click()

    for name in PHOTOS:
        row = item(page, name)
        row.locator(".upload-state", has_text="Waiting for review").wait_for(timeout=30_000)
        assert row.get_attribute("data-state") == "done"
        assert row.locator(".upload-progress").evaluate("el => el.value") == 100
    hostile = item(page, HOSTILE)
    hostile.locator(".upload-state", has_text="Not uploaded").wait_for()
    assert hostile.get_attribute("data-state") == "rejected"
    assert "unsafe size" in hostile.locator(".upload-state").inner_text()
    # Thumbnails arrive on the page once the photos are processed.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.upload-item[data-state=done] .upload-thumb img')]"
        ".filter(img => img.complete && img.naturalWidth > 0).length === 3")
    assert page.get_by_role("button", name="Upload", exact=True).is_visible()  # nothing left
    page.screenshot(path=str(SCREENSHOTS / "test_upload_page_after_drop.png"), full_page=True)

    photos = Photo.objects.filter(owner=resident_member)
    assert sorted(photos.values_list("original_name", flat=True)) == sorted(PHOTOS)
    assert set(photos.values_list("status", flat=True)) == {Photo.Status.PENDING_REVIEW}
    assert photos.get(title="Evening on the Apple quay").place_name == "Apple Quay"
    assert set(photos.values_list("place_name", flat=True)) == {"Apple Quay", "Old Town"}
    assert all(sorted(t.name for t in p.tags.all()) == ["evening", "harbour"] for p in photos)

    page.get_by_role("link", name="My photos").first.click()
    page.get_by_role("heading", name="My photos").wait_for()
    cards = page.locator(".photo-card")
    assert cards.count() == 3
    page.wait_for_function(
        "() => [...document.querySelectorAll('.photo-card img')]"
        ".filter(img => img.complete && img.naturalWidth > 0).length === 3")
    assert page.locator(".photo-card .badge", has_text="Waiting for review").count() == 3
    assert page.get_by_text("Evening on the Apple quay").count() == 1


def test_files_dropped_on_the_zone_join_the_list(page, resident_member):
    sign_in(page, resident_member.email)
    page.get_by_text("Signed in as").wait_for()
    page.goto("/photos/upload/")
    page.locator("[data-drop-zone]").evaluate("""zone => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array([255, 216, 255, 224])], "Gartenfest_2024.jpg",
                                {type: "image/jpeg"}));
        zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: data, bubbles: true}));
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: data, bubbles: true}));
    }""")
    row = item(page, "Gartenfest_2024.jpg")
    row.wait_for()
    assert row.locator(".upload-title").input_value() == "Gartenfest 2024"
    assert row.locator(".upload-state").inner_text() == "Ready to upload"
    assert not row.locator(".upload-release").is_visible()
    row.locator(".upload-people").select_option("minors")
    assert row.locator(".upload-release").is_visible()  # a guardian's release is needed
    assert page.get_by_role("button", name="Upload 1 photo").is_visible()
    row.get_by_role("button", name="Remove").click()
    assert page.locator(".upload-item").count() == 0
