"""The ledger is append-only, chained, and its tampering is found."""

import threading

import pytest
from django.core.management import call_command
from django.db import IntegrityError, InternalError, ProgrammingError, connection, connections
from django.urls import reverse

from photolib.consent.errors import LedgerImmutable
from photolib.consent.ledger import verify_ledger
from photolib.consent.models import GENESIS_HASH, CollectionMethod, ConsentRecord
from photolib.consent.services import consent_withdraw
from tests.conftest import staff_login
from tests.consent.conftest import grant, make_user

pytestmark = pytest.mark.django_db


def test_records_chain_by_hash(group, resident):
    other = make_user("sam@example.org")
    first = grant(resident, group)
    second = grant(other, group)
    third = consent_withdraw(user=resident, group=group,
                             method=CollectionMethod.WITHDRAW_BUTTON, context=first_context())
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.record_hash
    assert third.prev_hash == second.record_hash
    assert [r.sequence for r in ConsentRecord.objects.all()] == [1, 2, 3]
    for record in ConsentRecord.objects.all():
        assert record.compute_hash() == record.record_hash
    result = verify_ledger()
    assert result.ok and (result.records, result.grants, result.withdrawals) == (3, 2, 1)


def first_context():
    from photolib.consent.services import RequestContext

    return RequestContext(ip_address="198.51.100.1", user_agent="pytest")


def test_model_refuses_update_and_delete(group, resident):
    record = grant(resident, group)
    record.statements = ["something I never said"]
    with pytest.raises(LedgerImmutable):
        record.save()
    with pytest.raises(LedgerImmutable):
        record.delete()
    with pytest.raises(LedgerImmutable):
        ConsentRecord.objects.filter(pk=record.pk).update(action="WITHDRAW")
    with pytest.raises(LedgerImmutable):
        ConsentRecord.objects.filter(pk=record.pk).delete()
    stored = ConsentRecord.objects.get(pk=record.pk)
    assert stored.statements == group.current_version().statements
    assert stored.action == "GRANT"


def test_a_record_cannot_be_forged_outside_the_service(group, resident):
    version = group.current_version()
    forged = ConsentRecord(sequence=99, user=resident, personal_commitment="d" * 64,
                           group=group, agreement_version=version,
                           agreement_text_sha256=version.text_sha256, action="GRANT",
                           statements=[], created_at=version.published_at, prev_hash="f" * 64,
                           record_hash="e" * 64)
    with pytest.raises(LedgerImmutable):
        forged.save()
    assert not ConsentRecord.objects.exists()


def test_admin_offers_no_change_or_delete(client, group, resident, reviewer):
    record = grant(resident, group)
    admin = make_user("admin@example.org", role="reviewer")
    admin.is_superuser = True
    admin.save()
    for user in (reviewer, admin):
        staff_login(client, user)
        assert client.get(reverse("admin:consent_consentrecord_changelist")).status_code == 200
        page = client.get(reverse("admin:consent_consentrecord_change", args=[record.pk]))
        assert page.status_code == 200
        assert b'name="_save"' not in page.content  # read-only view
        response = client.post(reverse("admin:consent_consentrecord_change", args=[record.pk]),
                               {"action": "WITHDRAW", "statements": "[]"})
        assert response.status_code == 403
        assert client.post(reverse("admin:consent_consentrecord_delete", args=[record.pk]),
                           {"post": "yes"}).status_code == 403
        assert client.get(reverse("admin:consent_consentrecord_add")).status_code == 403
    stored = ConsentRecord.objects.get(pk=record.pk)
    assert stored.action == "GRANT" and stored.record_hash == record.record_hash


@pytest.mark.postgres
def test_postgres_trigger_refuses_raw_update_and_delete(group, resident):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    record = grant(resident, group)
    from django.db import transaction

    for sql in ("UPDATE consent_consentrecord SET action = 'WITHDRAW' WHERE id = %s",
                "DELETE FROM consent_consentrecord WHERE id = %s"):
        with pytest.raises((InternalError, ProgrammingError, IntegrityError)) as refused, \
                transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [record.pk])
        assert "append-only" in str(refused.value)
    assert ConsentRecord.objects.get(pk=record.pk).action == "GRANT"


def _without_trigger():
    """On PostgreSQL, switch the trigger off inside this test's transaction (rolled
    back afterwards) so raw SQL can tamper, as it could on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Deferred foreign-key checks must fire first, or ALTER TABLE refuses.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE consent_consentrecord "
                           "DISABLE TRIGGER consent_record_append_only")


def test_verify_finds_a_record_altered_by_raw_sql(group, resident, capsys,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # checkpoints are written
        grant(resident, group)
        victim = grant(make_user("sam@example.org"), group)
        grant(make_user("tom@example.org"), group)
    call_command("verify_consent_ledger")
    assert "OK: 3 records" in capsys.readouterr().out
    _without_trigger()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE consent_consentrecord SET personal_commitment = %s WHERE id = %s",
                       ["c" * 64, victim.pk.hex if connection.vendor ==
                        "sqlite" else victim.pk])
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_consent_ledger")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert f"record #2 ({victim.pk})" in err and "altered" in err


def test_verify_finds_a_removed_record_and_a_cut_tail(group, resident, capsys):
    records = [grant(make_user(f"p{i}@example.org"), group) for i in range(4)]
    _without_trigger()
    pk = records[1].pk.hex if connection.vendor == "sqlite" else records[1].pk
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM consent_consentevidence WHERE record_id = %s", [pk])
        cursor.execute("DELETE FROM consent_consentrecord WHERE id = %s", [pk])
    result = verify_ledger()
    assert not result.ok and result.problem.sequence == 3 and "missing" in result.problem.reason
    last = records[-1].pk.hex if connection.vendor == "sqlite" else records[-1].pk
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM consent_consentevidence WHERE record_id IN (SELECT id "
                       "FROM consent_consentrecord WHERE sequence >= 2)")
        cursor.execute("DELETE FROM consent_consentrecord WHERE sequence >= 2")
    assert last  # the tail, including the last record, is gone now
    result = verify_ledger()
    assert not result.ok and "head" in result.problem.reason


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_joins_leave_one_unbroken_chain(group):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL, where appends really race")
    users = [make_user(f"c{i}@example.org") for i in range(20)]
    barrier = threading.Barrier(len(users))
    failures: list[BaseException] = []

    def join(user):
        try:
            barrier.wait(timeout=30)
            grant(user, group)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=join, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failures == []
    records = list(ConsentRecord.objects.order_by("sequence"))
    assert [r.sequence for r in records] == list(range(1, 21))
    assert len({r.user_id for r in records}) == 20
    for before, after in zip(records, records[1:], strict=False):
        assert after.prev_hash == before.record_hash
    assert verify_ledger().ok
