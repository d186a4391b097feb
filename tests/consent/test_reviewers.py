"""Reviewers: consent records (list, filters, detail, CSV) and agreement versions."""

import csv
import io

import pytest
from django.urls import reverse

from photolib.consent import services
from photolib.consent.errors import AgreementImmutable
from photolib.consent.models import AgreementVersion, CollectionMethod, CommunityGroup
from tests.conftest import staff_login
from tests.consent.conftest import grant, make_user, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(group, resident):
    parks = CommunityGroup.objects.create(name="Parks", slug="parks")
    publish(parks)
    sam = make_user("sam@example.org")
    records = [grant(resident, group), grant(sam, group), grant(resident, parks)]
    records.append(services.consent_withdraw(user=sam, group=group,
                                             method=CollectionMethod.WITHDRAW_BUTTON,
                                             context=services.RequestContext()))
    return records


def listed(client, **params):
    response = client.get(reverse("consent:record_list"), params)
    assert response.status_code == 200
    return [r.sequence for r in response.context["page"]]


def test_records_list_filters(client, reviewer, ledger, group):
    staff_login(client, reviewer)
    assert listed(client) == [4, 3, 2, 1]
    assert listed(client, group=group.pk) == [4, 2, 1]
    assert listed(client, action="WITHDRAW") == [4]
    assert listed(client, resident="rosa") == [3, 1]
    assert listed(client, version=1, group=group.pk, action="GRANT") == [2, 1]
    today = ledger[0].created_at.date().isoformat()
    assert listed(client, date_from=today, date_to=today) == [4, 3, 2, 1]
    assert listed(client, date_from="2001-01-01", date_to="2001-12-31") == []


@pytest.mark.parametrize("params", [{"date_from": "31/02/2026"}, {"group": "99999"},
                                    {"action": "DELETE"}, {"version": "-1"}])
def test_bad_filters_are_form_errors_not_500(client, reviewer, ledger, params):
    staff_login(client, reviewer)
    response = client.get(reverse("consent:record_list"), params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert list(response.context["page"]) == []


def test_record_detail_shows_the_evidence(client, reviewer, ledger):
    staff_login(client, reviewer)
    record = ledger[0]
    body = client.get(reverse("consent:record_detail", args=[record.id])).content.decode()
    for fact in (str(record.id), record.record_hash, record.prev_hash, record.ip_address,
                 "matches its fields", *record.statements):
        assert fact in body


def test_csv_export_streams_the_filtered_records(client, reviewer, ledger, group):
    staff_login(client, reviewer)
    response = client.get(reverse("consent:record_export"), {"group": group.pk})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["sequence", "id", "created_at", "action"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "4"]
    assert rows[1][rows[0].index("record_hash")] == ledger[0].record_hash
    assert rows[1][rows[0].index("personal_commitment")] == ledger[0].personal_commitment


@pytest.mark.parametrize("name", ["consent:record_list", "consent:record_export"])
def test_residents_cannot_read_the_records(client, resident, ledger, name):
    client.force_login(resident)
    assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("consent:record_detail", args=[ledger[1].id])).status_code == 403


def test_published_version_is_immutable(group):
    version = group.current_version()
    version.text = "a quietly changed text"
    with pytest.raises(AgreementImmutable):
        version.save()
    with pytest.raises(AgreementImmutable):
        AgreementVersion.objects.filter(pk=version.pk).update(minimum_age=12)
    with pytest.raises(AgreementImmutable):
        version.delete()
    with pytest.raises(AgreementImmutable):
        services.agreement_publish(version=version, acting_user=None)
    stored = AgreementVersion.objects.get(pk=version.pk)
    assert stored.text != "a quietly changed text"
    assert stored.text_sha256 == stored.compute_text_sha256()


def test_publishing_numbers_and_hashes_a_draft(group):
    draft = services.agreement_create_draft(group=group, acting_user=None, text="Second text")
    assert draft.number is None and draft.text_sha256 == ""
    assert group.current_version().number == 1
    draft.text = "Second text, edited while still a draft"
    draft.save()
    published = services.agreement_publish(version=draft, acting_user=None)
    assert published.number == 2
    import hashlib

    assert published.text_sha256 == hashlib.sha256(
        b"Second text, edited while still a draft").hexdigest()
    assert group.current_version() == published
    assert published.permitted_uses == ["web", "social", "print"]  # carried over


def test_reviewer_publishes_through_the_admin(client, reviewer, group):
    staff_login(client, reviewer)
    response = client.post(reverse("admin:consent_agreementversion_add"), {
        "group": group.pk, "title": "Photo reuse agreement", "text": "Version two text",
        "statements": "I am old enough.\nI license my photos.",
        "permitted_uses": ["web", "outdoor"], "credit_required": "on",
        "credit_format": "Photo: {credit_name} / {group}", "term_years": "5",
        "minimum_age": "18"})
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = AgreementVersion.objects.get(number__isnull=True)
    assert draft.statements == ["I am old enough.", "I license my photos."]
    client.post(reverse("admin:consent_agreementversion_changelist"),
                {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.number == 2 and draft.is_published and draft.published_by == reviewer
    change = client.get(reverse("admin:consent_agreementversion_change", args=[draft.pk]))
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert client.post(reverse("admin:consent_agreementversion_change", args=[draft.pk]),
                       {"text": "changed"}).status_code == 403


def test_bad_credit_format_is_a_form_error(client, reviewer, group):
    staff_login(client, reviewer)
    response = client.post(reverse("admin:consent_agreementversion_add"), {
        "group": group.pk, "title": "T", "text": "x", "statements": "I agree.",
        "permitted_uses": ["web"], "credit_format": "Photo: {name}", "minimum_age": "16"})
    assert response.status_code == 200
    assert "placeholders" in response.content.decode()
    assert AgreementVersion.objects.count() == 1
