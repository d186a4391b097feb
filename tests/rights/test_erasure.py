"""Erasure (GDPR Art. 17): "Delete my account" and ``manage.py erase_account``."""

import io

import pytest
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.urls import reverse

from photolib.accounts.models import User
from photolib.catalog.models import Download
from photolib.consent import receipts
from photolib.consent.ledger import verify_ledger
from photolib.consent.models import CollectionMethod, ConsentEvidence, ConsentRecord
from photolib.consent.selectors import membership
from photolib.consent.services import RequestContext
from photolib.photos import moderation
from photolib.photos.models import Photo
from photolib.rights.models import ErasureLog
from tests.catalog.conftest import upload
from tests.conftest import staff_login
from tests.consent.conftest import grant, make_user, publish
from tests.rights.conftest import PASSWORD, download, files_containing, rows_containing

IP = "198.51.100.23"
AGENT = "ResidentBrowser/1.0"


@pytest.fixture
def world(catalog_world, cleared, django_capture_on_commit_callbacks):
    """Rosa in two groups (one joined from IP), a used photo, an unused one, a rejected one."""
    resident = catalog_world["resident"]
    from photolib.consent.models import CommunityGroup

    parks = CommunityGroup.objects.create(name="Park Photos", slug="parks")
    publish(parks)
    with django_capture_on_commit_callbacks(execute=True):
        parks_grant = grant(resident, parks, RequestContext(ip_address=IP, user_agent=AGENT))
    used = cleared("Harbour at dusk", gps=(52.37, 4.89))
    with django_capture_on_commit_callbacks(execute=True):
        download(used, catalog_world["marketing"])
    unused = cleared("Quiet pier")
    with django_capture_on_commit_callbacks(execute=True):
        rejected = upload(resident, catalog_world["group"], "Blurry boat", gps=(52.1, 4.2))
    with django_capture_on_commit_callbacks(execute=True):
        moderation.photo_reject(photo_id=rejected.pk, acting_user=catalog_world["reviewer"],
                                reason="Out of focus")
    return {**catalog_world, "parks": parks, "parks_grant": parks_grant, "used": used,
            "unused": unused, "rejected": Photo.objects.get(pk=rejected.pk)}


def _sign_in(client, email, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password},
                       REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT)


def test_the_page_says_what_happens_and_a_wrong_password_changes_nothing(client, world):
    assert _sign_in(client, "rosa@example.org").status_code == 302
    page = client.get(reverse("rights:erase"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "1 of your photos was already used" in body and "Art. 17(3)(e)" in body
    evidence_before = ConsentEvidence.objects.count()
    wrong = client.post(reverse("rights:erase"), {"password": "not-it", "confirm": "on"})
    assert wrong.status_code == 400 and "not your password" in wrong.content.decode()
    unconfirmed = client.post(reverse("rights:erase"), {"password": PASSWORD})
    assert unconfirmed.status_code == 400 and "errorlist" in unconfirmed.content.decode()
    resident = User.objects.get(pk=world["resident"].pk)
    assert resident.is_active and resident.email == "rosa@example.org"
    assert ConsentEvidence.objects.count() == evidence_before
    assert Photo.objects.filter(owner=resident).count() == 3
    assert not ErasureLog.objects.exists()


def test_erasure_leaves_no_personal_data_and_the_ledger_still_proves_the_receipt(
        client, world, storage_root, django_capture_on_commit_callbacks):
    resident, used = world["resident"], world["used"]
    token = receipts.receipt_jws(world["parks_grant"])  # the resident kept this receipt
    unused_key, rejected_key = world["unused"].original_key, world["rejected"].original_key
    assert _sign_in(client, "rosa@example.org").status_code == 302
    assert rows_containing(IP) and rows_containing("rosa@example.org")  # before: present
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rights:erase"),
                               {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 200 and "account is deleted" in response.content.decode()

    assert rows_containing("rosa@example.org") == []
    assert rows_containing(IP) == []
    assert rows_containing(AGENT) == []
    assert files_containing(storage_root, "rosa@example.org") == []
    assert files_containing(storage_root, IP) == []

    erased = User.objects.get(pk=resident.pk)
    assert not erased.is_active and not erased.has_usable_password()
    assert erased.email == f"erased-{resident.pk}@erased.invalid"
    assert not ConsentEvidence.objects.filter(record__user=erased).exists()
    for group in (world["group"], world["parks"]):
        assert not membership(erased, group).is_member
    withdrawals = ConsentRecord.objects.filter(user=erased, action="WITHDRAW")
    assert {r.collection_method for r in withdrawals} == {CollectionMethod.ERASURE}
    assert withdrawals.count() == 2
    assert verify_ledger().ok

    check = receipts.receipt_verify(token=token)
    assert check.valid and check.facts["personal_data"] == "proven"

    # The used photo is withdrawn and kept, with its original; the others are gone.
    kept = Photo.objects.get(pk=used.pk)
    assert kept.withdrawn_at is not None and kept.legal_hold_until is not None
    assert (kept.legal_hold_until - kept.withdrawn_at).days >= 6 * 365 - 1
    assert storages["originals"].exists(kept.original_key)
    assert Download.objects.filter(photo=kept).count() == 1
    assert not Photo.objects.filter(pk__in=[world["unused"].pk, world["rejected"].pk]).exists()
    assert not storages["originals"].exists(unused_key)
    assert not storages["originals"].exists(rejected_key)
    assert not Photo.objects.cleared().filter(owner=erased).exists()
    sweep = io.StringIO()
    call_command("sweep_storage", stdout=sweep)  # nothing half-deleted, either way
    assert "0 object(s) without a row, 0 row(s) without an object" in sweep.getvalue()

    log = ErasureLog.objects.get(account=erased)
    assert (log.via, log.photos_deleted, log.records_withdrawn) == ("resident", 2, 2)
    assert [k["photo_id"] for k in log.photos_kept] == [str(used.pk)]
    staff_login(client, world["reviewer"])
    page = client.get(reverse("rights:erasure_log")).content.decode()
    assert f"#{erased.pk}" in page and str(used.pk) in page and "legal defence" in page

    client.logout()
    refused = _sign_in(client, "rosa@example.org")
    assert refused.status_code == 200 and "_auth_user_id" not in client.session


def test_erasure_waits_for_an_upload_still_processing(client, world):
    resident = world["resident"]
    # Committed but its ingest never ran: the photo is still processing.
    processing = upload(resident, world["group"], "Still arriving")
    assert processing.status == Photo.Status.PROCESSING
    client.force_login(resident)
    evidence_before = ConsentEvidence.objects.count()
    response = client.post(reverse("rights:erase"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 409 and "still being processed" in response.content.decode()
    assert User.objects.get(pk=resident.pk).is_active
    assert Photo.objects.filter(owner=resident).count() == 4
    assert storages["originals"].exists(processing.original_key)
    assert ConsentEvidence.objects.count() == evidence_before
    assert not ErasureLog.objects.exists()


def test_a_superuser_erases_an_account_on_a_letter(world, capsys):
    admin = User.objects.create_superuser("chief@example.org", "a-long-admin-password",
                                          display_name="Chief")
    with pytest.raises(CommandError, match="No account"):
        call_command("erase_account", "nobody@example.org", by="chief@example.org")
    with pytest.raises(CommandError, match="superuser"):
        call_command("erase_account", "rosa@example.org", by="rita@example.org")
    call_command("erase_account", "ROSA@example.org", by="chief@example.org")
    out = capsys.readouterr().out
    assert "2 photo(s) deleted, 1 kept for legal defence" in out
    log = ErasureLog.objects.get()
    assert (log.via, log.acting_user) == ("letter", admin)
    assert verify_ledger().ok
    with pytest.raises(CommandError, match="already erased"):
        call_command("erase_account", f"erased-{log.account_id}@erased.invalid",
                     by="chief@example.org")


def test_someone_else_may_not_erase_an_account(world):
    from photolib.rights import errors
    from photolib.rights.erasure import account_erase

    with pytest.raises(errors.NotAllowed):
        account_erase(user=world["resident"], acting_user=make_user("eve@example.org"))
    assert User.objects.get(pk=world["resident"].pk).is_active
