"""A new reviewer's first sign-in in Chromium: set up the authenticator, keep the recovery
codes, reach the review queue; the next sign-in asks for a code."""

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from photolib.accounts.models import User
from tests.conftest import totp_code
from tests.e2e.conftest import PASSWORD, sign_in, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_sign_in_enrols_then_later_ones_ask_for_a_code(page):
    user = User.objects.create_user("rita@example.org", PASSWORD, display_name="Rita",
                                    credit_name="Rita", email_verified_at=timezone.now())
    user.groups.add(Group.objects.get(name="reviewer"))

    page.goto("/review/")  # the login page first, then enrolment, then back here
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Set up your authenticator app").wait_for()
    qr = page.locator('[data-field="qr-code"]')
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.locator('[data-field="secret"]').inner_text().replace(" ", "")
    assert f"secret={secret}" in page.locator('[data-field="otpauth-uri"]').inner_text()

    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    codes = page.locator('[data-field="recovery-codes"] code').all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", c) for c in codes)
    page.get_by_role("link", name="I saved them, continue").click()
    page.wait_for_url(re.compile(r"/review/$"))

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, user.email)
    page.get_by_role("heading", name="Second step").wait_for()
    page.get_by_role("button", name="Sign out").click()
    sign_in_staff(page, user.email, PASSWORD, secret=secret)
    page.get_by_text("Signed in as").wait_for()
    page.goto("/review/")
    assert page.url.endswith("/review/")
