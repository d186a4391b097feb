import pytest
from django.urls import reverse

from photolib.accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def user():
    return User.objects.create_user(email="pat@example.org", password=PASSWORD, display_name="Pat")


def login(client, password, email="pat@example.org"):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_wrong_password_is_a_clear_error(client, user):
    response = login(client, "wrong-password")
    assert response.status_code == 200
    assert "Wrong email or password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_right_password_signs_in(client, user):
    response = login(client, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_repeated_failures_lock_out_and_say_when_to_retry(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "wrong").status_code == 200
    response = login(client, "wrong")
    assert response.status_code == 429
    body = response.content.decode()
    assert "Sign-in paused" in body and "Try again after" in body and "15 minutes" in body
    # Even the right password is refused until the cool-off ends.
    response = login(client, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_of_one_account_leaves_another_alone(client, user, settings):
    User.objects.create_user(email="sam@example.org", password=PASSWORD, display_name="Sam")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong")
    assert login(client, PASSWORD, email="sam@example.org").status_code == 302


def test_logout_needs_post_and_signs_out(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "another-long-passphrase",
        "new_password2": "another-long-passphrase"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-passphrase")


def test_password_reset_by_email(client, user, mailoutbox):
    client.post(reverse("accounts:password_reset"), {"email": "pat@example.org"})
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    path = body[body.index("/accounts/password/reset/"):].split()[0]
    response = client.get(path, follow=True)
    assert "Choose a new password" in response.content.decode()
    set_url = response.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "a-brand-new-passphrase",
                                     "new_password2": "a-brand-new-passphrase"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")


def test_profile_edits_names(client, user):
    client.force_login(user)
    response = client.post(reverse("accounts:profile"),
                           {"display_name": "Patricia", "credit_name": "P. Jones"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.credit_name) == ("Patricia", "P. Jones")


def test_profile_needs_sign_in(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_lockout_keys_on_the_email_whatever_its_letter_case(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong")
    # Another spelling of the same address gets no fresh guesses and cannot sign in.
    response = login(client, PASSWORD, email="PAT@Example.ORG")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_login_shares_the_normalised_lockout(client, settings):
    admin = User.objects.create_superuser(email="boss@example.org", password=PASSWORD,
                                          display_name="Boss")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "boss@example.org", "password": "x"})
    response = client.post(reverse("admin:login"),
                           {"username": "Boss@Example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert admin.pk


def test_many_accounts_from_one_address_lock_the_address(client, settings):
    emails = [f"person{i}@example.org" for i in range(8)]
    for email in emails:
        User.objects.create_user(email=email, password=PASSWORD, display_name="P")
    statuses = [login(client, "wrong", email=email).status_code
                for _ in range(4) for email in emails]  # 32 attempts, 4 per account
    assert statuses.count(429) >= 32 - settings.PHOTOLIB_LOGIN_ADDRESS_FAILURE_LIMIT
    # The address is paused even for an account it never tried, with the right password.
    User.objects.create_user(email="fresh@example.org", password=PASSWORD, display_name="F")
    assert login(client, PASSWORD, email="fresh@example.org").status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is unaffected.
    other = client_class_for(client)
    assert other.post(reverse("accounts:login"),
                      {"username": "fresh@example.org", "password": PASSWORD},
                      REMOTE_ADDR="203.0.113.9").status_code == 302


def client_class_for(client):
    return type(client)()
