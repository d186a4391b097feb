"""The ledger's head, anchored outside the database by signed checkpoints.

Each tampering a database superuser could do is done here with raw SQL (the
append-only trigger switched off inside the test's transaction on PostgreSQL),
and ``verify_consent_ledger`` must name it and exit 1.
"""

import base64
import json
import logging

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection

from photolib.consent import evidence, signing
from photolib.consent.ledger import verify_ledger
from photolib.consent.models import ConsentRecord, LedgerHead
from photolib.storage_config import s3_storages
from tests.consent.conftest import grant, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def appended(group, django_capture_on_commit_callbacks):
    """Three grants, committed as far as on-commit hooks go: three checkpoints."""
    with django_capture_on_commit_callbacks(execute=True):
        return [grant(make_user(f"p{i}@example.org"), group) for i in range(3)]


def verify(capsys) -> tuple[int, str, str]:
    try:
        call_command("verify_consent_ledger")
        code = 0
    except SystemExit as exit_info:
        code = exit_info.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def raw(sql: str, params: list) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The test runs as the database's superuser; deferred FK checks fire first,
            # or ALTER TABLE refuses. All of it is rolled back with the test.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE consent_consentrecord "
                           "DISABLE TRIGGER consent_record_append_only")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def pk(record) -> object:
    return record.pk.hex if connection.vendor == "sqlite" else record.pk


def test_each_append_writes_one_signed_checkpoint_of_the_new_head(appended, capsys):
    store = storages["evidence"]
    _, files = store.listdir("checkpoints")
    assert sorted(files) == ["000000000001.jws", "000000000002.jws", "000000000003.jws"]
    for record in appended:
        with store.open(evidence.checkpoint_name(record.sequence)) as fh:
            header, payload = signing.verify_compact(fh.read().decode())
        assert header == {"alg": "EdDSA", "kid": signing.city_key().kid,
                          "typ": evidence.CHECKPOINT_TYPE}
        assert payload["sequence"] == record.sequence
        assert payload["headHash"] == record.record_hash
        assert payload["kid"] == signing.city_key().kid
        assert payload["time"] >= record.created_at.isoformat(timespec="microseconds")
    code, out, err = verify(capsys)
    assert code == 0, err
    assert "OK: 3 records" in out and "OK: 3 checkpoints" in out


def test_a_checkpoint_is_never_overwritten(appended):
    name = evidence.checkpoint_name(2)
    before = storages["evidence"].open(name).read()
    with pytest.raises(evidence.CheckpointExists):
        evidence.checkpoint_write(sequence=2, head_hash="f" * 64)
    assert storages["evidence"].open(name).read() == before
    assert sorted(storages["evidence"].listdir("checkpoints")[1])[-1] == "000000000003.jws"
    assert len(storages["evidence"].listdir("checkpoints")[1]) == 3


def test_deleting_the_newest_record_and_moving_the_head_back_is_caught(appended, capsys):
    newest, before = appended[-1], appended[-2]
    raw("DELETE FROM consent_consentevidence WHERE record_id = %s", [pk(newest)])
    raw("DELETE FROM consent_consentrecord WHERE id = %s", [pk(newest)])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE consent_ledgerhead SET last_sequence = %s, last_hash = %s "
                       "WHERE id = 1", [before.sequence, before.record_hash])
    assert verify_ledger().ok  # the chain alone cannot tell
    code, out, err = verify(capsys)
    assert code == 1
    assert "OK: 2 records" in out
    assert ("CHECKPOINT: checkpoint #3 is beyond the chain's end (#2): records after #2 were "
            "deleted and the head moved back.") in err


def test_rewriting_records_and_recomputing_the_chain_is_caught(appended, capsys):
    victim = ConsentRecord.objects.get(pk=appended[-1].pk)
    victim.personal_commitment = "c" * 64  # as if someone else's data, its evidence erased
    forged_hash = victim.compute_hash()
    raw("DELETE FROM consent_consentevidence WHERE record_id = %s", [pk(victim)])
    raw("UPDATE consent_consentrecord SET personal_commitment = %s, record_hash = %s "
        "WHERE id = %s", [victim.personal_commitment, forged_hash, pk(victim)])
    LedgerHead.objects.filter(id=1).update(last_hash=forged_hash)
    assert verify_ledger().ok  # hashes and links were all recomputed
    code, _, err = verify(capsys)
    assert code == 1
    assert (f"CHECKPOINT: checkpoint #3 signed head hash {appended[-1].record_hash}, but "
            f"record #3 has {forged_hash}: records were rewritten.") in err


def test_a_record_altered_in_place_is_caught_by_chain_and_checkpoint(appended, capsys):
    victim = appended[1]
    raw("UPDATE consent_consentrecord SET record_hash = %s WHERE id = %s",
        ["e" * 64, pk(victim)])
    code, _, err = verify(capsys)
    assert code == 1
    assert f"BROKEN at record #2 ({victim.pk})" in err
    assert "checkpoint #2 signed head hash" in err and "records were rewritten" in err


def test_a_rewritten_checkpoint_fails_its_signature(appended, capsys, _file_storage):
    path = _file_storage / "evidence" / evidence.checkpoint_name(3)
    header, payload, sig = path.read_text().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["headHash"] = "a" * 64
    forged = base64.urlsafe_b64encode(signing.canonical_json(claims)).rstrip(b"=").decode()
    path.write_text(f"{header}.{forged}.{sig}")
    code, _, err = verify(capsys)
    assert code == 1
    assert "CHECKPOINT: checkpoint #3 (checkpoints/000000000003.jws) fails its signature" in err
    assert "changed after the city signed it" in err and "the checkpoint was rewritten" in err
    assert "no checkpoint" not in err  # reported once, not also as missing


def test_a_checkpoint_signed_by_another_key_is_refused(appended, capsys, _file_storage,
                                                      settings):
    ours = settings.PHOTOLIB_SIGNING_KEY_PEM
    settings.PHOTOLIB_SIGNING_KEY_PEM = signing.generate_private_pem()
    foreign = signing.sign_compact({"ledger": evidence.LEDGER_NAME, "sequence": 3,
                                    "headHash": appended[-1].record_hash,
                                    "time": "2030-01-01T00:00:00+00:00", "kid": "x"},
                                   typ=evidence.CHECKPOINT_TYPE)
    other_kid = signing.city_key().kid
    settings.PHOTOLIB_SIGNING_KEY_PEM = ours
    (_file_storage / "evidence" / evidence.checkpoint_name(3)).write_text(foreign)
    code, _, err = verify(capsys)
    assert code == 1
    assert "checkpoint #3 (checkpoints/000000000003.jws) fails its signature" in err
    assert f"signed by another key (kid '{other_kid}')" in err


def test_a_store_down_at_append_time_keeps_the_consent_and_is_repaired(
        group, resident, settings, tmp_path, caplog, capsys,
        django_capture_on_commit_callbacks):
    working = settings.STORAGES
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the evidence folder should be")
    settings.STORAGES = {**working, "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": blocker / "evidence"}}}
    with caplog.at_level(logging.ERROR, logger="photolib.consent.evidence"), \
            django_capture_on_commit_callbacks(execute=True):
        record = grant(resident, group)
    assert ConsentRecord.objects.filter(pk=record.pk).exists()  # the consent stands
    assert "the checkpoint for #1 could not be written" in caplog.text
    code, _, err = verify(capsys)
    assert code == 1 and "CHECKPOINT: the evidence store ('evidence') cannot be read" in err

    settings.STORAGES = working  # the store is back
    code, _, err = verify(capsys)
    assert code == 1 and "CHECKPOINT: record #1 has no checkpoint in the evidence store." in err
    assert "--write-missing" in err
    call_command("verify_consent_ledger", "--write-missing")
    out = capsys.readouterr().out
    assert "Wrote 1 missing checkpoint(s)." in out and "OK: 1 checkpoints" in out
    with storages["evidence"].open(evidence.checkpoint_name(1)) as fh:
        assert signing.verify_compact(fh.read().decode())[1]["headHash"] == record.record_hash


def test_write_missing_refuses_while_the_ledger_is_broken(group, resident, capsys):
    records = [grant(make_user(f"q{i}@example.org"), group) for i in range(2)]  # no hooks run
    raw("UPDATE consent_consentrecord SET record_hash = %s WHERE id = %s",
        ["e" * 64, pk(records[0])])
    with pytest.raises(SystemExit):
        call_command("verify_consent_ledger", "--write-missing")
    assert "Not writing missing checkpoints" in capsys.readouterr().err
    assert evidence.verify_checkpoints().missing == [1, 2]


@pytest.mark.s3
def test_checkpoints_land_in_the_evidence_bucket(s3_bucket, group, resident, settings, capsys,
                                                 django_capture_on_commit_callbacks):
    """Production keeps checkpoints in a bucket of their own with Object Lock."""
    client = s3_bucket.client
    evidence_bucket = f"{s3_bucket.name}-evidence"
    client.create_bucket(Bucket=evidence_bucket, ObjectLockEnabledForBucket=True)
    client.put_object_lock_configuration(Bucket=evidence_bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    server = s3_bucket.server
    settings.STORAGES = s3_storages(
        bucket=s3_bucket.name, region=server.region, endpoint_url=server.endpoint_url,
        access_key=server.access_key, secret_key=server.secret_key,
        evidence_bucket=evidence_bucket)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            record = grant(resident, group)
        key = "evidence/checkpoints/000000000001.jws"
        listed = client.list_objects_v2(Bucket=evidence_bucket)["Contents"]
        assert [o["Key"] for o in listed] == [key]
        assert s3_bucket.list_keys("evidence/") == []  # not in the photos' bucket
        head = client.head_object(Bucket=evidence_bucket, Key=key)
        assert head["ServerSideEncryption"] == "AES256"
        assert head["ObjectLockMode"] == "GOVERNANCE"  # the bucket's default retention
        body = client.get_object(Bucket=evidence_bucket, Key=key)["Body"].read().decode()
        assert signing.verify_compact(body)[1]["headHash"] == record.record_hash
        with pytest.raises(evidence.CheckpointExists):
            evidence.checkpoint_write(sequence=1, head_hash="f" * 64)
        code, out, err = verify(capsys)
        assert code == 0, err
        assert "OK: 1 checkpoints" in out
    finally:
        versions = client.list_object_versions(Bucket=evidence_bucket).get("Versions", [])
        for v in versions:
            client.delete_object(Bucket=evidence_bucket, Key=v["Key"], VersionId=v["VersionId"],
                                 BypassGovernanceRetention=True)
        client.delete_bucket(Bucket=evidence_bucket)
