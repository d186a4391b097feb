"""A resident downloads their data, deletes their account, and can no longer sign in."""

import io
import zipfile

import pytest

from photolib.accounts.models import User
from photolib.consent.ledger import verify_ledger
from tests.e2e.conftest import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_export_then_delete_the_account_then_sign_in_is_refused(page, resident_member,
                                                                 tmp_path):
    sign_in(page, resident_member.email)
    page.goto("/accounts/profile/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    assert saved.name.startswith("my-photo-library-data-") and saved.suffix == ".zip"
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        names = archive.namelist()
        assert "account.json" in names and "consent-history.json" in names
        assert any(n.startswith("receipts/") and n.endswith(".jwt") for n in names)
        assert b"ana@example.org" in archive.read("account.json")

    page.get_by_role("link", name="Delete my account").click()
    assert "Every consent you gave a group is withdrawn" in page.content()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    assert "not your password" in page.content()
    assert User.objects.get(pk=resident_member.pk).is_active

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete my account").click()
    assert page.get_by_role("heading", name="Your account is deleted").is_visible()
    erased = User.objects.get(pk=resident_member.pk)
    assert not erased.is_active and erased.email != "ana@example.org"
    assert verify_ledger().ok

    sign_in(page, "ana@example.org")
    assert "/accounts/login/" in page.url
    assert page.get_by_role("button", name="Sign in").is_visible()
