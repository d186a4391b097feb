"""Upload → approve → search, facet, open, download with rights → usage → withdraw → 404,
in Debian's Chromium, across the three roles."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from photolib.catalog.models import Download
from photolib.photos.attestation import OWN_WORK_STATEMENT, PEOPLE_STATEMENTS
from photolib.photos.models import People, Photo
from tests.catalog.exiftool import xmp_packet
from tests.conftest import SCREENSHOTS
from tests.e2e.conftest import choose_photos, sign_in, sign_in_staff
from tests.e2e.test_consent_journey import sign_out
from tests.media_ingest.conftest import corpus_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHOTO = "oe_Landscape_3.jpg"
TITLE = "Lighthouse at golden hour"


@pytest.fixture
def photo_file():
    path = corpus_dir() / PHOTO
    if not path.is_file():
        from tests.media_ingest.conftest import _corpus_required

        message = f"photo corpus not found at {corpus_dir()}"
        pytest.fail(message) if _corpus_required() else pytest.skip(message)
    return path


def test_from_upload_to_withdrawal(page, photo_file, tmp_path):
    call_command("seed_demo", quiet_logins=True)

    # A resident uploads.
    sign_in(page, "resident@example.org", "resident-demo-pass")
    page.get_by_role("link", name="Upload").first.click()
    choose_photos(page, str(photo_file))
    page.locator(".upload-item .upload-title").fill(TITLE)
    page.get_by_role("radio", name=PEOPLE_STATEMENTS[People.NONE]).check()
    page.get_by_label(OWN_WORK_STATEMENT).check()
    page.get_by_role("button", name=re.compile(r"^Upload 1 photo")).click()
    page.locator(".upload-state", has_text="Waiting for review").wait_for(timeout=30_000)
    photo = Photo.objects.get(title=TITLE)
    sign_out(page)

    # A reviewer approves it from the queue.
    sign_in_staff(page, "reviewer@example.org", "reviewer-demo-pass")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    row = page.locator("tr", has_text=TITLE)
    row.get_by_role("button", name="Approve").click()
    page.get_by_text("Approved: the photo is in the catalog.").wait_for()
    sign_out(page)

    # Marketing searches by a word, narrows by a facet, opens the photo, downloads it.
    sign_in(page, "marketing@example.org", "marketing-demo-pass")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    page.get_by_label("Words").fill("lighthouse")
    page.get_by_role("button", name="Search").click()
    page.locator(".photo-tile", has_text=TITLE).wait_for()
    facet = page.locator('[data-facet="shape"] a').first
    facet_label = facet.inner_text()
    facet.click()
    assert "shape=" in page.url and "q=lighthouse" in page.url
    page.locator(".photo-tile", has_text=TITLE).wait_for()
    assert facet_label in ("Landscape", "Portrait", "Square")
    # Each active filter is a chip; removing the orientation keeps the words.
    chips = page.get_by_role("list", name="Active filters")
    assert chips.get_by_role("link", name="Remove words: lighthouse").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "collab-search-chips.png"), full_page=True)
    chips.get_by_role("link", name=f"Remove orientation: {facet_label}").click()
    page.locator(".photo-tile", has_text=TITLE).wait_for()
    assert "shape=" not in page.url and "q=lighthouse" in page.url
    assert page.get_by_role("list", name="Active filters").get_by_role("link").count() == 1
    page.locator(".photo-tile", has_text=TITLE).get_by_role("link", name=TITLE).click()
    page.get_by_role("heading", name=TITLE).wait_for()
    photo_url = page.url
    assert "Photo: Rosa R. / City Community Photos" in page.locator(
        '[data-field="credit"]').inner_text()
    page.get_by_label("Use").select_option("web")
    page.get_by_label("Campaign or note").fill("Harbour festival 2027 website")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == "Lighthouse-at-golden-hour-web.jpg"
    xmp = xmp_packet(saved.read_bytes())
    assert "Photo: Rosa R. / City Community Photos" in xmp
    record = Download.objects.get(photo=photo)
    assert (record.use, record.campaign) == ("web", "Harbour festival 2027 website")
    sign_out(page)

    # The resident sees the use, then withdraws the photo.
    sign_in(page, "resident@example.org", "resident-demo-pass")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My photos").click()
    card = page.locator(f'[data-photo="{photo.pk}"]')
    assert "Harbour festival 2027 website" in card.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Withdraw photo").click()
    page.get_by_text("is withdrawn").wait_for()
    sign_out(page)

    # Gone from search; the old page, rendition and download answer 404.
    sign_in(page, "marketing@example.org", "marketing-demo-pass")
    page.goto("/catalog/?q=lighthouse")
    assert page.locator(".photo-tile", has_text=TITLE).count() == 0
    assert page.goto(photo_url).status == 404
    assert page.request.get(f"/catalog/photos/{photo.pk}/thumb.jpg").status == 404
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(f"/catalog/photos/{photo.pk}/download/", form={
        "csrfmiddlewaretoken": token, "rendition": "web", "use": "web", "campaign": "again"})
    assert response.status == 404
    assert Download.objects.filter(photo=photo).count() == 1
