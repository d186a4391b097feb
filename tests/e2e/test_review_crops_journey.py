"""A reviewer writes the missing alt text and clicks the photo's focal point on its review page,
approves it; marketing sees the alt text and downloads a square crop centred there, carrying
the alt text and the credit (read back by exiftool). In Debian's Chromium."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from PIL import Image

from photolib.accounts.models import User
from photolib.catalog.models import Download
from photolib.consent.models import CommunityGroup
from photolib.photos.models import Photo
from tests.catalog.conftest import upload
from tests.catalog.exiftool import exiftool
from tests.e2e.conftest import sign_in, sign_in_staff
from tests.e2e.test_consent_journey import sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TITLE = "Harbour with a yellow buoy"
ALT = "A yellow buoy floating in the harbour, boats behind it"


def test_alt_text_and_focal_point_from_review_to_a_square_crop(page, tmp_path):
    call_command("seed_demo", quiet_logins=True)
    resident = User.objects.get(email="resident@example.org")
    group = CommunityGroup.objects.get(slug="city-community-photos")
    # The helper draws a yellow disc between a quarter and a half of width and height.
    photo = upload(resident, group, TITLE, width=2400, height=1600)
    assert Photo.objects.get(pk=photo.pk).status == Photo.Status.PENDING_REVIEW

    sign_in_staff(page, "reviewer@example.org", "reviewer-demo-pass")
    page.goto(f"/review/photos/{photo.pk}/")
    page.get_by_text("The resident wrote no alt text.").wait_for()
    # A click on the disc's centre (37.5% across and down) sets the focal point.
    image = page.locator("img[data-focal-target]")
    image.wait_for()
    box = image.bounding_box()
    image.click(position={"x": box["width"] * 0.375, "y": box["height"] * 0.375})
    page.get_by_text("Focal point saved").wait_for()
    stored = Photo.objects.get(pk=photo.pk)
    assert stored.focal_x == pytest.approx(0.375, abs=0.01)
    assert stored.focal_y == pytest.approx(0.375, abs=0.01)
    # Approving without alt text is not possible from this page: the browser asks first.
    page.get_by_role("button", name="Approve").click()
    assert Photo.objects.get(pk=photo.pk).status == Photo.Status.PENDING_REVIEW
    page.get_by_label("Alt text").fill(ALT)
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("Approved: the photo is in the catalog.").wait_for()
    assert Photo.objects.get(pk=photo.pk).alt_text == ALT
    sign_out(page)

    sign_in(page, "marketing@example.org", "marketing-demo-pass")
    page.goto(f"/catalog/photos/{photo.pk}/")
    assert page.locator("img.preview").get_attribute("alt") == ALT
    page.get_by_role("radio", name="Square 1:1 (1080 × 1080)").check()
    page.get_by_label("Use").select_option("social")
    page.get_by_label("Campaign or note").fill("Harbour week posts")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == "Harbour-with-a-yellow-buoy-square.jpg"
    data = saved.read_bytes()
    image = Image.open(io.BytesIO(data))
    assert image.size == (1080, 1080)
    # Square on 2400 x 1600: the box is 1600 wide, centred on x = 900, so x 100..1700;
    # the focal point lands at ((900 - 100) * 0.675, 600 * 0.675): yellow.
    r, g, b = image.getpixel((540, 405))
    assert r > 180 and g > 150 and b < 110, (r, g, b)
    tags = exiftool(data)
    assert tags["XMP-iptcCore:AltTextAccessibility"] == ALT
    assert tags["IPTC:Credit"].startswith("Photo: ")
    assert Download.objects.get(photo=photo).rendition == "square"
