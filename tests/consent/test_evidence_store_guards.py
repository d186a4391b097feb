"""Guards on what the evidence store holds and how it is read back: the checkpoint a
record gets (its exact claims and name, the refusal to replace one, the error logged when
the store is down, the gap-filling), the restore statements ``reconcile`` signs, the lost
record's line, and the photo ids the storage sweep must keep.

An auditor reads these files without our database; each test compares the whole answer
(mutants of single claims, names and lines survived the older tests; bench/MUTATION.md).
"""

import logging
import re
import uuid
from datetime import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from photolib.consent import evidence, services, signing
from photolib.consent.evidence import CheckpointExists, LostRecord
from tests.consent.conftest import grant, make_user

pytestmark = pytest.mark.django_db


def stored(name: str) -> tuple[dict, dict]:
    with storages["evidence"].open(name, "rb") as fh:
        return signing.verify_compact(fh.read().decode("ascii"))


def _time(value: str) -> datetime:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", value), value
    return datetime.fromisoformat(value)


# --- a record's checkpoint ---------------------------------------------------------------

def test_a_checkpoint_holds_exactly_its_claims_under_its_sequences_name(group):
    record = grant(make_user("ann@example.org"), group)
    fields = record.canonical_fields()
    name = evidence.checkpoint_write(sequence=record.sequence, head_hash=record.record_hash,
                                     record=fields)
    assert name == f"checkpoints/{record.sequence:012d}.jws"
    header, payload = stored(name)
    assert header["typ"] == "photolib-checkpoint+jws"
    assert set(payload) == {"ledger", "sequence", "headHash", "time", "kid", "record"}
    assert payload["ledger"] == "photolib-consent-ledger"
    assert payload["sequence"] == record.sequence
    assert payload["headHash"] == record.record_hash
    assert payload["kid"] == signing.city_key().kid
    assert payload["record"] == fields
    _time(payload["time"])


def test_a_checkpoint_without_the_record_has_no_record_claim(group):
    record = grant(make_user("ann@example.org"), group)
    name = evidence.checkpoint_write(sequence=record.sequence, head_hash=record.record_hash)
    assert "record" not in stored(name)[1]


def test_an_existing_checkpoint_is_refused_in_words_and_left_as_it_was(group):
    record = grant(make_user("ann@example.org"), group)
    name = evidence.checkpoint_write(sequence=record.sequence, head_hash=record.record_hash)
    before = stored(name)[1]
    with pytest.raises(CheckpointExists) as caught:
        evidence.checkpoint_write(sequence=record.sequence, head_hash="0" * 64)
    assert str(caught.value) == (f"the checkpoint for #{record.sequence} exists and is "
                                 "never replaced")
    assert stored(name)[1] == before


def test_beside_a_superseded_checkpoint_a_second_one_is_refused_in_words(group):
    record = grant(make_user("ann@example.org"), group)
    evidence.checkpoint_write(sequence=record.sequence, head_hash="a" * 64)
    evidence.restore_statement_write(
        restored_to=(0, ""), superseded=[{"sequence": record.sequence, "headHash": "a" * 64,
                                          "recordId": str(uuid.uuid4()), "action": "GRANT",
                                          "reconciledAs": None, "note": "lost"}])
    beside = evidence.checkpoint_write(sequence=record.sequence, head_hash=record.record_hash)
    assert beside == f"checkpoints/{record.sequence:012d}.{record.record_hash[:16]}.jws"
    with pytest.raises(CheckpointExists) as caught:
        evidence.checkpoint_write(sequence=record.sequence, head_hash=record.record_hash)
    assert str(caught.value) == (f"the checkpoint for #{record.sequence} "
                                 f"({record.record_hash[:16]}) exists and is never replaced")
    result = evidence.verify_checkpoints()
    assert (result.superseded, result.checkpoints, result.problems) == (1, 1, [])


def test_a_copy_written_concurrently_is_refused_and_named(group, monkeypatch):
    record = grant(make_user("ann@example.org"), group)
    evidence.checkpoint_write(sequence=record.sequence, head_hash=record.record_hash)
    store = storages["evidence"]
    # Another writer stored it between our check and our write: our check saw nothing
    # (the storage's own later checks see the file, and keep both copies).
    real_exists, calls = store.exists, []

    def exists(name):
        calls.append(name)
        return False if len(calls) == 1 else real_exists(name)

    monkeypatch.setattr(store, "exists", exists)
    with pytest.raises(CheckpointExists) as caught:
        evidence.checkpoint_write(sequence=record.sequence, head_hash=record.record_hash)
    message = str(caught.value)
    prefix = f"the checkpoint for #{record.sequence} was written concurrently; this copy went to "
    assert message.startswith(prefix)
    stray = message.removeprefix(prefix)
    assert stray.startswith(f"checkpoints/{record.sequence:012d}") and stray != \
        evidence.checkpoint_name(record.sequence)


def test_a_store_that_fails_at_append_time_is_logged_in_words_and_never_raises(group,
                                                                               caplog):
    record = grant(make_user("ann@example.org"), group)
    evidence.checkpoint_write(sequence=record.sequence, head_hash=record.record_hash)
    with caplog.at_level(logging.ERROR, logger="photolib.consent.evidence"):
        evidence.checkpoint_after_append(sequence=record.sequence,
                                         head_hash=record.record_hash)
    (entry,) = [r for r in caplog.records if r.name == "photolib.consent.evidence"]
    assert entry.levelno == logging.ERROR and entry.exc_info[0] is CheckpointExists
    assert entry.getMessage() == (
        f"consent ledger: the checkpoint for #{record.sequence} could not be written to the "
        "'evidence' storage; `manage.py verify_consent_ledger --write-missing` writes it "
        "once the store is back")


def test_filling_gaps_writes_each_missing_checkpoint_with_its_record(group):
    records = [grant(make_user(f"g{i}@example.org"), group) for i in range(3)]
    evidence.checkpoint_write(sequence=records[1].sequence, head_hash=records[1].record_hash)
    assert evidence.checkpoints_write_missing() == [records[0].sequence, records[2].sequence]
    for record in records[0], records[2]:
        payload = stored(evidence.checkpoint_name(record.sequence))[1]
        assert payload["headHash"] == record.record_hash
        assert payload["record"] == record.canonical_fields()
    assert evidence.verify_checkpoints().ok
    assert evidence.checkpoints_write_missing() == []


# --- restore statements ------------------------------------------------------------------

SUPERSEDED = [{"sequence": 3, "headHash": "c" * 64, "recordId": "r3", "action": "GRANT",
               "reconciledAs": None, "note": "reported"}]


def test_a_restore_statement_holds_exactly_its_claims(db):
    name = evidence.restore_statement_write(restored_to=(2, "b" * 64), superseded=SUPERSEDED)
    assert re.fullmatch(r"restores/\d{8}T\d{6}\d{6}Z-[0-9a-f]{8}\.jws", name), name
    header, payload = stored(name)
    assert header["typ"] == "photolib-restore+jws"
    assert set(payload) == {"ledger", "statement", "restoredTo", "superseded", "time", "kid"}
    assert payload["ledger"] == "photolib-consent-ledger"
    assert payload["statement"] == "restore"
    assert payload["restoredTo"] == {"sequence": 2, "headHash": "b" * 64}
    assert payload["superseded"] == SUPERSEDED
    assert payload["kid"] == signing.city_key().kid
    _time(payload["time"])
    assert evidence.restore_statements() == ([payload], [])
    assert evidence.superseded_sequences() == {3}


def test_restore_statements_are_read_oldest_first_and_other_files_ignored(db):
    store = storages["evidence"]
    first = evidence.restore_statement_write(restored_to=(1, "a" * 64), superseded=[])
    second = evidence.restore_statement_write(restored_to=(2, "b" * 64), superseded=SUPERSEDED)
    store.save("restores/notes.txt", ContentFile(b"not a statement"))
    store.save("restores/00000000T000000000000Z-0123abcd.jws.bak", ContentFile(b"x"))
    statements, problems = evidence.restore_statements()
    assert problems == []
    assert [s["restoredTo"]["sequence"] for s in statements] == (
        [1, 2] if first < second else [2, 1])


def test_a_rewritten_or_foreign_restore_statement_is_a_problem_in_words(db):
    store = storages["evidence"]
    good = evidence.restore_statement_write(restored_to=(1, "a" * 64), superseded=SUPERSEDED)
    token = signing.sign_compact({"ledger": "another-ledger", "superseded": []},
                                 typ=evidence.RESTORE_TYPE)
    foreign = store.save("restores/20260101T000000000000Z-0000aaaa.jws",
                         ContentFile(token.encode("ascii")))
    not_a_list = store.save("restores/20260101T000000000001Z-0000bbbb.jws", ContentFile(
        signing.sign_compact({"ledger": evidence.LEDGER_NAME, "superseded": "all"},
                             typ=evidence.RESTORE_TYPE).encode("ascii")))
    garbled = store.save("restores/20260101T000000000002Z-0000cccc.jws",
                         ContentFile(b"abc.def.ghi"))
    statements, problems = evidence.restore_statements()
    assert [s["restoredTo"] for s in statements] == [{"sequence": 1, "headHash": "a" * 64}]
    assert problems[:2] == [
        f"restore statement {foreign} is not a statement about this ledger",
        f"restore statement {not_a_list} is not a statement about this ledger"]
    assert len(problems) == 3 and problems[2].startswith(
        f"restore statement {garbled} fails its signature: ")
    assert problems[2].endswith("; it was rewritten or signed by another key, and "
                                "supersedes nothing")
    assert good.startswith("restores/")
    assert evidence.superseded_sequences() == {3}
    # The checkpoint check lists each as a problem nobody can settle by re-recording.
    result = evidence.verify_checkpoints()
    assert result.untrusted == result.problems == problems


# --- lost records --------------------------------------------------------------------------

FIELDS = {"action": "GRANT", "group_id": 7, "user_id": 42, "created_at": "2026-12-01T10:00:00Z",
          "id": "abc"}


def test_a_lost_record_is_described_in_full_words():
    lost = LostRecord(sequence=5, head_hash="f" * 64, fields=FIELDS, beyond_end=True)
    assert lost.describe({7: "Harbour Photos"}) == (
        "record #5 (GRANT, group “Harbour Photos” (id 7), account 42, recorded "
        "2026-12-01T10:00:00Z, id abc)")
    assert lost.describe() == lost.describe({8: "Other"}) == (
        "record #5 (GRANT, group (id 7), account 42, recorded 2026-12-01T10:00:00Z, id abc)")
    assert (lost.action, lost.photo_id) == ("GRANT", "")


def test_a_lost_photo_withdrawal_names_the_photo_and_its_title():
    fields = {**FIELDS, "action": "WITHDRAW_PHOTO", "photo_id": "p-1", "photo_title": "Boats"}
    lost = LostRecord(sequence=6, head_hash="e" * 64, fields=fields, beyond_end=False)
    assert lost.describe({7: "Harbour Photos"}) == (
        "record #6 (WITHDRAW_PHOTO of photo p-1 “Boats”, group “Harbour Photos” (id 7), "
        "account 42, recorded 2026-12-01T10:00:00Z, id abc)")
    assert lost.photo_id == "p-1"
    untitled = {key: value for key, value in fields.items() if key != "photo_title"}
    assert LostRecord(sequence=6, head_hash="e" * 64, fields=untitled,
                      beyond_end=False).describe().startswith(
        "record #6 (WITHDRAW_PHOTO of photo p-1 “”, group (id 7)")


def test_a_lost_record_without_fields_says_it_cannot_be_told():
    lost = LostRecord(sequence=9, head_hash="d" * 64, fields=None, beyond_end=True)
    assert lost.describe({7: "x"}) == (
        f"record #9 (hash {'d' * 64}): its checkpoint carries no record fields, so what it "
        "was cannot be told")
    assert (lost.action, lost.photo_id) == ("", "")


def test_record_fields_that_do_not_hash_to_the_signed_head_prove_nothing(group):
    record = grant(make_user("ann@example.org"), group)
    evidence.checkpoint_write(sequence=record.sequence, head_hash=record.record_hash,
                              record=record.canonical_fields())
    forged = {**record.canonical_fields(), "sequence": record.sequence + 1}
    evidence.checkpoint_write(sequence=record.sequence + 1, head_hash="9" * 64, record=forged)
    (lost,) = evidence.verify_checkpoints().lost
    assert (lost.sequence, lost.fields, lost.beyond_end) == (record.sequence + 1, None, True)


# --- what the storage sweep keeps ----------------------------------------------------------

def test_withdrawn_photo_ids_are_read_from_photo_withdrawal_checkpoints_only(
        group, django_capture_on_commit_callbacks):
    ann = make_user("ann@example.org")
    photo_id = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        grant(ann, group)
        record = services.consent_withdraw_photo(
            user=ann, group=group, version=group.current_version(), photo_id=photo_id,
            photo_title="Boats at dawn", context=services.RequestContext())
    assert evidence.withdrawn_photo_ids() == {str(photo_id)}
    # A checkpoint that fails its signature names nothing, whatever it says, and the
    # ones after it are still read.
    assert record.sequence > 0
    storages["evidence"].save(evidence.checkpoint_name(0), ContentFile(b"abc.def.ghi"))
    assert evidence.withdrawn_photo_ids() == {str(photo_id)}


def test_no_checkpoints_no_withdrawn_photos(db):
    assert evidence.withdrawn_photo_ids() == set()
