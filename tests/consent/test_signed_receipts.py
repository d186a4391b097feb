"""Signed receipts: a JWS with the city's key, its JWKS, and the public check."""

import base64
import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from joserfc import jws
from joserfc.jwk import KeySet

from photolib.consent import receipts, signing
from photolib.consent.models import CollectionMethod
from photolib.consent.services import RequestContext, consent_withdraw
from tests.conftest import staff_login
from tests.consent.conftest import grant

pytestmark = pytest.mark.django_db

VERIFY = "consent:verify_receipt"
API = "consent:verify_receipt_api"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def signed(group, resident):
    record = grant(resident, group)
    return record, receipts.receipt_jws(record)


def test_the_receipt_is_the_kantara_json_signed_and_checkable_with_the_published_jwks(
        client, signed):
    record, token = signed
    keys = client.get(reverse("consent:jwks"))
    assert keys.status_code == 200
    assert keys["Content-Type"] == "application/jwk-set+json"
    assert keys["Access-Control-Allow-Origin"] == "*"
    published = json.loads(keys.content)
    assert [k["kid"] for k in published["keys"]] == [signing.city_key().kid]
    assert all("d" not in k for k in published["keys"])  # never the private half
    # Anyone can check it with a JOSE library and the JWKS alone: no database, no site code.
    verified = jws.deserialize_compact(token, KeySet.import_key_set(published),
                                       algorithms=["EdDSA"])
    assert verified.headers() == {"alg": "EdDSA", "kid": signing.city_key().kid, "typ": "JWT"}
    assert json.loads(verified.payload) == receipts.receipt_json(record)


def test_resident_downloads_the_signed_receipt_and_others_cannot(client, signed, reviewer):
    record, token = signed
    url = reverse("consent:receipt_jws", args=[record.id])
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(record.user)
    page = client.get(record.get_absolute_url()).content.decode()
    assert url in page and reverse(VERIFY) in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/jwt"
    assert f'filename="consent-receipt-{record.id}.jwt"' in response["Content-Disposition"]
    assert response.content.decode() == token
    staff_login(client, reviewer)
    assert client.get(url).status_code == 200
    from tests.consent.conftest import make_user

    client.force_login(make_user("nosy@example.org"))
    assert client.get(url).status_code == 404


def test_the_receipt_email_carries_the_signed_receipt(group, resident,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = grant(resident, group)
    message = mail.outbox[-1]
    [(name, content, mimetype)] = message.attachments
    assert name == f"consent-receipt-{record.id}.jwt" and mimetype == "application/jwt"
    assert content == receipts.receipt_jws(record)
    assert receipts.receipt_verify(token=content).valid
    assert reverse(VERIFY) in message.body


def test_a_valid_receipt_is_confirmed_to_an_anonymous_visitor_without_personal_data(
        client, signed, resident):
    record, token = signed
    assert client.get(reverse(VERIFY)).status_code == 200
    response = client.post(reverse(VERIFY), {"receipt": token})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-result="valid"' in page and "Valid receipt" in page
    for fact in (str(record.id), record.group.name, f"#{record.sequence}", "consent given",
                 record.created_at.isoformat(timespec="seconds")):
        assert fact in page, fact
    for personal in (resident.email, resident.display_name, "203.0.113.7"):
        assert personal not in page.replace(token, ""), personal


def test_an_uploaded_withdrawal_receipt_is_valid_and_says_withdrawn(client, signed, resident):
    record, _ = signed
    withdrawal = consent_withdraw(user=resident, group=record.group, context=RequestContext(),
                                  method=CollectionMethod.WITHDRAW_BUTTON)
    upload = SimpleUploadedFile("r.jwt", receipts.receipt_jws(withdrawal).encode(),
                                content_type="application/jwt")
    page = client.post(reverse(VERIFY), {"file": upload}).content.decode()
    assert 'data-result="valid"' in page and "consent withdrawn" in page


def changed_byte(token: str) -> str:
    header, payload, sig = token.split(".")
    claims = unb64(payload).replace(b'"action":"GRANT"', b'"action":"GRANX"')
    assert claims != unb64(payload)
    return f"{header}.{b64(claims)}.{sig}"


def other_key(token: str) -> tuple[str, str]:
    from joserfc.jwk import OKPKey

    key = OKPKey.import_key(signing.generate_private_pem())
    payload = unb64(token.split(".")[1])
    forged = jws.serialize_compact({"alg": "EdDSA", "kid": key.thumbprint(), "typ": "JWT"},
                                   payload, key, algorithms=["EdDSA"])
    return forged, key.thumbprint()


@pytest.mark.parametrize("case", ["changed", "other_key", "same_kid_other_key", "garbage",
                                  "not_json", "unknown_record"])
def test_bad_receipts_are_refused_with_the_reason(client, signed, case, settings):
    record, token = signed
    expect = {"changed": ("changed", "changed after the city signed it"),
              "other_key": ("other_key", "signed by another key"),
              "same_kid_other_key": ("changed", "changed after the city signed it"),
              "garbage": ("malformed", "not a signed receipt"),
              "not_json": ("malformed", "content is not JSON"),
              "unknown_record": ("unknown_record", "the ledger has no record")}[case]
    if case == "changed":
        bad = changed_byte(token)
    elif case == "other_key":
        bad, kid = other_key(token)
    elif case == "same_kid_other_key":
        forged, _ = other_key(token)
        header = b64(json.dumps({"alg": "EdDSA", "kid": signing.city_key().kid,
                                 "typ": "JWT"}).encode())
        bad = f"{header}.{token.split('.')[1]}.{forged.split('.')[2]}"
    elif case == "garbage":
        bad = "this is ✗ not a receipt at all"
    elif case == "not_json":
        bad = signing.jws.serialize_compact(
            {"alg": "EdDSA", "kid": signing.city_key().kid}, b"plain words",
            signing.city_key().jwk, algorithms=["EdDSA"])
    else:
        claims = receipts.receipt_json(record)
        claims["consentReceiptID"] = "00000000-0000-4000-8000-000000000000"
        bad = signing.sign_compact(claims, typ="JWT")
    code, reason = expect
    page = client.post(reverse(VERIFY), {"receipt": bad})
    assert page.status_code == 400
    text = page.content.decode()
    assert f'data-result="{code}"' in text and "Not a valid receipt" in text
    assert reason in text.replace("&#x27;", "'")
    api = client.post(reverse(API), bad, content_type="text/plain")
    assert api.status_code == (400 if code == "malformed" else 200)
    answer = api.json()
    assert answer["valid"] is False and answer["code"] == code and reason in answer["reason"]
    if case == "other_key":
        assert kid in answer["reason"]


def test_a_receipt_whose_ledger_record_changed_is_not_valid(signed):
    record, _ = signed
    claims = receipts.receipt_json(record)
    claims["extensions"]["recordHash"] = "0" * 64  # as if the ledger held another record
    check = receipts.receipt_verify(token=signing.sign_compact(claims, typ="JWT"))
    assert (check.valid, check.code) == (False, "record_differs")
    assert check.facts["sequence"] == record.sequence


def test_empty_and_oversized_input_are_form_errors_not_failures(client, signed):
    _, token = signed
    empty = client.post(reverse(VERIFY), {"receipt": "  "})
    assert empty.status_code == 400
    assert "Paste a signed receipt or upload its .jwt file." in empty.content.decode()
    big = SimpleUploadedFile("big.jwt", b"a" * (receipts.MAX_RECEIPT_BYTES + 1))
    oversized = client.post(reverse(VERIFY), {"file": big})
    assert oversized.status_code == 400
    assert "a signed receipt is a few kilobytes" in oversized.content.decode()
    binary = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0 not text")
    assert "not a signed receipt" in client.post(reverse(VERIFY),
                                                 {"file": binary}).content.decode()
    both = client.post(reverse(VERIFY), {"receipt": token,
                                         "file": SimpleUploadedFile("r.jwt", token.encode())})
    assert "not both" in both.content.decode()


def test_the_json_endpoint_reads_every_way_of_sending_and_refuses_bad_requests(client,
                                                                               signed):
    record, token = signed
    as_json = client.post(reverse(API), {"receipt": token}, content_type="application/json")
    assert as_json.status_code == 200
    assert as_json.json() == {
        "valid": True, "code": "valid",
        "reason": f"signed by Example City (demo) and matching ledger record #{record.sequence}",
        "record": {"record_id": str(record.id), "group": record.group.name,
                   "agreement_version": 1, "action": "GRANT",
                   "time": record.created_at.isoformat(timespec="seconds"),
                   "sequence": record.sequence, "personal_data": "proven"}}
    as_file = client.post(reverse(API), {"file": SimpleUploadedFile("r.jwt", token.encode())})
    assert as_file.status_code == 200 and as_file.json()["valid"] is True
    assert client.post(reverse(API), "", content_type="text/plain").json()["code"] == "empty"
    assert client.post(reverse(API), "[1,2", content_type="application/json"
                       ).status_code == 400
    too_big = client.post(reverse(API), "a" * (4 * receipts.MAX_RECEIPT_BYTES + 1),
                          content_type="text/plain")
    assert too_big.status_code == 413 and too_big.json()["code"] == "too_large"
    upload = client.post(reverse(API), {"file": SimpleUploadedFile(
        "big.jwt", b"a" * (receipts.MAX_RECEIPT_BYTES + 1))})
    assert upload.status_code in (400, 413) and upload.json()["valid"] is False
    assert client.get(reverse(API)).status_code == 405
