"""Accounts as a person meets them, in Debian's Chromium through Playwright."""

import re

import pytest
from django.core import mail
from django.core.management import call_command

from tests.e2e.conftest import sign_in, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def nav(page) -> list[str]:
    return [t.strip() for t in page.locator("nav.site-nav a").all_inner_texts()]


def test_sign_up_verify_and_sign_in(page):
    page.goto("/")
    # The one stylesheet is served and applied (no CDN).
    assert page.request.get("/static/photolib/site.css").ok
    assert page.locator("header.site-header").evaluate(
        "el => getComputedStyle(el).display") == "flex"
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Email address").fill("lena@example.org")
    page.get_by_label("Display name").fill("Lena")
    page.get_by_label("Credit name").fill("Lena K.")
    page.get_by_label("Password", exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_label("Password confirmation").fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("heading", name="Check your email").wait_for()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/verify/\S+/", mail.outbox[0].body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    page.get_by_role("heading", name="Email confirmed").wait_for()

    sign_in(page, "lena@example.org", "a-long-and-unusual-passphrase")
    page.get_by_text("Signed in as").wait_for()
    labels = nav(page)
    assert "Account" in labels
    assert "Admin" not in labels and "Catalog" not in labels
    assert page.locator(".banner.warning").count() == 0  # verified: no reminder


@pytest.mark.parametrize(
    ("email", "password", "present", "absent"),
    [
        ("marketing@example.org", "marketing-demo-pass", ["Account"], ["Admin", "Upload"]),
        ("reviewer@example.org", "reviewer-demo-pass", ["Admin", "Account"], ["Upload"]),
        ("resident@example.org", "resident-demo-pass", ["Account"], ["Admin"]),
    ],
)
def test_demo_accounts_see_their_own_navigation(page, email, password, present, absent):
    call_command("seed_demo", quiet_logins=True)
    (sign_in_staff if "Admin" in present else sign_in)(page, email, password)
    page.get_by_text("Signed in as").wait_for()
    labels = nav(page)
    for label in present:
        assert label in labels, labels
    for label in absent:
        assert label not in labels, labels


def test_wrong_password_shows_the_error(page):
    call_command("seed_demo", quiet_logins=True)
    sign_in(page, "resident@example.org", "not-the-password")
    error = page.get_by_role("alert")
    error.wait_for()
    assert "Wrong email or password" in error.inner_text()
