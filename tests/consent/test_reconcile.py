"""``reconcile`` on both databases: a restore simulated by removing the newest records (as
an older backup would lack them) and moving the head back. The PostgreSQL rehearsal with
pg_dump and pg_restore is ``test_restore_rehearsal.py``."""

import uuid

import pytest
from django.core.management import call_command

from photolib.consent import evidence, services
from photolib.consent.models import ConsentRecord, LedgerHead
from photolib.consent.reconcile import ReconcileRefused, reconcile
from photolib.consent.selectors import membership
from tests.consent.conftest import grant, make_user
from tests.consent.test_evidence import pk, raw, verify

pytestmark = pytest.mark.django_db


def forget_after(sequence: int) -> None:
    """What restoring a backup taken at ``sequence`` does to the ledger."""
    for record in ConsentRecord.objects.filter(sequence__gt=sequence):
        raw("DELETE FROM consent_consentevidence WHERE record_id = %s", [pk(record)])
        raw("DELETE FROM consent_consentrecord WHERE id = %s", [pk(record)])
    head = ConsentRecord.objects.get(sequence=sequence)
    LedgerHead.objects.filter(id=1).update(last_sequence=sequence, last_hash=head.record_hash)


@pytest.fixture
def lost(group, django_capture_on_commit_callbacks):
    """Two grants kept by the backup; a grant, a photo withdrawal and a group withdrawal
    made after it, then lost."""
    rosa, sam, tom = (make_user(f"{n}@example.org") for n in ("rosa", "sam", "tom"))
    photo_id = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        grant(rosa, group)
        grant(sam, group)
        grant(tom, group)
        services.consent_withdraw_photo(user=rosa, group=group,
                                        version=group.current_version(), photo_id=photo_id,
                                        photo_title="Boats at dawn",
                                        context=services.RequestContext())
        services.consent_withdraw(user=sam, group=group, method="withdraw_button",
                                  context=services.RequestContext())
    forget_after(2)
    return {"rosa": rosa, "sam": sam, "tom": tom, "photo_id": str(photo_id)}


def test_verification_names_every_lost_record_and_fails(lost, capsys):
    code, out, err = verify(capsys)
    assert code == 1 and "OK: 2 records" in out
    lines = [line for line in err.splitlines() if line.startswith("LOST:")]
    assert [line.split(" (")[0] for line in lines] == [
        "LOST: record #3", "LOST: record #4", "LOST: record #5"]
    assert lines[0].startswith("LOST: record #3 (GRANT, group “Harbour Photos”")
    assert f"account {lost['tom'].pk}," in lines[0]
    assert f"WITHDRAW_PHOTO of photo {lost['photo_id']} “Boats at dawn”" in lines[1]
    assert lines[2].startswith("LOST: record #5 (WITHDRAW, ") and \
        f"account {lost['sam'].pk}," in lines[2]


def test_reconcile_re_records_withdrawals_reports_grants_and_runs_once(
        lost, group, capsys, django_capture_on_commit_callbacks, client):
    assert membership(lost["sam"], group).is_member  # the restore undid his withdrawal
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reconcile")
    out = capsys.readouterr().out
    assert "record #3 (GRANT" in out and "a grant is not re-recorded" in out
    assert "record #4 (WITHDRAW_PHOTO" in out and "re-recorded as #3" in out
    assert "record #5 (WITHDRAW" in out and "re-recorded as #4" in out
    assert not membership(lost["sam"], group).is_member
    assert not membership(lost["tom"], group).is_member  # his grant is not invented
    photo_record, group_record = ConsentRecord.objects.filter(sequence__gt=2)
    assert (photo_record.action, str(photo_record.photo_id), photo_record.collection_method,
            photo_record.reconciles["sequence"]) == (
        "WITHDRAW_PHOTO", lost["photo_id"], "reconciled", 4)
    assert (group_record.user, group_record.reconciles["sequence"]) == (lost["sam"], 5)
    # The hash covers what it re-records: the lost record named in full.
    for record in photo_record, group_record:
        assert record.canonical_fields()["reconciles"] == record.reconciles
        assert record.canonical_fields()["reconciles"]["record_id"]
    client.force_login(lost["sam"])
    page = client.get(group_record.get_absolute_url())
    assert page.status_code == 200
    assert "Re-recorded from the evidence store after a database restore" in \
        page.content.decode()

    code, out, err = verify(capsys)
    assert code == 0, err
    assert "OK: 4 checkpoints" in out and "3 more settled by a restore statement" in out

    call_command("reconcile")
    assert "Nothing to reconcile" in capsys.readouterr().out
    assert ConsentRecord.objects.count() == 4


def test_an_interrupted_reconcile_never_re_records_twice(lost):
    missing = {item.sequence: item for item in evidence.verify_checkpoints().lost}
    first = services.consent_reconcile_withdrawal(
        lost=missing[5].fields, sequence=5, head_hash=missing[5].head_hash)
    again = services.consent_reconcile_withdrawal(
        lost=missing[5].fields, sequence=5, head_hash=missing[5].head_hash)
    assert again.record == first.record and again.notes == (
        f"already re-recorded as #{first.record.sequence}",)
    assert ConsentRecord.objects.filter(action="WITHDRAW").count() == 1
    with pytest.raises(ValueError, match="only withdrawals"):
        services.consent_reconcile_withdrawal(lost=missing[3].fields, sequence=3,
                                              head_hash=missing[3].head_hash)


def test_reconcile_refuses_when_a_checkpoint_fails_its_signature(lost, _file_storage):
    path = _file_storage / "evidence" / evidence.checkpoint_name(5)
    path.write_text(path.read_text()[:-4] + "AAAA")
    with pytest.raises(ReconcileRefused, match="fails its signature"):
        reconcile()
    assert ConsentRecord.objects.count() == 2
    assert not (_file_storage / "evidence" / "restores").exists()


def test_records_appended_after_the_restore_before_reconcile_are_kept_and_anchored(
        lost, group, capsys, django_capture_on_commit_callbacks):
    """The site served a join before anyone reconciled: it took sequence #3, whose checkpoint
    belongs to a lost record. Verification names the lost one; reconcile settles it and the
    new record gets its checkpoint beside the superseded one."""
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = grant(make_user("una@example.org"), group)
    assert newcomer.sequence == 3
    code, _, err = verify(capsys)
    assert code == 1 and "LOST: record #3 (GRANT" in err and "records were rewritten" in err
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reconcile")
    out = capsys.readouterr().out
    assert "re-recorded as #4" in out and "re-recorded as #5" in out
    code, out, err = verify(capsys)
    assert code == 0, err
    assert "OK: 5 records" in out and "OK: 5 checkpoints" in out
    assert membership(newcomer.user, group).is_member
