"""Joining, withdrawing and accepting a new agreement version, in Chromium."""

import pytest
from django.core.management import call_command

from photolib.consent.models import ConsentRecord
from tests.e2e.conftest import sign_in, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_join_withdraw_and_accept_a_new_version(page):
    call_command("seed_demo", quiet_logins=True)
    # The demo resident is already a member; start from a fresh verified resident.
    from django.utils import timezone

    from photolib.accounts.models import User
    from photolib.accounts.services import user_grant_role

    lena = User.objects.create_user(email="lena@example.org", password="a-long-test-password",
                                    display_name="Lena", credit_name="Lena K.",
                                    email_verified_at=timezone.now())
    user_grant_role(user=lena, role="resident")

    sign_in(page, "lena@example.org", "a-long-test-password")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Groups").click()
    page.get_by_role("link", name="City Community Photos").click()
    page.get_by_role("link", name="Join this group").click()
    boxes = page.get_by_role("checkbox")
    assert boxes.count() == 3
    boxes.nth(0).check()
    boxes.nth(2).check()
    page.get_by_role("button", name="I agree and join").click()
    assert "Tick this statement to join" in page.get_by_role("alert").first.inner_text()
    assert not ConsentRecord.objects.filter(user=lena).exists()

    for i in range(3):
        page.get_by_role("checkbox").nth(i).check()
    page.get_by_role("button", name="I agree and join").click()
    page.get_by_role("heading", name="Consent receipt").wait_for()
    grant = ConsentRecord.objects.get(user=lena)
    assert str(grant.id) in page.locator('[data-field="record-id"]').inner_text()

    page.get_by_role("link", name="Back to the group").click()
    page.get_by_role("link", name="Withdraw consent").click()
    page.get_by_role("button", name="Withdraw consent").click()
    page.get_by_role("heading", name="Withdrawal receipt").wait_for()
    assert ConsentRecord.objects.filter(user=lena).order_by("-sequence")[0].action == "WITHDRAW"

    page.get_by_role("link", name="Back to the group").click()
    page.get_by_role("link", name="Join this group").click()
    for i in range(3):
        page.get_by_role("checkbox").nth(i).check()
    page.get_by_role("button", name="I agree and join").click()
    page.get_by_role("heading", name="Consent receipt").wait_for()
    sign_out(page)

    # A reviewer publishes version 2 in the admin.
    sign_in_staff(page, "reviewer@example.org", "reviewer-demo-pass")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agreements").click()
    page.get_by_role("link", name="Add agreement version").click()
    page.get_by_label("Group").select_option(label="City Community Photos")
    page.get_by_label("Text").fill("EXAMPLE AGREEMENT, VERSION 2. Not legal advice.\n"
                                   "Now also for outdoor advertising.")
    page.get_by_label("Statements").fill("I am at least 16.\nI license my photos.\n"
                                         "I know how to withdraw.")
    for use in ("Websites", "Social media", "Outdoor advertising"):
        page.get_by_label(use).check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("tr", has_text="draft").locator("input[name=_selected_action]").check()
    page.locator("select[name=action]").select_option("publish")
    page.get_by_role("button", name="Go").click()
    page.get_by_text("Published City Community Photos – v2").wait_for()
    page.goto("/")
    sign_out(page)

    # The resident sees the notice and accepts version 2.
    sign_in(page, "lena@example.org", "a-long-test-password")
    page.goto("/groups/city-community-photos/")
    notice = page.locator(".notice")
    assert "A new version (2)" in notice.inner_text()
    notice.get_by_role("link", name="Read and accept version 2").click()
    for i in range(3):
        page.get_by_role("checkbox").nth(i).check()
    page.get_by_role("button", name="I agree and join").click()
    page.get_by_role("heading", name="Consent receipt").wait_for()
    latest = ConsentRecord.objects.filter(user=lena).order_by("-sequence")[0]
    assert latest.agreement_version.number == 2
    page.goto("/groups/city-community-photos/")
    assert page.locator(".notice").count() == 0
    # Each record names the page it came from; the seeded resident's, the script.
    assert [r.collection_method for r in ConsentRecord.objects.filter(user=lena)
            .order_by("sequence")] == ["join_form", "withdraw_button", "join_form",
                                       "reaccept_form"]
    assert ConsentRecord.objects.get(user__email="resident@example.org").collection_method == (
        "seed")
