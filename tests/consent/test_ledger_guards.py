"""Guards on the ledger's two promises: a record's hash covers what the person affirmed,
and the verifier checks every link of the chain, not only each record on its own.

Each test here fails on a mutation the older tests let through (see bench/MUTATION.md).
"""

import pytest
from django.db import connection

from photolib.consent.ledger import verify_ledger
from photolib.consent.models import ConsentRecord
from tests.consent.conftest import grant, make_user
from tests.consent.test_ledger import _without_trigger

pytestmark = pytest.mark.django_db


def _pk(record: ConsentRecord):
    return record.pk.hex if connection.vendor == "sqlite" else record.pk


def _raw_update(record: ConsentRecord, **columns) -> None:
    assignments = ", ".join(f"{column} = %s" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE consent_consentrecord SET {assignments} WHERE id = %s",  # noqa: S608
                       [*columns.values(), _pk(record)])


def test_the_hash_covers_the_statements_affirmed(group, resident):
    record = grant(resident, group)
    assert record.statements == group.current_version().statements
    stored = ConsentRecord.objects.get(pk=record.pk)
    assert stored.compute_hash() == stored.record_hash
    stored.statements = stored.statements[:-1]  # one statement fewer than was affirmed
    assert stored.compute_hash() != stored.record_hash
    stored.statements = [*record.statements[:-1], "I agree to anything at all."]
    assert stored.compute_hash() != stored.record_hash


def test_verify_finds_statements_changed_by_raw_sql(group, resident):
    grant(resident, group)
    victim = grant(make_user("sam@example.org"), group)
    grant(make_user("tom@example.org"), group)
    assert verify_ledger().ok
    _without_trigger()
    _raw_update(victim, statements='["I agree to nothing."]')
    result = verify_ledger()
    assert not result.ok
    assert (result.problem.sequence, result.problem.record_id) == (2, str(victim.pk))
    assert result.problem.reason == "its fields do not match its hash: the record was altered"


def test_verify_finds_a_record_relinked_with_a_consistent_hash(group, resident):
    """A forger who rewrites one record's link and recomputes its own hash leaves every
    record self-consistent: only the chain check can find it."""
    grant(resident, group)
    victim = grant(make_user("sam@example.org"), group)
    grant(make_user("tom@example.org"), group)
    forged = ConsentRecord.objects.get(pk=victim.pk)
    forged.prev_hash = "f" * 64
    _without_trigger()
    _raw_update(victim, prev_hash=forged.prev_hash, record_hash=forged.compute_hash())
    assert all(r.compute_hash() == r.record_hash for r in ConsentRecord.objects.all())
    result = verify_ledger()
    assert not result.ok
    assert (result.problem.sequence, result.problem.record_id) == (2, str(victim.pk))
    assert result.problem.reason == "its previous-hash does not match the record before it"
    assert (result.records, result.grants, result.withdrawals) == (1, 1, 0)


def test_verify_names_a_missing_record_and_a_cut_tail_in_words(group, resident):
    records = [grant(make_user(f"p{i}@example.org"), group) for i in range(4)]
    _without_trigger()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM consent_consentevidence WHERE record_id = %s",
                       [_pk(records[1])])
        cursor.execute("DELETE FROM consent_consentrecord WHERE id = %s", [_pk(records[1])])
    problem = verify_ledger().problem
    assert (problem.sequence, problem.record_id) == (3, str(records[2].pk))
    assert problem.reason == "sequence 3 where 2 was expected: a record is missing"
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM consent_consentevidence WHERE record_id IN "
                       "(SELECT id FROM consent_consentrecord WHERE sequence >= 2)")
        cursor.execute("DELETE FROM consent_consentrecord WHERE sequence >= 2")
    problem = verify_ledger().problem
    assert (problem.sequence, problem.record_id) == (None, None)
    assert problem.reason == ("the ledger head points at #4, but the chain ends at #1: "
                              "records were removed from its end")
