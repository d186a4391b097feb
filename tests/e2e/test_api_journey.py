"""The API's web side in Debian's Chromium: a marketing officer makes a token on the token
page and a program uses it against the live server; the docs page renders every operation
from the site's own files without breaking the Content-Security-Policy (the ``page``
fixture fails on any violation)."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.consent.conftest import make_user
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_token_made_on_the_page_opens_the_api_until_revoked(page, live_server):
    make_user("mara@example.org", role="marketing")
    sign_in(page, "mara@example.org", "a-long-test-password")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("City website")
    page.get_by_label("Read and download", exact=False).check()
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("[data-secret]").inner_text()
    assert secret.startswith("plk_")

    def call() -> int:
        request = urllib.request.Request(  # noqa: S310 - the live server on loopback
            f"{live_server.url}/api/v1/collections/",
            headers={"Authorization": f"Bearer {secret}"})
        try:
            with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback
                assert json.loads(response.read()) == []
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    assert call() == 200
    page.reload()  # shown once: never again
    assert page.locator("[data-secret]").count() == 0
    page.get_by_role("button", name="Revoke").click()
    page.get_by_text("no longer opens the API").wait_for()
    assert call() == 401


def test_the_docs_page_renders_every_operation_under_the_csp(page):
    page.goto("/api/v1/docs/")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() == 10
    assert page.get_by_text("Community photo library API").count() >= 1
