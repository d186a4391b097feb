"""Joining, withdrawing and re-accepting through the pages, as a resident does."""

import pytest
from django.core import mail
from django.urls import reverse

from photolib.consent.models import ConsentRecord
from photolib.consent.selectors import membership
from tests.conftest import staff_login
from tests.consent.conftest import grant, make_user, publish

pytestmark = pytest.mark.django_db


def join_data(version, tick=None):
    tick = range(len(version.statements)) if tick is None else tick
    data = {"version_id": str(version.pk)}
    data.update({f"statement_{i}": "on" for i in tick})
    return data


def test_group_page_shows_the_current_agreement(client, group, resident):
    client.force_login(resident)
    body = client.get(reverse("consent:group_detail", args=[group.slug])).content.decode()
    version = group.current_version()
    assert "Version one of the agreement." in body
    assert version.text_sha256 in body and "Version</dt><dd>1" in body
    assert "Websites, Social media, Print" in body
    assert "Perpetual" in body and "Non-exclusive" in body and "No payment" in body


def test_join_page_has_one_unticked_box_per_statement(client, group, resident):
    client.force_login(resident)
    body = client.get(reverse("consent:join", args=[group.slug])).content.decode()
    version = group.current_version()
    assert body.count('type="checkbox"') == len(version.statements)
    assert "checked" not in body
    for statement in version.statements:
        assert statement in body


def test_missing_box_is_a_form_error_and_records_nothing(client, group, resident):
    client.force_login(resident)
    version = group.current_version()
    response = client.post(reverse("consent:join", args=[group.slug]),
                           join_data(version, tick=[0, 2]))
    assert response.status_code == 400
    assert "Tick this statement to join" in response.content.decode()
    assert not ConsentRecord.objects.exists()
    assert mail.outbox == []


def test_join_records_a_grant_shows_the_receipt_and_emails_it(
        client, group, resident, django_capture_on_commit_callbacks):
    client.force_login(resident)
    version = group.current_version()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("consent:join", args=[group.slug]), join_data(version),
                               HTTP_USER_AGENT="Mozilla/5.0 test", REMOTE_ADDR="192.0.2.44")
    record = ConsentRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
    assert (record.action, record.user, record.agreement_version) == ("GRANT", resident, version)
    assert record.statements == version.statements
    assert (record.ip_address, record.user_agent) == ("192.0.2.44", "Mozilla/5.0 test")
    assert record.agreement_text_sha256 == version.text_sha256
    page = client.get(record.get_absolute_url()).content.decode()
    for fact in (str(record.id), group.name, version.text_sha256, "GRANT",
                 record.created_at.isoformat(timespec="seconds"), "How to withdraw",
                 "Example City (demo)", *version.statements):
        assert fact in page, fact
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].to == [resident.email]
    for fact in (str(record.id), group.name, "Agreement version:   1", version.text_sha256,
                 record.created_at.isoformat(timespec="seconds"),
                 record.get_collection_method_display(),
                 "Example City (demo)", "Websites, Social media", "How to withdraw",
                 *version.statements):
        assert fact in body, fact


def test_joining_twice_is_refused(client, group, resident):
    grant(resident, group)
    client.force_login(resident)
    response = client.post(reverse("consent:join", args=[group.slug]),
                           join_data(group.current_version()))
    assert response.status_code == 400 and "already a member" in response.content.decode()
    assert ConsentRecord.objects.count() == 1


def test_unverified_accounts_cannot_join(client, group):
    person = make_user("new@example.org", verified=False)
    client.force_login(person)
    response = client.post(reverse("consent:join", args=[group.slug]),
                           join_data(group.current_version()))
    assert response.status_code == 400
    assert "Confirm your email address" in response.content.decode()
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize("forged", ["999999", "not-a-number", ""])
def test_forged_version_id_is_refused(client, group, resident, forged):
    client.force_login(resident)
    data = {**join_data(group.current_version()), "version_id": forged}
    response = client.post(reverse("consent:join", args=[group.slug]), data)
    assert response.status_code == 400
    assert not ConsentRecord.objects.exists()


def test_a_version_of_another_group_is_refused(client, group, resident):
    from photolib.consent.models import CommunityGroup

    other = CommunityGroup.objects.create(name="Parks", slug="parks")
    other_version = publish(other)
    client.force_login(resident)
    response = client.post(reverse("consent:join", args=[group.slug]),
                           {**join_data(group.current_version()),
                            "version_id": str(other_version.pk)})
    assert response.status_code == 400 and "is not this group" in \
        response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_withdraw_when_not_a_member_is_refused(client, group, resident):
    client.force_login(resident)
    assert client.get(reverse("consent:withdraw", args=[group.slug])).status_code == 400
    response = client.post(reverse("consent:withdraw", args=[group.slug]))
    assert response.status_code == 400 and "not a member" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_withdraw_records_it_with_a_receipt_and_rejoin_grants_anew(
        client, group, resident, django_capture_on_commit_callbacks):
    first = grant(resident, group)
    client.force_login(resident)
    confirm = client.get(reverse("consent:withdraw", args=[group.slug]))
    assert "Withdraw consent" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("consent:withdraw", args=[group.slug]))
    withdrawal = ConsentRecord.objects.withdrawals().get()
    assert response["Location"] == withdrawal.get_absolute_url()
    assert withdrawal.prev_hash == first.record_hash
    assert withdrawal.agreement_version == first.agreement_version
    assert not membership(resident, group).is_member
    receipt = client.get(withdrawal.get_absolute_url()).content.decode()
    assert "Withdrawal receipt" in receipt and str(withdrawal.id) in receipt
    assert "withdrawal" in mail.outbox[-1].subject
    response = client.post(reverse("consent:join", args=[group.slug]),
                           join_data(group.current_version()))
    assert response.status_code == 302
    assert [r.action for r in ConsentRecord.objects.all()] == ["GRANT", "WITHDRAW", "GRANT"]
    assert membership(resident, group).is_member


def test_new_version_needs_acceptance_and_old_version_is_refused(client, group, resident):
    grant(resident, group)
    old = group.current_version()
    new = publish(group, text="Version two: now also for outdoor advertising.",
                  permitted_uses=["web", "social", "print", "outdoor"])
    state = membership(resident, group)
    assert state.is_member and state.needs_reaccept and not state.may_upload
    client.force_login(resident)
    page = client.get(reverse("consent:group_detail", args=[group.slug])).content.decode()
    assert "A new version (2)" in page and "You agreed to version 1" in page
    response = client.post(reverse("consent:join", args=[group.slug]), join_data(old))
    assert response.status_code == 400 and ConsentRecord.objects.count() == 1
    response = client.post(reverse("consent:join", args=[group.slug]), join_data(new))
    assert response.status_code == 302
    latest = ConsentRecord.objects.order_by("-sequence").first()
    assert latest.agreement_version == new and latest.action == "GRANT"
    state = membership(resident, group)
    assert state.may_upload and not state.needs_reaccept


def test_receipts_are_private_to_their_subject_and_reviewers(client, group, resident, reviewer):
    record = grant(resident, group)
    client.force_login(make_user("nosy@example.org"))
    assert client.get(record.get_absolute_url()).status_code == 404
    assert client.get(reverse("consent:receipt_json", args=[record.id])).status_code == 404
    staff_login(client, reviewer)
    assert client.get(record.get_absolute_url()).status_code == 200


def test_my_consent_lists_memberships_and_receipts(client, group, resident):
    record = grant(resident, group)
    client.force_login(resident)
    body = client.get(reverse("consent:my_consent")).content.decode()
    assert group.name in body and record.get_absolute_url() in body and "Withdraw consent" in body
