"""Guards on the ledger's two promises: a record's hash covers what the person affirmed,
and the verifier checks every link of the chain, not only each record on its own.

Each test here fails on a mutation the older tests let through (see bench/MUTATION.md).
"""

import pytest
from django.db import connection

from photolib.consent.ledger import Problem, Verification, verify_ledger
from photolib.consent.models import ConsentRecord, LedgerHead
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


# verify_ledger and _verify_agreements: the whole answer (counts by kind, the number
# of agreement versions checked, the problem with its record or version), since the
# command prints every one of these figures.

def _ledger_of_every_kind(group, resident):
    """Two groups, three published versions and a draft; every kind of record."""
    import uuid

    from photolib.consent import services
    from photolib.consent.models import CollectionMethod, CommunityGroup
    from tests.consent.conftest import publish

    town = CommunityGroup.objects.create(name="Old Town", slug="old-town")
    publish(town)
    first = grant(resident, group)
    grant(make_user("sam@example.org"), town)
    services.consent_withdraw_photo(
        user=resident, group=group, version=first.agreement_version, photo_id=uuid.uuid4(),
        photo_title="The lighthouse", context=services.RequestContext(), send_receipt=False)
    services.consent_withdraw(user=resident, group=group, context=services.RequestContext(),
                              method=CollectionMethod.WITHDRAW_BUTTON)
    second = publish(group, text="Version two of the agreement.")
    grant(resident, group)
    services.agreement_create_draft(group=group, acting_user=None, text="A draft, unpublished.",
                                    permitted_uses=["web"])
    return second


def test_a_sound_ledger_is_counted_by_kind_and_by_agreement_version(group, resident):
    _ledger_of_every_kind(group, resident)
    assert verify_ledger() == Verification(records=5, grants=3, withdrawals=1, problem=None,
                                           photo_withdrawals=1, agreements=3)


def test_an_empty_ledger_still_checks_its_agreement_versions(group):
    assert verify_ledger() == Verification(records=0, grants=0, withdrawals=0, problem=None,
                                           photo_withdrawals=0, agreements=1)


def test_an_altered_agreement_text_stops_the_check_and_names_the_version(group, resident):
    from tests.consent.test_agreement_protection import _disable_agreement_trigger

    second = _ledger_of_every_kind(group, resident)
    _disable_agreement_trigger()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE consent_agreementversion SET text = %s WHERE id = %s",
                       [second.text + " The city may sell your photos.", second.pk])
    # Versions are checked by id: Harbour v1 and Old Town v1 came first and verified.
    assert verify_ledger() == Verification(
        records=0, grants=0, withdrawals=0, photo_withdrawals=0, agreements=2,
        problem=Problem(None, None, "its text does not match its SHA-256: the published "
                        "agreement text was altered", agreement=f"Harbour Photos – v2 (id "
                                                                f"{second.pk})"))


def test_a_problem_reports_the_counts_of_the_records_before_it(group, resident):
    _ledger_of_every_kind(group, resident)
    victim = ConsentRecord.objects.get(sequence=5)
    _without_trigger()
    _raw_update(victim, statements="[]")
    assert verify_ledger() == Verification(
        records=4, grants=2, withdrawals=1, photo_withdrawals=1, agreements=3,
        problem=Problem(5, str(victim.pk), "its fields do not match its hash: the record was "
                        "altered"))


def test_a_record_hash_of_another_agreement_text_is_named(group, resident):
    from tests.consent.conftest import publish

    record = grant(resident, group)
    other = publish(group, text="Version two of the agreement.")
    forged = ConsentRecord.objects.get(pk=record.pk)
    forged.agreement_text_sha256 = other.text_sha256
    _without_trigger()
    _raw_update(record, agreement_text_sha256=other.text_sha256,
                record_hash=forged.compute_hash())
    _head_at(forged)
    assert verify_ledger().problem == Problem(
        1, str(record.pk), "its agreement text hash is not the hash of its agreement version "
                           f"(id {record.agreement_version_id})")


def test_a_record_of_an_unpublished_version_is_named(group, resident):
    from tests.consent.test_agreement_protection import _disable_agreement_trigger

    record = grant(resident, group)
    _disable_agreement_trigger()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE consent_agreementversion SET published_at = NULL, number = NULL, "
                       "text_sha256 = '' WHERE id = %s", [record.agreement_version_id])
    assert verify_ledger() == Verification(
        records=0, grants=0, withdrawals=0, photo_withdrawals=0, agreements=0,
        problem=Problem(1, str(record.pk), f"its agreement version (id "
                        f"{record.agreement_version_id}) is not a published version any more"))


def _head_at(record: ConsentRecord) -> None:
    LedgerHead.objects.filter(id=1).update(last_sequence=record.sequence,
                                           last_hash=record.compute_hash())


def test_a_head_whose_hash_differs_from_the_chain_end_is_reported(group, resident):
    records = [grant(make_user(f"h{i}@example.org"), group) for i in range(2)]
    assert verify_ledger().ok
    LedgerHead.objects.filter(id=1).update(last_hash="0" * 64)  # same number, other hash
    assert verify_ledger().problem == Problem(
        None, None, f"the ledger head points at #{records[-1].sequence}, but the chain ends "
                    "at #2: records were removed from its end")
    LedgerHead.objects.filter(id=1).update(last_sequence=3, last_hash=records[-1].record_hash)
    assert verify_ledger().problem.reason.startswith("the ledger head points at #3, but the "
                                                     "chain ends at #2")
    LedgerHead.objects.all().delete()  # no head row at all: nothing to compare
    assert verify_ledger() == Verification(records=2, grants=2, withdrawals=0, problem=None,
                                           agreements=1)


def test_an_evidence_row_of_another_account_or_altered_data_is_named(group, resident):
    first = grant(resident, group)
    second = grant(make_user("sam@example.org"), group)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE consent_consentevidence SET account_id = %s WHERE record_id = %s",
                       [second.user_id, _pk(first)])
    assert verify_ledger().problem == Problem(
        1, str(first.pk), "its evidence row names another account than the record")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE consent_consentevidence SET account_id = %s WHERE record_id = %s",
                       [first.user_id, _pk(first)])
        cursor.execute("UPDATE consent_consentevidence SET user_agent = %s WHERE record_id = %s",
                       ["forged", _pk(second)])
    assert verify_ledger().problem == Problem(
        2, str(second.pk), "its evidence row does not match the record's personal-data "
                           "commitment: the personal data was altered")


# ledger_append refuses a caller's bug with a ValueError that says which, and stores nothing.

@pytest.mark.parametrize("which", ["unknown action", "draft", "other group's version"])
def test_ledger_append_refuses_what_no_record_may_state(group, resident, which):
    from photolib.consent import services
    from photolib.consent.models import CollectionMethod, CommunityGroup, ConsentEvidence
    from tests.consent.conftest import publish

    version, action = group.current_version(), ConsentRecord.Action.GRANT
    if which == "unknown action":
        action = "APPROVE"
        message = "collection method 'join_form' does not fit action 'APPROVE'"
    elif which == "draft":
        version = services.agreement_create_draft(group=group, acting_user=None,
                                                  text="Not yet published.")
        message = "Harbour Photos – draft is not a published version of Harbour Photos"
    else:
        town = CommunityGroup.objects.create(name="Old Town", slug="old-town")
        version = publish(town)
        message = "Old Town – v1 is not a published version of Harbour Photos"
    with pytest.raises(ValueError) as refused:
        services.ledger_append(user=resident, group=group, version=version, action=action,
                               statements=version.statements,
                               method=CollectionMethod.JOIN_FORM.value,
                               context=services.RequestContext())
    assert str(refused.value) == message
    assert not ConsentRecord.objects.exists() and not ConsentEvidence.objects.exists()
