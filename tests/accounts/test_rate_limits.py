"""Abuse limits on the account pages (issue 12, items 4 and 7): floods of password resets,
sign-ups and verification mails stop at the configured limit with a 429 that says when to
retry, and sign-up does not tell whether an address is registered."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from limits import parse_many

from photolib import ratelimit
from photolib.accounts.models import User
from photolib.env import env_rate_limits

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def allowed(settings, name: str) -> int:
    """How many attempts the configured limit ``name`` lets through in its shortest window."""
    return min(item.amount for item in parse_many(settings.PHOTOLIB_RATE_LIMITS[name]))


def sign_up_data(email: str, **extra) -> dict:
    return {"email": email, "display_name": "Ana Silva", "credit_name": "",
            "password1": PASSWORD, "password2": PASSWORD, **extra}


def assert_limited(response, what: str, longest: int) -> int:
    """A 429 page that names what was limited and when to retry; returns Retry-After."""
    assert response.status_code == 429, response.content[:500]
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= longest
    body = response.content.decode()
    assert "Too many attempts" in body and what in body
    assert "Please try again in" in body and "You can try again after" in body
    return retry_after


@pytest.fixture
def resident():
    user = User.objects.create_user(email="pat@example.org", password=PASSWORD,
                                    display_name="Pat")
    user.groups.add(Group.objects.get(name="resident"))
    return user


# --- Password reset ---------------------------------------------------------------------------

def test_twenty_resets_to_one_address_send_only_the_limit(client, settings, resident,
                                                          mailoutbox):
    limit = allowed(settings, "password-reset-email")
    statuses = []
    for n in range(20):
        # Another letter case is the same address and the same count.
        email = "Pat@Example.org" if n % 2 else "PAT@example.ORG"
        response = client.post(reverse("accounts:password_reset"), {"email": email})
        statuses.append(response.status_code)
    assert statuses[:limit] == [302] * limit
    assert statuses[limit:] == [429] * (20 - limit)
    assert len(mailoutbox) == limit and {m.to[0] for m in mailoutbox} == {"pat@example.org"}
    # The email's limit was reached first; later the client's address reached its own.
    assert_limited(response, "password reset requests", 3600)
    fresh_client = client.post(reverse("accounts:password_reset"), {"email": "pat@example.org"},
                               REMOTE_ADDR="192.0.2.44")
    assert_limited(fresh_client, "password reset requests for this email address", 3600)
    assert len(mailoutbox) == limit


def test_resets_to_many_addresses_from_one_client_stop_at_the_address_limit(
        client, settings, mailoutbox):
    limit = allowed(settings, "password-reset-address")
    for n in range(limit):
        User.objects.create_user(email=f"r{n}@example.org", password=PASSWORD, display_name="R")
        response = client.post(reverse("accounts:password_reset"), {"email": f"r{n}@example.org"})
        assert response.status_code == 302
    response = client.post(reverse("accounts:password_reset"), {"email": "last@example.org"})
    assert_limited(response, "password reset requests from your network address", 3600)
    assert len(mailoutbox) == limit
    # Another client address is counted apart.
    other = client.post(reverse("accounts:password_reset"), {"email": "r0@example.org"},
                        REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 302 and len(mailoutbox) == limit + 1


def test_an_unknown_address_is_limited_exactly_like_a_known_one(client, settings, resident):
    limit = allowed(settings, "password-reset-email")
    answers = {}
    for email in ("pat@example.org", "nobody@example.org"):
        answers[email] = [client.post(reverse("accounts:password_reset"), {"email": email},
                                      REMOTE_ADDR=f"198.51.100.{len(answers) + 1}").status_code
                          for _ in range(limit + 2)]
    assert answers["pat@example.org"] == answers["nobody@example.org"]
    assert answers["pat@example.org"] == [302] * limit + [429, 429]


def test_a_limited_json_caller_gets_json_and_retry_after(client, settings, resident):
    for _ in range(allowed(settings, "password-reset-email")):
        client.post(reverse("accounts:password_reset"), {"email": "pat@example.org"})
    response = client.post(reverse("accounts:password_reset"), {"email": "pat@example.org"},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert response.json()["error"] == "rate_limited"
    assert "password reset requests" in response.json()["message"]


def test_the_window_moves_on_and_the_next_attempt_is_allowed(client, settings, resident,
                                                            mailoutbox):
    settings.PHOTOLIB_RATE_LIMITS = {**settings.PHOTOLIB_RATE_LIMITS,
                                     "password-reset-email": "2/2 seconds"}
    for _ in range(2):
        assert client.post(reverse("accounts:password_reset"),
                           {"email": "pat@example.org"}).status_code == 302
    response = client.post(reverse("accounts:password_reset"), {"email": "pat@example.org"})
    retry_after = assert_limited(response, "password reset requests", 2)
    time.sleep(retry_after + 0.2)
    assert client.post(reverse("accounts:password_reset"),
                       {"email": "pat@example.org"}).status_code == 302
    assert len(mailoutbox) == 3


def test_the_reset_mail_holds_no_name_the_account_chose(client, mailoutbox):
    User.objects.create_user(email="pat@example.org", password=PASSWORD,
                             display_name="WIN A PRIZE at evil.example")
    client.post(reverse("accounts:password_reset"), {"email": "pat@example.org"})
    assert len(mailoutbox) == 1
    assert "PRIZE" not in mailoutbox[0].body and "evil.example" not in mailoutbox[0].body


# --- Sign-up --------------------------------------------------------------------------------

def post_committed(capture, client, url, data=None, **extra):
    """A POST whose on-commit work (the mail tasks, eager here) runs as in production."""
    with capture(execute=True):
        return client.post(url, data or {}, **extra)


def test_sign_up_flood_to_one_address_mails_only_the_limit(
        client, settings, mailoutbox, django_capture_on_commit_callbacks):
    limit = allowed(settings, "sign-up-email")
    statuses = [post_committed(django_capture_on_commit_callbacks, client,
                               reverse("accounts:sign_up"),
                               sign_up_data("Ana@Example.org" if n % 2 else "ana@example.org"),
                               REMOTE_ADDR=f"192.0.2.{n + 1}").status_code
                for n in range(20)]
    assert statuses == [200] * limit + [429] * (20 - limit)
    assert_limited(client.post(reverse("accounts:sign_up"), sign_up_data("ana@example.org")),
                   "sign-ups for this email address", 3600)
    assert User.objects.count() == 1
    # One verification link, then a note to the (unverified) owner per later attempt.
    assert len(mailoutbox) == limit
    assert {m.to[0] for m in mailoutbox} == {"ana@example.org"}


def test_sign_ups_from_one_client_stop_at_the_address_limit(
        client, settings, mailoutbox, django_capture_on_commit_callbacks):
    limit = allowed(settings, "sign-up-address")
    for n in range(limit):
        assert post_committed(django_capture_on_commit_callbacks, client,
                              reverse("accounts:sign_up"),
                              sign_up_data(f"a{n}@example.org")).status_code == 200
    response = post_committed(django_capture_on_commit_callbacks, client,
                              reverse("accounts:sign_up"), sign_up_data("one-more@example.org"))
    assert_limited(response, "sign-ups from your network address", 3600)
    assert User.objects.count() == limit and len(mailoutbox) == limit
    assert not User.objects.filter(email="one-more@example.org").exists()


def test_a_sign_up_form_with_errors_sends_nothing_and_is_not_a_429(client, settings,
                                                                   mailoutbox):
    for _ in range(allowed(settings, "sign-up-address") + 2):
        response = client.post(reverse("accounts:sign_up"),
                               sign_up_data("ana@example.org", password2="something-else"))
        assert response.status_code == 200 and response.context["form"].errors
    assert mailoutbox == [] and not User.objects.exists()


def normalised(html: str) -> str:
    """The page without what differs on every request anyway (CSP nonces, CSRF tokens)."""
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_sign_up_answers_the_same_whether_or_not_the_address_is_registered(
        client, settings, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        new = client.post(reverse("accounts:sign_up"), sign_up_data("ana@example.org"))
    owner = User.objects.get()
    assert len(mailoutbox) == 1 and "/accounts/verify/" in mailoutbox[0].body

    # A stranger, from elsewhere, with the same address in another case and their own
    # name and password.
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(reverse("accounts:sign_up"),
                            sign_up_data("ANA@example.org", display_name="Mallory",
                                         password1="another-passphrase-entirely",
                                         password2="another-passphrase-entirely"),
                            REMOTE_ADDR="203.0.113.7")
    assert new.status_code == taken.status_code == 200
    assert normalised(new.content.decode()) == normalised(taken.content.decode())

    # Nothing changed on the account; its owner was told instead.
    assert User.objects.count() == 1
    owner.refresh_from_db()
    assert owner.display_name == "Ana Silva" and owner.check_password(PASSWORD)
    assert len(mailoutbox) == 2
    notice = mailoutbox[1]
    assert notice.to == ["ana@example.org"]
    assert "Someone tried to sign up" in notice.body
    assert "/accounts/login/" in notice.body and "/accounts/password/reset/" in notice.body
    assert "/accounts/verify/" not in notice.body and "Mallory" not in notice.body


HOSTILE = "Claim your prize at https://evil.example/win"


def test_the_verification_mail_holds_no_text_the_requester_chose(
        client, mailoutbox, django_capture_on_commit_callbacks):
    post_committed(django_capture_on_commit_callbacks, client, reverse("accounts:sign_up"),
                   sign_up_data("ana@example.org", display_name=HOSTILE, credit_name=HOSTILE))
    assert User.objects.get().display_name == HOSTILE  # stored, shown only to its owner
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    for text in (message.subject, message.body):
        for piece in (HOSTILE, "prize", "evil.example"):
            assert piece not in text
    assert "/accounts/verify/" in message.body


# --- Resend verification --------------------------------------------------------------------

def test_resend_flood_mails_only_the_limit(client, settings, resident, mailoutbox,
                                           django_capture_on_commit_callbacks):
    limit = allowed(settings, "resend-verification-account")
    client.force_login(resident)
    statuses = [post_committed(django_capture_on_commit_callbacks, client,
                               reverse("accounts:resend_verification"),
                               REMOTE_ADDR=f"192.0.2.{n + 1}").status_code
                for n in range(20)]
    assert statuses == [302] * limit + [429] * (20 - limit)
    assert_limited(client.post(reverse("accounts:resend_verification")),
                   "requests for a new verification link from your account", 3600)
    assert len(mailoutbox) == limit


# --- Settings -------------------------------------------------------------------------------

def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PHOTOLIB_RATE_LIMIT_SIGN_UP_EMAIL", "7/day")
    monkeypatch.setenv("PHOTOLIB_RATE_LIMIT_UPLOAD_ACCOUNT", "off")
    found = env_rate_limits({"sign-up-email": "3/hour", "upload-account": "9/minute",
                             "download-account": "5/hour"})
    assert found == {"sign-up-email": "7/day", "upload-account": None,
                     "download-account": "5/hour"}


def test_a_bad_limit_in_the_environment_says_how_to_write_one(monkeypatch):
    monkeypatch.setenv("PHOTOLIB_RATE_LIMIT_SIGN_UP_EMAIL", "lots")
    with pytest.raises(ImproperlyConfigured, match="PHOTOLIB_RATE_LIMIT_SIGN_UP_EMAIL.*5/hour"):
        env_rate_limits({"sign-up-email": "3/hour"})


def test_a_limit_turned_off_counts_nothing(client, settings, resident, mailoutbox):
    settings.PHOTOLIB_RATE_LIMITS = {**settings.PHOTOLIB_RATE_LIMITS,
                                     "password-reset-email": None,
                                     "password-reset-address": None}
    for _ in range(12):
        assert client.post(reverse("accounts:password_reset"),
                           {"email": "pat@example.org"}).status_code == 302
    assert len(mailoutbox) == 12


def test_an_action_without_a_configured_limit_is_a_configuration_error(settings):
    with pytest.raises(ImproperlyConfigured, match="no limit named 'nonsense-account'"):
        ratelimit.enforce("nonsense", account=1)


def test_counts_in_redis_are_shared_by_every_process(settings, redis_url):
    """With Redis (production), a new limiter (as in another web process) sees the counts."""
    settings.PHOTOLIB_RATE_LIMIT_STORAGE = redis_url
    settings.PHOTOLIB_RATE_LIMITS = {**settings.PHOTOLIB_RATE_LIMITS,
                                     "download-account": "2/hour"}
    ratelimit.reset()
    try:
        ratelimit.enforce("download", account=4242)
        ratelimit._limiter.cache_clear()  # forget this process's limiter object
        ratelimit.enforce("download", account=4242)
        ratelimit._limiter.cache_clear()
        with pytest.raises(ratelimit.RateLimited) as caught:
            ratelimit.enforce("download", account=4242)
        assert 3500 < caught.value.retry_after <= 3600
        ratelimit.enforce("download", account=4243)  # another account: its own count
    finally:
        ratelimit.reset()
        ratelimit._limiter.cache_clear()


def test_a_limit_store_that_does_not_answer_lets_the_request_through(settings, closed_port,
                                                                     caplog):
    settings.PHOTOLIB_RATE_LIMIT_STORAGE = f"redis://127.0.0.1:{closed_port}/0"
    try:
        for _ in range(5):
            ratelimit.enforce("download", account=1)
    finally:
        ratelimit._limiter.cache_clear()
    assert "the limit store failed" in caplog.text
