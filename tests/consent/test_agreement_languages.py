"""One agreement version in several languages (issue 16): each language variant is its own
published text with its own hash; a resident is shown and accepts the variant in their
language (else the first published); the record, its receipt and its ISO/IEC TS 27560
notice name the variant and its language; accepting any variant of the current number is
accepting the current version."""

from __future__ import annotations

import hashlib

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from photolib.accounts import services as account_services
from photolib.consent import iso27560, receipts, services
from photolib.consent.errors import AlreadyMember, NotCurrentVersion
from photolib.consent.models import AgreementVersion, CollectionMethod
from photolib.consent.selectors import membership
from tests.consent.conftest import grant, make_user, publish

pytestmark = pytest.mark.django_db

GERMAN_TEXT = "Vereinbarung über die Weiternutzung von Fotos (deutsche Fassung)."


def translate(group, language: str, text: str) -> AgreementVersion:
    draft = services.agreement_create_draft(group=group, acting_user=None, text=text,
                                            language=language)
    return services.agreement_publish(version=draft, acting_user=None, as_translation=True)


def test_a_translation_is_the_same_version_with_its_own_text_and_hash(group):
    english = group.current_version()
    assert english.language == "en" and english.number == 1
    german = translate(group, "de", GERMAN_TEXT)
    assert (german.number, german.language) == (1, "de")
    assert german.text_sha256 == hashlib.sha256(GERMAN_TEXT.encode()).hexdigest()
    assert german.text_sha256 != english.text_sha256
    assert group.current_version("de") == german
    assert group.current_version("fr") == english  # not published in French: the first
    assert group.current_version() == english
    with pytest.raises(ValueError, match="already published in Deutsch"):
        translate(group, "de", "Eine zweite deutsche Fassung.")
    # A new version is a new number, in whatever language it is written.
    v2 = publish(group, text="Version two.")
    assert (v2.number, v2.language) == (2, "en")
    assert group.current_version("de") == v2


def test_the_database_refuses_two_texts_of_one_version_in_one_language(group):
    english = group.current_version()
    text = "Another English text of version one."
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementVersion.objects.create(
            group=group, number=english.number, language="en", text=text,
            text_sha256=hashlib.sha256(text.encode()).hexdigest(), published_at=timezone.now(),
            permitted_uses=["web"])


def test_a_german_resident_accepts_the_german_text_and_the_receipt_says_so(
        client, group, resident):
    german = translate(group, "de", GERMAN_TEXT)
    account_services.user_set_language(user=resident, language="de")
    client.force_login(resident)
    page = client.get(reverse("consent:join", args=[group.slug])).content.decode()
    assert GERMAN_TEXT in page
    form = {"version_id": german.pk,
            **{f"statement_{i}": "on" for i in range(len(german.statements))}}
    response = client.post(reverse("consent:join", args=[group.slug]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    record = membership(resident, group).grant
    assert record.agreement_version == german
    assert record.agreement_text_sha256 == german.text_sha256
    assert receipts.receipt_json(record)["language"] == "de"
    assert iso27560.consent_record(record)["processing"]["language"] == "de"
    assert receipts.receipt_verify(token=receipts.receipt_jws(record)).valid


def test_accepting_any_variant_of_the_current_number_is_enough(group, resident):
    other_resident = make_user("otto@example.org")
    grant(resident, group)  # the English text of version 1
    before = receipts.receipt_json(membership(resident, group).grant)
    german = translate(group, "de", GERMAN_TEXT)
    state = membership(resident, group)
    assert not state.needs_reaccept and state.may_upload
    assert receipts.receipt_json(state.grant) == before  # existing receipts do not change
    assert before["language"] == "en"
    # Joining under the German text is joining the current version too...
    record = services.consent_grant(
        user=other_resident, group=group, version_id=german.pk,
        statements_affirmed=german.statements, method=CollectionMethod.JOIN_FORM,
        context=services.RequestContext())
    assert record.agreement_version == german
    # ...and the English member is already a member of version 1 under either text.
    with pytest.raises(AlreadyMember):
        services.consent_grant(
            user=resident, group=group, version_id=german.pk,
            statements_affirmed=german.statements, method=CollectionMethod.REACCEPT_FORM,
            context=services.RequestContext())
    # A new number asks everyone again, whichever text they accepted.
    publish(group, text="Version two.")
    assert membership(resident, group).needs_reaccept
    assert membership(other_resident, group).needs_reaccept
    with pytest.raises(NotCurrentVersion):
        services.consent_grant(
            user=other_resident, group=group, version_id=german.pk,
            statements_affirmed=german.statements, method=CollectionMethod.REACCEPT_FORM,
            context=services.RequestContext())


@pytest.mark.postgres
def test_postgres_trigger_guards_the_language_of_a_published_version(group):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    version = group.current_version()
    with pytest.raises(DatabaseError) as refused, transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("UPDATE consent_agreementversion SET language = 'de' WHERE id = %s",
                       [version.pk])
    assert "published and immutable" in str(refused.value)
    assert AgreementVersion.objects.get(pk=version.pk).language == "en"
