"""The agreement's credit format (issue 12, item 7): only a bare {credit_name} and {group},
at most 200 characters, checked by the admin form, the model and the services; a credit
line is never made by ``str.format``."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from photolib.consent import services
from photolib.consent.credit import format_credit, validate_credit_format
from photolib.consent.models import AgreementVersion
from tests.conftest import staff_login
from tests.consent.conftest import make_user

pytestmark = pytest.mark.django_db

REFUSED = {
    "attribute": "Photo: {credit_name.nope}",
    "dunder": "Photo: {credit_name.__class__}",
    "index": "Photo: {group[0]}",
    "positional": "Photo: {0}",
    "auto-numbered": "Photo: {}",
    "unknown name": "Photo: {photographer}",
    "gigabyte padding": "Photo: {credit_name:>1000000000}",
    "nested spec": "Photo: {credit_name:{group}}",
    "conversion": "Photo: {credit_name!r}",
    "lone brace": "Photo: {credit_name",
    "closing brace": "Photo: credit_name}",
    "201 characters": "{credit_name} " + "x" * 187,
}
ACCEPTED = {
    "default": ("Photo: {credit_name} / {group}", "Photo: Ana Silva / Harbour Photos"),
    "name only": ("© {credit_name}", "© Ana Silva"),
    "no placeholder": ("City of Harbourtown", "City of Harbourtown"),
    "literal braces": ("{{{credit_name}}} for {group}", "{Ana Silva} for Harbour Photos"),
    "twice": ("{credit_name}, {credit_name}", "Ana Silva, Ana Silva"),
    "200 characters": ("{credit_name}" + "x" * 187, "Ana Silva" + "x" * 187),
}


@pytest.fixture
def reviewer_client(client):
    staff_login(client, make_user("rita@example.org", role="reviewer"))
    return client


def _admin_add(client, group, credit_format):
    return client.post(reverse("admin:consent_agreementversion_add"), {
        "group": group.pk, "title": "T", "text": "Version two", "statements": "I agree.",
        "permitted_uses": ["web"], "credit_required": "on", "credit_format": credit_format,
        "minimum_age": "16"})


@pytest.mark.parametrize("credit_format", REFUSED.values(), ids=REFUSED.keys())
def test_the_admin_form_refuses_the_format_with_a_reason(reviewer_client, group,
                                                        credit_format):
    response = _admin_add(reviewer_client, group, credit_format)
    assert response.status_code == 200  # the form again, with its error: no 500
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["credit_format"]
    assert "placeholders" in errors["credit_format"][0] or "200" in errors["credit_format"][0]
    assert AgreementVersion.objects.count() == 1  # only the published version of the fixture


@pytest.mark.parametrize("credit_format", REFUSED.values(), ids=REFUSED.keys())
def test_the_service_refuses_the_format(group, credit_format):
    with pytest.raises(ValueError, match="placeholders|200 characters"):
        services.agreement_create_draft(group=group, acting_user=None, text="Version two",
                                        credit_format=credit_format)
    assert AgreementVersion.objects.count() == 1


@pytest.mark.parametrize("credit_format", REFUSED.values(), ids=REFUSED.keys())
def test_the_model_refuses_the_format(group, credit_format):
    draft = AgreementVersion(group=group, text="Version two", permitted_uses=["web"],
                             credit_format=credit_format)
    with pytest.raises(ValidationError) as refused:
        draft.full_clean()
    assert list(refused.value.message_dict) == ["credit_format"]


@pytest.mark.parametrize(("credit_format", "line"), ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted_formats_make_their_credit_line(reviewer_client, group, credit_format, line):
    validate_credit_format(credit_format)
    assert format_credit(credit_format, credit_name="Ana Silva", group=group.name) == line
    assert _admin_add(reviewer_client, group, credit_format).status_code == 302
    draft = AgreementVersion.objects.get(number__isnull=True)
    assert draft.credit_format == credit_format
    published = services.agreement_publish(version=draft, acting_user=None)
    assert f"You are credited as “{line.replace('Ana Silva', 'your credit name')}”." \
        in published.summary()


def test_a_draft_stored_with_a_bad_format_is_not_published(group):
    draft = services.agreement_create_draft(group=group, acting_user=None, text="Version two")
    # As a row written before the rule existed, or by hand in the database.
    AgreementVersion.objects.filter(pk=draft.pk).update(credit_format="{credit_name.nope}")
    with pytest.raises(ValueError, match="placeholders"):
        services.agreement_publish(version=draft, acting_user=None)
    draft.refresh_from_db()
    assert not draft.is_published and draft.number is None


def test_a_stored_bad_format_still_gives_a_credit_line(group):
    draft = services.agreement_create_draft(group=group, acting_user=None, text="Version two")
    AgreementVersion.objects.filter(pk=draft.pk).update(credit_format="{0} {credit_name.x}")
    draft.refresh_from_db()
    assert "You are credited as “Photo: your credit name / Harbour Photos”." in draft.summary()
    assert format_credit("{credit_name:>1000000000}", credit_name="Ana",
                         group="Harbour") == "Photo: Ana / Harbour"
