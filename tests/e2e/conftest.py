"""Shared pieces of the browser journeys: a resident who may upload, and the upload list."""

from __future__ import annotations

import contextlib
import time

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from photolib.accounts.models import User
from photolib.consent import services as consent_services
from photolib.consent.models import CollectionMethod, CommunityGroup

PASSWORD = "a-long-test-passphrase"


@pytest.fixture(scope="session")
def _a11y_checker(browser, request):
    from tests.e2e.accessibility import Checker

    checker = Checker(browser)
    yield checker
    checker.close()
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"accessibility: {len(checker.checked)} pages checked at 1280 and "
                            f"390 px in {checker.seconds:.1f} s; {checker.rerendered} "
                            f"copies rendered again for a stylesheet not yet loaded")


@pytest.fixture(autouse=True)
def _accessible_pages(page, _a11y_checker):
    """Every page this test's browser loads is checked with axe at desktop and phone size
    (tests/e2e/accessibility.py); a violation fails the test."""
    from tests.e2e.accessibility import Recorder

    page.a11y = Recorder(page)
    yield
    with contextlib.suppress(Exception):  # a closed page has nothing more to send
        page.evaluate("0")  # lets the last page's copy arrive
    problems = _a11y_checker.check(page.a11y.snapshots)
    assert not problems, "accessibility violations:\n" + "\n".join(problems)


@pytest.fixture
def resident_member() -> User:
    group = CommunityGroup.objects.create(name="City Community Photos",
                                          slug="city-community-photos")
    draft = consent_services.agreement_create_draft(
        group=group, acting_user=None, text="Share your photos with the city.",
        permitted_uses=["web"])
    version = consent_services.agreement_publish(version=draft, acting_user=None)
    user = User.objects.create_user("ana@example.org", PASSWORD, display_name="Ana",
                                    credit_name="Ana K.", email_verified_at=timezone.now())
    user.groups.add(Group.objects.get(name="resident"))
    consent_services.consent_grant(
        user=user, group=group, version_id=version.pk, statements_affirmed=version.statements,
        method=CollectionMethod.SEED,
        context=consent_services.RequestContext(ip_address="127.0.0.1"))
    return user


def choose_photos(page, files) -> None:
    """Choose ``files`` (a path or a list of them) in the upload page's picker once its
    script listens, so that they are listed by the time this returns. The script is
    deferred: after a click on "Upload" the heading can show before it has run, and files
    chosen then are listed only when it runs (it takes them up), after a test may have
    looked and found no item."""
    page.locator("form[data-upload].js").wait_for(state="attached")
    page.locator("input[type=file][name=file]").set_input_files(files)


def item(page, name: str):
    return page.locator(".upload-item").filter(has=page.locator(".upload-name",
                                                                 has_text=name))


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in_staff(page, email: str, password: str, secret: str | None = None) -> None:
    """A reviewer or admin signs in as a person does: the password, then the code page,
    with the code an authenticator app holding ``secret`` (base32; by default the demo
    staff's published one) shows now. A code is accepted once: when this account's last
    code was from the current 30 seconds, wait for the next."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from photolib.accounts.management.commands.seed_demo import DEMO_TOTP_SECRET
    from tests.conftest import totp_code

    sign_in(page, email, password)
    page.get_by_role("heading", name="Second step").wait_for()
    last = (TOTPDevice.objects.filter(user__email=email, confirmed=True)
            .values_list("last_t", flat=True).first())
    while last is not None and last >= int(time.time()) // 30:
        time.sleep(0.5)
    page.get_by_label("Code").fill(totp_code(secret or DEMO_TOTP_SECRET))
    page.get_by_role("button", name="Verify").click()
