import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from photolib.accounts import services, tokens
from photolib.accounts.models import User

pytestmark = pytest.mark.django_db

GOOD = {
    "email": "Ana.Silva@Example.org",
    "display_name": "Ana Silva",
    "credit_name": "Ana S.",
    "password1": "a-long-and-unusual-passphrase",
    "password2": "a-long-and-unusual-passphrase",
}


def link_from(message) -> str:
    match = re.search(r"https?://\S+/accounts/verify/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_sign_up_creates_an_unverified_resident_and_mails_the_link(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:sign_up"), GOOD)
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    user = User.objects.get()
    assert user.email == "ana.silva@example.org"
    assert user.credit_name == "Ana S."
    assert not user.is_verified
    assert [g.name for g in user.groups.all()] == ["resident"]
    assert user.has_perm("accounts.contribute")
    assert not user.has_perm("accounts.use_catalog") and not user.has_perm("accounts.moderate")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ana.silva@example.org"]

    response = client.get(path_of(link_from(mail.outbox[0])))
    assert response.status_code == 200 and "Email confirmed" in response.content.decode()
    user.refresh_from_db()
    assert user.is_verified


def test_credit_name_defaults_to_display_name(client):
    client.post(reverse("accounts:sign_up"), {**GOOD, "credit_name": ""})
    assert User.objects.get().credit_name == "Ana Silva"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"password1": "password", "password2": "password"}, "password2", "too common"),
        ({"password1": "83749201", "password2": "83749201"}, "password2", "too short"),
        ({"password2": "something-else-entirely"}, "password2", "didn’t match"),
        ({"display_name": ""}, "display_name", "This field is required."),
    ],
)
def test_bad_sign_up_shows_form_errors_and_creates_nothing(client, change, field, message):
    response = client.post(reverse("accounts:sign_up"), {**GOOD, **change})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not User.objects.exists()
    assert mail.outbox == []


def test_taken_email_whatever_its_case_changes_nothing_and_tells_the_owner(
        client, django_capture_on_commit_callbacks):
    """Not a form error: that would tell anyone whether the address is registered
    (issue 12, item 7). The page is the one a new address gets; the owner gets a note."""
    User.objects.create_user(email="ana.silva@example.org", password="x" * 12, display_name="A")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:sign_up"),
                               {**GOOD, "email": "ANA.SILVA@example.org"})
    assert response.status_code == 200 and "Check your email" in response.content.decode()
    assert User.objects.count() == 1
    assert User.objects.get().display_name == "A"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ana.silva@example.org"]
    assert "Someone tried to sign up" in mail.outbox[0].body


@pytest.fixture
def fresh_user():
    user = User.objects.create_user(email="new@example.org", password="x" * 12, display_name="N")
    user.groups.add(Group.objects.get(name="resident"))
    return user


def verify(client, token):
    return client.get(reverse("accounts:verify", kwargs={"token": token}))


def test_tampered_token_is_refused_without_change(client, fresh_user):
    token = tokens.make_verification_token(fresh_user)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = verify(client, tampered)
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    fresh_user.refresh_from_db()
    assert not fresh_user.is_verified


def test_token_for_another_address_is_refused(client, fresh_user):
    token = tokens.make_verification_token(fresh_user)
    fresh_user.email = "changed@example.org"
    fresh_user.save()
    assert verify(client, token).status_code == 400
    fresh_user.refresh_from_db()
    assert not fresh_user.is_verified


def test_reused_token_says_so_and_changes_nothing(client, fresh_user):
    token = tokens.make_verification_token(fresh_user)
    assert verify(client, token).status_code == 200
    fresh_user.refresh_from_db()
    first = fresh_user.email_verified_at
    response = verify(client, token)
    assert response.status_code == 400
    assert "already been used" in response.content.decode()
    fresh_user.refresh_from_db()
    assert fresh_user.email_verified_at == first


def test_expired_token_is_refused(client, fresh_user, settings):
    settings.EMAIL_VERIFICATION_MAX_AGE = timedelta(days=3)
    four_days_ago = time.time() - 4 * 86400
    with mock.patch("django.core.signing.time.time", return_value=four_days_ago):
        token = tokens.make_verification_token(fresh_user)
    response = verify(client, token)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    fresh_user.refresh_from_db()
    assert not fresh_user.is_verified


def test_unverified_account_can_sign_in_and_sees_the_reminder(client, fresh_user):
    response = client.post(reverse("accounts:login"),
                           {"username": "new@example.org", "password": "x" * 12}, follow=True)
    assert response.context["user"].is_authenticated
    assert "Please confirm your email address" in response.content.decode()


def test_resend_sends_a_fresh_link(client, fresh_user, django_capture_on_commit_callbacks):
    client.force_login(fresh_user)
    with django_capture_on_commit_callbacks() as callbacks:  # a task, after commit
        client.post(reverse("accounts:resend_verification"))
    assert mail.outbox == []  # the request itself sends nothing
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert verify(client, path_of(link_from(mail.outbox[0])).split("/")[-2]).status_code == 200


def test_service_refuses_unknown_role(fresh_user):
    with pytest.raises(ValueError):
        services.user_grant_role(user=fresh_user, role="superhero")
