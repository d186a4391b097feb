"""Recall in the browser (issue 11): marketing downloads and collects a photo → the resident
withdraws it → marketing sees the notice, acknowledges it, sees the placeholder in the
collection, and the collection ZIP's README names the photo; the licence page answers 410."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from photolib.catalog.models import Download, RecallNotice
from photolib.consent.models import CommunityGroup
from photolib.photos import moderation
from photolib.photos.models import Photo
from tests.catalog.conftest import upload
from tests.conftest import SCREENSHOTS
from tests.consent.conftest import make_user
from tests.e2e.conftest import sign_in
from tests.e2e.test_consent_journey import sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Boats at the old quay"
CAMPAIGN = "Harbour festival 2027 website"
COLLECTION = "Harbour festival picks"
OFFICER_PASSWORD = "a-long-test-password"  # make_user's
NOTICES_SHOT = SCREENSHOTS / "recall-notices.png"
COLLECTION_SHOT = SCREENSHOTS / "recall-collection.png"


def nav(page):
    return page.get_by_role("navigation", name="Main")


def test_withdrawal_reaches_the_officer_who_downloaded_and_collected_it(page, resident_member,
                                                                          tmp_path, mailoutbox):
    # A cleared photo, through the real services: the resident uploads (ingest runs
    # eagerly once the upload commits), a reviewer approves.
    group = CommunityGroup.objects.get(slug="city-community-photos")
    reviewer = make_user("rita@example.org", role="reviewer")
    officer = make_user("mark@example.org", role="marketing")
    photo = upload(resident_member, group, TITLE, tags=("harbour", "boats"))
    assert photo.status == Photo.Status.PENDING_REVIEW, photo.status_reason
    moderation.photo_approve(photo_id=photo.pk, acting_user=reviewer)
    assert Photo.objects.cleared().filter(pk=photo.pk).exists()

    # Marketing opens the photo and downloads the web rendition for a permitted use.
    sign_in(page, officer.email, OFFICER_PASSWORD)
    page.goto(f"/catalog/photos/{photo.pk}/")
    page.get_by_role("heading", name=TITLE).wait_for()
    page.get_by_label("Web (1600 px)").check()
    page.get_by_label("Use").select_option("web")
    page.get_by_label("Campaign or note").fill(CAMPAIGN)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    assert info.value.suggested_filename.endswith("-web.jpg")
    record = Download.objects.get(photo=photo, user=officer)
    assert (record.use, record.rendition, record.campaign) == ("web", "web", CAMPAIGN)

    # ... creates a new collection and adds the photo to it from the photo page.
    nav(page).get_by_role("link", name="Collections").click()
    page.get_by_label("Name").fill(COLLECTION)
    page.get_by_role("button", name="Create").click()
    page.get_by_role("heading", name=COLLECTION).wait_for()
    collection_url = page.url
    page.goto(f"/catalog/photos/{photo.pk}/")
    page.get_by_label("Collection").select_option(label=COLLECTION)
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_text(f"Added to “{COLLECTION}”.").wait_for()
    page.goto(collection_url)
    assert page.locator(".collection-count").inner_text() == "1 photo"
    sign_out(page)

    # The resident withdraws it on My photos, accepting the confirm dialogue.
    sign_in(page, resident_member.email)
    nav(page).get_by_role("link", name="My photos").click()
    card = page.locator(f'[data-photo="{photo.pk}"]')
    questions: list[str] = []

    def accept(dialog):
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    card.get_by_role("button", name="Withdraw photo").click()
    page.get_by_text("is withdrawn").wait_for()
    assert questions and "Withdraw this photo?" in questions[0]
    photo.refresh_from_db()
    assert photo.withdrawn_at is not None
    badge = card.locator('[data-standing="withdrawn"]')
    assert re.fullmatch(r"Withdrawn \d{1,2} \w{3} \d{4}", badge.inner_text()), badge.inner_text()
    assert f"{photo.withdrawn_at:%Y}" in badge.inner_text()
    assert card.get_by_role("button", name="Withdraw photo").count() == 0
    sign_out(page)

    # Marketing: the navigation counts one unread notice.
    sign_in(page, officer.email, OFFICER_PASSWORD)
    notices_link = nav(page).get_by_role("link", name=re.compile(r"^Notices"))
    assert notices_link.locator(".nav-count").inner_text() == "1"
    assert RecallNotice.objects.filter(user=officer, listing__photo_key=photo.pk).count() == 1
    mails = [m for m in mailoutbox if m.to == [officer.email]
             and "can no longer be used" in m.subject]
    assert len(mails) == 1 and TITLE in mails[0].subject and CAMPAIGN in mails[0].body

    # The notice names the photo, the reason, the campaign and what it means.
    notices_link.click()
    notice = page.locator(".notice")
    assert notice.count() == 1
    text = notice.inner_text()
    assert TITLE in text and str(photo.pk) in text
    assert "withdrawn by the photographer" in text
    assert CAMPAIGN in text and COLLECTION in text
    assert "no new use may start" in text
    page.screenshot(path=str(NOTICES_SHOT), full_page=True)

    # Acknowledging it clears the count and the notice says so.
    notice.get_by_role("button", name="Acknowledge").click()
    page.get_by_text("Acknowledged: the library has recorded that you read it.").wait_for()
    assert nav(page).locator(".nav-count").count() == 0
    assert re.search(r"Acknowledged \d{4}-\d{2}-\d{2} \d{2}:\d{2}",
                     page.locator(".notice .badge").inner_text())
    assert page.locator(".notice").get_by_role("button", name="Acknowledge").count() == 0
    assert RecallNotice.objects.get(user=officer).acknowledged_at is not None

    # The collection keeps the photo as a placeholder with the reason.
    page.goto(collection_url)
    assert page.locator(".collection-count").inner_text() == "0 usable of 1"
    assert page.get_by_text("No photos.").count() == 0  # it holds one, just not usable
    placeholder = page.locator(f'.photo-tile.gone[data-photo="{photo.pk}"]')
    assert TITLE in placeholder.inner_text()
    assert "withdrawn by the photographer" in placeholder.inner_text()
    assert f"{photo.withdrawn_at:%Y-%m-%d}" in placeholder.inner_text()
    page.screenshot(path=str(COLLECTION_SHOT), full_page=True)

    # The ZIP, from the form on the collection page: its README names what was left out.
    page.get_by_label("Web (1600 px)").check()
    page.get_by_label("Use").select_option("web")
    page.get_by_label("Campaign or note").fill("Festival press kit")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download ZIP").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == f"{COLLECTION}.zip"
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        assert archive.namelist() == ["README.txt"]
        readme = archive.read("README.txt").decode()
    assert "Left out:" in readme
    left_out = next(line for line in readme.splitlines() if str(photo.pk) in line)
    assert TITLE in left_out and "withdrawn by the photographer" in left_out
    assert Download.objects.filter(photo=photo).count() == 1  # nothing new was logged

    # The licence page embedded in the downloaded file now answers 410 Gone.
    response = page.goto(f"/licence/{photo.pk}/")
    assert response.status == 410
    assert "withdrawn by the photographer" in page.content()
    assert resident_member.display_name not in page.content()
