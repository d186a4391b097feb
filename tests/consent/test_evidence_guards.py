"""Guards on the checkpoint check: ``verify_checkpoints`` gives the exact answer (how
many checkpoints verified, where the chain ends, each problem in words, which records
have none) for every way the evidence store and the chain can disagree, and the
command's lines for missing checkpoints name the exact ranges.

An auditor acts on the line printed, so each case compares the whole result, not
only ``ok`` (mutants of single conditions survived the older tests; bench/MUTATION.md).
"""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection

from photolib.consent import evidence, signing
from photolib.consent.evidence import CheckpointVerification, LostRecord, verify_checkpoints
from photolib.consent.models import ConsentRecord
from tests.consent.conftest import grant, make_user

pytestmark = pytest.mark.django_db

NO_CHECKPOINT = "no checkpoint in the evidence store"


def grants(group, count: int) -> list[ConsentRecord]:
    """``count`` records with no checkpoint yet (their on-commit hooks never run)."""
    return [grant(make_user(f"g{i}@example.org"), group) for i in range(count)]


def anchor(*records: ConsentRecord) -> None:
    for record in records:
        evidence.checkpoint_write(sequence=record.sequence, head_hash=record.record_hash)


def store_as(sequence: int, token: str) -> None:
    """Put ``token`` where the checkpoint for ``sequence`` belongs (no overwrite check)."""
    storages["evidence"].save(evidence.checkpoint_name(sequence),
                              ContentFile(token.encode("ascii")))


def signed(claims: dict) -> str:
    return signing.sign_compact(claims, typ=evidence.CHECKPOINT_TYPE)


def delete_record(record: ConsentRecord) -> None:
    """Remove a record as a database superuser could (the trigger switched off)."""
    ident = record.pk.hex if connection.vendor == "sqlite" else record.pk
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE consent_consentrecord "
                           "DISABLE TRIGGER consent_record_append_only")
        cursor.execute("DELETE FROM consent_consentevidence WHERE record_id = %s", [ident])
        cursor.execute("DELETE FROM consent_consentrecord WHERE id = %s", [ident])


def test_an_empty_ledger_with_no_store_folder_is_fine(db):
    assert verify_checkpoints() == CheckpointVerification(checkpoints=0, chain_end=0,
                                                          problems=[], missing=[])
    assert verify_checkpoints().ok


def test_every_record_anchored_verifies_and_counts(group):
    records = grants(group, 3)
    anchor(*records)
    result = verify_checkpoints()
    assert result == CheckpointVerification(checkpoints=3, chain_end=3, problems=[], missing=[])
    assert result.ok and result.missing_lines() == []


def test_gaps_are_listed_and_worded_as_exact_ranges(group):
    records = grants(group, 7)
    anchor(records[0], records[3], records[5])  # #1, #4, #6
    result = verify_checkpoints()
    assert result == CheckpointVerification(checkpoints=3, chain_end=7, problems=[],
                                            missing=[2, 3, 5, 7])
    assert not result.ok
    assert result.missing_lines() == [
        f"records #2–#3 have {NO_CHECKPOINT}",
        f"record #5 has {NO_CHECKPOINT}",
        f"record #7 has {NO_CHECKPOINT}",
    ]


def test_a_long_run_and_a_lone_record_without_checkpoints(group):
    records = grants(group, 5)
    anchor(records[3])  # #4 only
    result = verify_checkpoints()
    assert result.missing == [1, 2, 3, 5]
    assert result.missing_lines() == [f"records #1–#3 have {NO_CHECKPOINT}",
                                      f"record #5 has {NO_CHECKPOINT}"]
    assert not result.ok and result.problems == []


def test_missing_lines_of_unordered_and_repeated_numbers():
    # ``missing`` is built in order; the wording still never merges a backwards step.
    lines = CheckpointVerification(missing=[3, 2, 2, 10, 11, 12]).missing_lines()
    assert lines == [f"record #3 has {NO_CHECKPOINT}", f"record #2 has {NO_CHECKPOINT}",
                     f"record #2 has {NO_CHECKPOINT}", f"records #10–#12 have {NO_CHECKPOINT}"]


def test_other_files_in_the_checkpoint_folder_are_not_checkpoints(group):
    [record] = grants(group, 1)
    anchor(record)
    store = storages["evidence"]
    for name in ("notes.txt", "000000000002.jws.bak", "2.jws", "x000000000003.jws",
                 "00000000004.jws", "0000000000005.jws"):
        store.save(f"{evidence.CHECKPOINT_DIR}/{name}", ContentFile(b"not a checkpoint"))
    assert verify_checkpoints() == CheckpointVerification(checkpoints=1, chain_end=1,
                                                          problems=[], missing=[])


def test_a_checkpoint_under_another_sequences_name_is_reported_not_counted(group):
    records = grants(group, 3)
    anchor(records[1], records[2])
    # #2's checkpoint, genuine and signed, copied under #1's name; the others still count.
    with storages["evidence"].open(evidence.checkpoint_name(2)) as fh:
        store_as(1, fh.read().decode())
    result = verify_checkpoints()
    lie = ("checkpoint checkpoints/000000000001.jws is signed for #2 of "
           "'photolib-consent-ledger', not for #1")
    assert result == CheckpointVerification(checkpoints=2, chain_end=3, problems=[lie],
                                            missing=[], untrusted=[lie])


def test_a_checkpoint_of_another_ledger_is_reported(group):
    [record] = grants(group, 1)
    store_as(1, signed({"ledger": "some-other-ledger", "sequence": 1,
                        "headHash": record.record_hash, "time": "2026-12-01T00:00:00+00:00",
                        "kid": signing.city_key().kid}))
    result = verify_checkpoints()
    lie = ("checkpoint checkpoints/000000000001.jws is signed for #1 of 'some-other-ledger', "
           "not for #1")
    assert result == CheckpointVerification(checkpoints=0, chain_end=1, problems=[lie],
                                            missing=[], untrusted=[lie])


def test_a_checkpoint_of_a_deleted_middle_record_is_reported(group):
    records = grants(group, 3)
    anchor(*records)
    delete_record(records[1])
    result = verify_checkpoints()
    assert result == CheckpointVerification(checkpoints=2, chain_end=3, problems=[
        "checkpoint #2 names a record that is not in the ledger: it was deleted"], missing=[],
        lost=[LostRecord(2, records[1].record_hash, None, beyond_end=False)])


def test_checkpoints_beyond_the_end_are_each_reported(group):
    records = grants(group, 3)
    anchor(*records)
    delete_record(records[2])
    delete_record(records[1])
    result = verify_checkpoints()
    beyond = "is beyond the chain's end (#1): records after #1 were deleted and the head moved back"
    assert result == CheckpointVerification(checkpoints=1, chain_end=1, problems=[
        f"checkpoint #2 {beyond}", f"checkpoint #3 {beyond}"], missing=[], lost=[
        LostRecord(2, records[1].record_hash, None, beyond_end=True),
        LostRecord(3, records[2].record_hash, None, beyond_end=True)])


def test_a_checkpoint_of_a_different_head_hash_is_reported(group):
    records = grants(group, 2)
    anchor(records[0])
    store_as(2, signed({"ledger": evidence.LEDGER_NAME, "sequence": 2, "headHash": "d" * 64,
                        "time": "2026-12-01T00:00:00+00:00", "kid": signing.city_key().kid}))
    assert verify_checkpoints() == CheckpointVerification(checkpoints=1, chain_end=2, problems=[
        f"checkpoint #2 signed head hash {'d' * 64}, but record #2 has "
        f"{records[1].record_hash}: records were rewritten"], missing=[],
        lost=[LostRecord(2, "d" * 64, None, beyond_end=False)])


def test_a_garbled_checkpoint_fails_its_signature_and_the_next_is_still_checked(group):
    records = grants(group, 2)
    anchor(records[1])
    storages["evidence"].save(evidence.checkpoint_name(1),
                              ContentFile("ünïcode garbage".encode()))
    result = verify_checkpoints()
    assert result.checkpoints == 1 and result.chain_end == 2 and result.missing == []
    [problem] = result.problems
    assert problem.startswith("checkpoint #1 (checkpoints/000000000001.jws) fails its "
                              "signature: this is not a signed receipt")
    assert problem.endswith("; the checkpoint was rewritten")


def test_a_checkpoint_over_the_read_bound_is_not_read_whole_and_fails(group):
    """A checkpoint is a few kilobytes; the check reads at most MAX_CHECKPOINT_BYTES of one,
    so a huge object in the store cannot exhaust memory. One just over the bound, though
    genuinely signed, is reported, never verified."""
    bound = evidence.MAX_CHECKPOINT_BYTES
    [record] = grants(group, 1)
    claims = {"ledger": evidence.LEDGER_NAME, "sequence": 1, "headHash": record.record_hash,
              "time": "2026-12-01T00:00:00+00:00", "kid": signing.city_key().kid, "pad": ""}
    token = signed(claims)
    claims["pad"] = "p" * ((bound - len(token)) * 3 // 4)  # base64: 4 chars per 3 bytes
    token = signed(claims)
    while len(token) < bound + 10:  # land a few bytes past the bound
        claims["pad"] += "p"
        token = signed(claims)
    assert bound < len(token) < bound + 1024
    assert signing.verify_compact(token)[1]["sequence"] == 1  # it is genuinely signed
    store_as(1, token)
    result = verify_checkpoints()
    assert (result.checkpoints, result.missing) == (0, [])
    [problem] = result.problems
    assert problem.startswith("checkpoint #1 (checkpoints/000000000001.jws) fails its "
                              "signature: ")


def test_an_unreadable_store_is_one_problem_and_nothing_checked(group, settings, tmp_path):
    [record] = grants(group, 1)
    anchor(record)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the evidence folder should be")
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": blocker}}}
    result = verify_checkpoints()
    assert result.checkpoints == 0 and result.chain_end == 1 and result.missing == []
    [problem] = result.problems
    assert problem.startswith("the evidence store ('evidence') cannot be read "
                              "(NotADirectoryError: ")
    assert problem.endswith("); no checkpoint was checked")
    assert not result.ok
