"""Each record states how it was collected, from a fixed vocabulary, under its hash."""

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from photolib.consent import demo, errors, services
from photolib.consent.ledger import verify_ledger
from photolib.consent.models import CollectionMethod, ConsentRecord, collection_method_label
from tests.consent.conftest import grant, make_user, publish

pytestmark = pytest.mark.django_db


def join_data(version):
    data = {"version_id": version.pk}
    data.update({f"statement_{i}": "on" for i in range(len(version.statements))})
    return data


def test_each_page_records_its_own_method(client, group, resident):
    client.force_login(resident)
    client.post(reverse("consent:join", args=[group.slug]), join_data(group.current_version()))
    publish(group, text="Version two: the city may also use photos in print.")
    client.post(reverse("consent:join", args=[group.slug]), join_data(group.current_version()))
    client.post(reverse("consent:withdraw", args=[group.slug]))
    records = list(ConsentRecord.objects.order_by("sequence"))
    assert [(r.action, r.collection_method) for r in records] == [
        ("GRANT", "join_form"), ("GRANT", "reaccept_form"), ("WITHDRAW", "withdraw_button")]
    assert records[1].agreement_version.number == 2
    assert records[1].statements == group.current_version().statements
    assert records[2].statements == []
    receipt = client.get(records[1].get_absolute_url()).content.decode()
    assert "Re-acceptance form: a member shown the new agreement version in full" in receipt
    assert "web form: full agreement shown" not in receipt
    assert verify_ledger().ok


def test_the_demo_seed_says_a_script_recorded_it(db):
    users = {"resident@example.org": make_user("resident@example.org"),
             "admin@example.org": make_user("admin@example.org", role="reviewer")}
    demo.seed(users=users)
    record = ConsentRecord.objects.get()
    assert record.collection_method == CollectionMethod.SEED
    assert "script" in record.get_collection_method_display()
    assert record.statements == record.agreement_version.statements


def test_every_method_has_a_label_and_the_label_function_agrees():
    assert len(CollectionMethod.values) == len(set(CollectionMethod.labels)) == 8
    for value, label in CollectionMethod.choices:
        assert collection_method_label(value) == label
        assert label and label != value


def test_a_method_that_does_not_fit_is_refused_and_nothing_is_recorded(group, resident):
    version = group.current_version()
    with pytest.raises(ValueError, match="does not fit"):
        services.consent_grant(user=resident, group=group, version_id=version.pk,
                               statements_affirmed=version.statements,
                               method=CollectionMethod.WITHDRAW_BUTTON,
                               context=services.RequestContext())
    with pytest.raises(ValueError, match="does not fit"):  # renewals have their own service
        services.consent_grant(user=resident, group=group, version_id=version.pk,
                               statements_affirmed=version.statements,
                               method=CollectionMethod.RENEWAL_FORM,
                               context=services.RequestContext())
    with pytest.raises(errors.MembershipChanged):  # a newcomer was not re-accepting
        services.consent_grant(user=resident, group=group, version_id=version.pk,
                               statements_affirmed=version.statements,
                               method=CollectionMethod.REACCEPT_FORM,
                               context=services.RequestContext())
    grant(resident, group)
    publish(group, text="Version two.")
    with pytest.raises(errors.MembershipChanged):  # a member under v1 was not joining
        services.consent_grant(user=resident, group=group,
                               version_id=group.current_version().pk,
                               statements_affirmed=group.current_version().statements,
                               method=CollectionMethod.JOIN_FORM,
                               context=services.RequestContext())
    with pytest.raises(ValueError, match="does not fit"):
        services.consent_withdraw(user=resident, group=group,
                                  method=CollectionMethod.JOIN_FORM,
                                  context=services.RequestContext())
    assert ConsentRecord.objects.count() == 1


def test_the_hash_covers_the_method(group, resident, capsys):
    record = grant(resident, group)
    original = record.record_hash
    record.collection_method = CollectionMethod.SEED
    assert record.compute_hash() != original
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE consent_consentrecord "
                           "DISABLE TRIGGER consent_record_append_only")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE consent_consentrecord SET collection_method = 'seed'")
    result = verify_ledger()
    assert not result.ok and result.problem.sequence == 1
    assert "altered" in result.problem.reason


def test_a_photo_withdrawal_record_leaves_membership_alone(
        group, resident, django_capture_on_commit_callbacks):
    import uuid

    from photolib.consent.models import ConsentRecord
    from photolib.consent.selectors import membership, withdrawn_after

    grant(resident, group)
    photo_id = uuid.uuid4()
    with pytest.raises(ValueError):
        services.consent_withdraw_photo(user=resident, group=group,
                                        version=group.current_version(), photo_id="not-a-uuid",
                                        photo_title="Harbour", context=services.RequestContext())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        record = services.consent_withdraw_photo(
            user=resident, group=group, version=group.current_version(),
            photo_id=str(photo_id), photo_title="Harbour at dawn",
            context=services.RequestContext(ip_address="192.0.2.8", user_agent="pytest"))
    record.refresh_from_db()
    assert (record.action, record.photo_id, record.photo_title, record.collection_method) == (
        "WITHDRAW_PHOTO", photo_id, "Harbour at dawn", "photo_withdraw_button")
    assert record.compute_hash() == record.record_hash
    state = membership(resident, group)
    assert state.is_member and state.latest.action == "GRANT"
    in_force = ConsentRecord.objects.grants().exclude(withdrawn_after())
    assert in_force.filter(user=resident).count() == 1  # the grant is still in force
    assert mail.outbox[0].subject == "Receipt for the withdrawal of your photo “Harbour at dawn”"
    result = verify_ledger()
    assert result.ok and result.records == 2
