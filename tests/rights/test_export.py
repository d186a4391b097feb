"""Export (GDPR Art. 15 and 20): "Download my data" gives one ZIP of everything."""

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from photolib.consent import receipts, signing
from photolib.consent.models import ConsentRecord
from photolib.csvcells import csv_cell
from photolib.photos import moderation
from tests.rights.conftest import download


@pytest.fixture
def exported(client, catalog_world, cleared, django_capture_on_commit_callbacks):
    resident = catalog_world["resident"]
    used = cleared("=Harbour at dusk", gps=(52.37, 4.89))  # a title a spreadsheet would run
    other = cleared("Quiet pier")
    with django_capture_on_commit_callbacks(execute=True):
        download(used, catalog_world["marketing"], campaign="Summer festival")
        moderation.photo_withdraw(photo_id=other.pk, acting_user=resident)
    officer = catalog_world["marketing"]
    officer.display_name = "Quentin Zedd"  # a name no other text contains
    officer.save(update_fields=["display_name"])
    client.force_login(resident)
    response = client.get(reverse("rights:export"))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    return {"zip": archive, "used": used, "other": other, "resident": resident,
            "officer": catalog_world["marketing"]}


def test_the_zip_holds_every_part(exported):
    archive, used, other = exported["zip"], exported["used"], exported["other"]
    names = set(archive.namelist())
    assert {"README.txt", "account.json", "photos.json", "photos.csv", "uses.json",
            "uses.csv", "consent-history.json", "consent-27560.jsonld"} <= names

    # Every original, byte for byte as stored.
    originals = sorted(n for n in names if n.startswith("originals/"))
    assert len(originals) == 2
    for photo in (used, other):
        name = next(n for n in originals if n.startswith(f"originals/{photo.pk}-"))
        with storages["originals"].open(photo.original_key, "rb") as fh:
            assert hashlib.sha256(archive.read(name)).hexdigest() == hashlib.sha256(
                fh.read()).hexdigest()

    account = json.loads(archive.read("account.json"))
    assert account["email"] == "rosa@example.org"
    photos = {p["id"]: p for p in json.loads(archive.read("photos.json"))}
    assert photos[str(used.pk)]["status"] == "approved" and photos[str(used.pk)]["uses"] == 1
    assert photos[str(other.pk)]["withdrawn_at"] is not None
    assert photos[str(used.pk)]["gps_latitude"] == pytest.approx(52.37, abs=0.01)
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(archive.read("photos.csv")
                                                               .decode()))}
    assert rows[str(used.pk)]["title"] == "'=Harbour at dusk"  # OWASP: never a formula
    assert rows[str(other.pk)]["status"] == "approved"

    uses = json.loads(archive.read("uses.json"))
    assert uses == [{"photo_id": str(used.pk), "photo_title": "=Harbour at dusk",
                     "use": "Websites", "campaign": "Summer festival",
                     "date": uses[0]["date"]}]
    assert uses[0]["date"]
    everything = b"".join(archive.read(n) for n in names if not n.startswith("originals/"))
    officer = exported["officer"]
    assert officer.email.encode() not in everything  # never staff names
    assert officer.display_name.encode() not in everything


def test_every_receipt_and_the_consent_history_are_in_it(exported):
    archive, resident = exported["zip"], exported["resident"]
    records = list(ConsentRecord.objects.filter(user=resident).order_by("sequence"))
    assert [r.action for r in records] == ["GRANT", "WITHDRAW_PHOTO"]
    history = json.loads(archive.read("consent-history.json"))
    assert [h["receipt_id"] for h in history] == [str(r.id) for r in records]
    assert history[1]["photo_id"] == str(exported["other"].pk)
    for record in records:
        token = archive.read(f"receipts/{record.id}.jwt").decode()
        _, payload = signing.verify_compact(token)
        assert payload["consentReceiptID"] == str(record.id)
        assert receipts.receipt_verify(token=token).valid
        kantara = json.loads(archive.read(f"receipts/{record.id}.kantara.json"))
        assert kantara["extensions"]["personalDataCommitment"]["salt"] == record.evidence.salt
        iso = json.loads(archive.read(f"receipts/{record.id}.27560.jsonld"))
        assert iso["receiptId"] == str(record.id)
    graph = json.loads(archive.read("consent-27560.jsonld"))["@graph"]
    assert len(graph) == 1


def test_exporting_twice_in_a_row_gives_the_same_parts(client, exported):
    again = client.get(reverse("rights:export"))
    assert again.status_code == 200
    second = zipfile.ZipFile(io.BytesIO(b"".join(again.streaming_content)))
    assert sorted(second.namelist()) == sorted(exported["zip"].namelist())
    assert second.read("photos.json") == exported["zip"].read("photos.json")


def test_only_a_signed_in_person_gets_an_export(client, db):
    response = client.get(reverse("rights:export"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("value, cell", [("=1+1", "'=1+1"), ("+x", "'+x"), ("-x", "'-x"),
                                         ("@x", "'@x"), ("\tx", "'\tx"), ("plain", "plain"),
                                         (None, "")])
def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(value, cell):
    assert csv_cell(value) == cell
