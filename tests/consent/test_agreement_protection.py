"""Published agreement texts cannot change undetected: ORM, trigger, verification."""

import hashlib

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from photolib.consent import services
from photolib.consent.errors import AgreementImmutable
from photolib.consent.ledger import verify_ledger
from photolib.consent.models import AgreementVersion
from tests.consent.conftest import grant, make_user

pytestmark = pytest.mark.django_db

TRIGGER = "consent_agreement_published_immutable"


def _disable_agreement_trigger():
    """On PostgreSQL the test's superuser switches the guard off inside the test's
    transaction (rolled back afterwards), so raw SQL can tamper as on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE consent_agreementversion DISABLE TRIGGER {TRIGGER}")


def test_the_orm_refuses_to_delete_a_published_version_even_without_records(group):
    version = group.current_version()
    assert not version.records.exists()
    with pytest.raises(AgreementImmutable):
        version.delete()
    with pytest.raises(AgreementImmutable):
        AgreementVersion.objects.filter(pk=version.pk).delete()
    with pytest.raises(AgreementImmutable):
        AgreementVersion.objects.all().delete()  # a draft among them does not help
    stale = AgreementVersion.objects.get(pk=version.pk)
    stale.published_at = None  # an instance edited in memory is still published in the table
    with pytest.raises(AgreementImmutable):
        stale.delete()
    assert AgreementVersion.objects.filter(pk=version.pk).exists()


def test_drafts_stay_editable_and_deletable(group):
    draft = services.agreement_create_draft(group=group, acting_user=None, text="Draft two")
    AgreementVersion.objects.filter(pk=draft.pk).update(text="Draft two, edited")
    other = services.agreement_create_draft(group=group, acting_user=None, text="Draft three")
    other.delete()
    assert not AgreementVersion.objects.filter(pk=other.pk).exists()
    published = services.agreement_publish(version=AgreementVersion.objects.get(pk=draft.pk),
                                           acting_user=None)
    assert published.number == 2
    assert published.text_sha256 == hashlib.sha256(b"Draft two, edited").hexdigest()


@pytest.mark.postgres
def test_postgres_trigger_refuses_raw_update_and_delete_of_a_published_version(group):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    version = group.current_version()
    for sql in ("UPDATE consent_agreementversion SET text = 'rewritten' WHERE id = %s",
                "UPDATE consent_agreementversion SET published_at = NULL WHERE id = %s",
                "DELETE FROM consent_agreementversion WHERE id = %s"):
        with pytest.raises(DatabaseError) as refused, transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(sql, [version.pk])
        assert "published and immutable" in str(refused.value)
    stored = AgreementVersion.objects.get(pk=version.pk)
    assert stored.text == version.text and stored.published_at == version.published_at
    # A draft's row is the database's to change, and publishing it still works...
    draft = services.agreement_create_draft(group=group, acting_user=None, text="Draft")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE consent_agreementversion SET text = 'Draft, edited' "
                       "WHERE id = %s", [draft.pk])
    assert services.agreement_publish(version=draft, acting_user=None).number == 2
    # ...but not with a hash that is not its text's.
    third = services.agreement_create_draft(group=group, acting_user=None, text="Third")
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("UPDATE consent_agreementversion SET number = 3, published_at = now(), "
                       "text_sha256 = %s WHERE id = %s", ["0" * 64, third.pk])
    assert "not the SHA-256 of its text" in str(refused.value)


def test_verify_finds_an_agreement_text_altered_by_raw_sql(group, resident, capsys,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # its signed checkpoint, too
        grant(resident, group)
    version = group.current_version()
    call_command("verify_consent_ledger")
    assert "under 1 published agreement versions" in capsys.readouterr().out
    _disable_agreement_trigger()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE consent_agreementversion SET text = %s WHERE id = %s",
                       [version.text + "\n7. The city may sell your photos.", version.pk])
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_consent_ledger")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert f"agreement version {group.name} – v1 (id {version.pk})" in err
    assert "text was altered" in err


def test_verify_finds_a_text_rewritten_with_a_matching_hash(group, resident):
    """Rewriting text and hash together fools the re-hash, not the records."""
    first = grant(resident, group)
    grant(make_user("sam@example.org"), group)
    version = group.current_version()
    text = "A different agreement altogether."
    _disable_agreement_trigger()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE consent_agreementversion SET text = %s, text_sha256 = %s "
                       "WHERE id = %s",
                       [text, hashlib.sha256(text.encode()).hexdigest(), version.pk])
    result = verify_ledger()
    assert not result.ok
    assert (result.problem.sequence, result.problem.record_id) == (1, str(first.id))
    assert "not the hash of its agreement version" in result.problem.reason


def test_verify_finds_a_record_whose_version_was_unpublished(group, resident):
    record = grant(resident, group)
    _disable_agreement_trigger()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE consent_agreementversion SET published_at = NULL, number = NULL, "
                       "text_sha256 = '' WHERE id = %s", [record.agreement_version_id])
    result = verify_ledger()
    assert not result.ok and result.problem.sequence == 1
    assert "not a published version" in result.problem.reason


# The refusals in words (an admin or a shell user reads them), each path of its own.
DELETE_REFUSED = "^A published agreement version cannot be deleted\\.$"


def test_each_refusal_to_delete_a_published_version_says_why(group):
    version = group.current_version()
    with pytest.raises(AgreementImmutable, match=DELETE_REFUSED):
        AgreementVersion.objects.filter(pk=version.pk).delete()
    with pytest.raises(AgreementImmutable, match=DELETE_REFUSED):
        AgreementVersion.objects.filter(pk=version.pk)._raw_delete(connection.alias)
    assert AgreementVersion.objects.filter(pk=version.pk).exists()


def test_the_fast_delete_path_removes_drafts_and_refuses_published_ones(group):
    draft = services.agreement_create_draft(group=group, acting_user=None, text="Draft.\n",
                                            permitted_uses=["web"])
    version = group.current_version()
    both = AgreementVersion.objects.filter(pk__in=[draft.pk, version.pk])
    with pytest.raises(AgreementImmutable, match=DELETE_REFUSED):
        both._raw_delete(connection.alias)
    assert both.count() == 2
    assert AgreementVersion.objects.filter(pk=draft.pk)._raw_delete(connection.alias) == 1
    assert list(AgreementVersion.objects.filter(group=group)) == [version]


def test_evidence_rows_refuse_a_bulk_update_in_words(group):
    from photolib.consent.errors import LedgerImmutable
    from photolib.consent.models import ConsentEvidence

    grant(make_user("ann@example.org"), group)
    with pytest.raises(LedgerImmutable,
                       match="^Consent evidence is never changed; it can only be erased\\.$"):
        ConsentEvidence.objects.update(display_name="Someone else")
    assert not ConsentEvidence.objects.filter(display_name="Someone else").exists()
