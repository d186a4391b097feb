"""A resident downloads their signed receipt; a stranger checks it, in Chromium."""

import pytest
from django.core.management import call_command

from photolib.consent.models import ConsentRecord
from tests.e2e.test_accounts_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_downloaded_signed_receipt_is_valid_on_the_public_check_page(page, browser,
                                                                     live_server, tmp_path):
    call_command("seed_demo", quiet_logins=True)
    record = ConsentRecord.objects.select_related("group").order_by("sequence").first()
    sign_in(page, record.subject_email, "resident-demo-pass")
    page.goto(record.get_absolute_url())
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the signed receipt (JWS)").click()
    download = download_info.value
    assert download.suggested_filename == f"consent-receipt-{record.id}.jwt"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    # Someone with no account checks the file the resident handed them.
    stranger = browser.new_context(base_url=live_server.url)
    try:
        check = stranger.new_page()
        check.goto("/consent/verify/")
        check.get_by_label("…or upload the .jwt file").set_input_files(str(saved))
        check.get_by_role("button", name="Check the receipt").click()
        result = check.get_by_role("status")
        assert result.get_by_role("heading").inner_text() == "Valid receipt"
        text = result.inner_text()
        assert record.group.name in text and str(record.id) in text
        assert record.subject_email not in check.content()

        token = saved.read_text()
        i = len(token) - 20  # inside the signature, away from base64's padding bits
        tampered = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]
        check.get_by_label("Paste the signed receipt").fill(tampered)
        check.get_by_role("button", name="Check the receipt").click()
        assert (check.get_by_role("status").get_by_role("heading").inner_text()
                == "Not a valid receipt")
    finally:
        stranger.close()
