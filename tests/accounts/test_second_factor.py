"""Staff need a second factor: an authenticator code (TOTP) or a single-use recovery code.

Every flow goes through HTTP as a person would: the password form, then the code page or
enrolment, with codes computed from the secret the enrolment page shows.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from photolib.accounts import second_factor
from photolib.accounts.models import User
from tests.conftest import staff_login, totp_code
from tests.consent.conftest import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def sign_in(client, user):
    response = client.post(reverse("accounts:login"),
                           {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def enrolled(email="rita@example.org", role="reviewer"):
    user = make_user(email, role=role)
    second_factor.second_factor_seed(user=user, secret_base32_text=SECRET,
                                     recovery_code="spare-code-1")
    return user


def code_page(client):
    return f"{reverse('accounts:second_factor')}?next={reverse('review:queue')}"


# --- The gate -----------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["review:queue", "consent:record_list", "admin:index",
                                      "accounts:profile"])
def test_staff_without_a_device_is_sent_to_enrolment_from_every_page(client, url_name):
    user = make_user("rita@example.org", role="reviewer")
    sign_in(client, user)
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == reverse("accounts:second_factor_enrol")
    assert parse_qs(target.query)["next"] == [reverse(url_name)]


def test_an_admin_by_permission_alone_is_gated_too(client):
    user = make_user("ada@example.org", role="resident")
    user.user_permissions.add(Permission.objects.get(codename="use_admin"))
    user = User.objects.get(pk=user.pk)
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:second_factor_enrol"))


def test_superuser_signed_in_through_the_admin_login_still_needs_the_code(client):
    admin = User.objects.create_superuser(email="boss@example.org", password=PASSWORD,
                                          display_name="Boss")
    second_factor.second_factor_seed(user=admin, secret_base32_text=SECRET,
                                     recovery_code="spare-code-1")
    response = client.post(f"{reverse('admin:login')}?next=/admin/",
                           {"username": admin.email, "password": PASSWORD})
    assert response.status_code == 302
    gated = client.get(reverse("admin:accounts_user_changelist"))
    assert gated.status_code == 302
    assert gated["Location"].startswith(reverse("accounts:second_factor"))
    done = client.post(gated["Location"], {"code": totp_code(SECRET)})
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:accounts_user_changelist")
    assert client.get(done["Location"]).status_code == 200


@pytest.mark.parametrize(("role", "url_name"), [("resident", "consent:my_consent"),
                                                 ("marketing", "catalog:search")])
def test_residents_and_marketing_are_never_asked(client, role, url_name):
    user = make_user(f"{role}@example.org", role=role)
    sign_in(client, user)
    assert client.get(reverse(url_name)).status_code == 200
    # The code pages send them straight on, and make no device for them.
    assert client.get(reverse("accounts:second_factor_enrol")).status_code == 302
    assert client.get(reverse("accounts:second_factor")).status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_an_unverified_staff_session_may_still_sign_out(client):
    sign_in(client, make_user("rita@example.org", role="reviewer"))
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


# --- Enrolment -------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_secret_and_a_first_code_confirms_it(client):
    user = make_user("rita@example.org", role="reviewer")
    sign_in(client, user)
    page = client.get(f"{reverse('accounts:second_factor_enrol')}?next=/review/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in body
    uri = unquote(re.search(r'data-field="otpauth-uri">([^<]+)<', body).group(1))
    assert uri.startswith("otpauth://totp/") and "rita@example.org" in uri
    secret = parse_qs(urlsplit(uri.replace("&amp;", "&")).query)["secret"][0]
    typed = re.search(r'data-field="secret">([^<]+)<', body).group(1)
    assert typed.replace(" ", "") == secret
    # Reloading keeps the same secret, and nothing is stored before a code confirms it.
    assert secret in unquote(client.get(reverse("accounts:second_factor_enrol"))
                             .content.decode().replace("&amp;", "&"))
    assert not TOTPDevice.objects.filter(user=user).exists()

    wrong = client.post(reverse("accounts:second_factor_enrol"),
                        {"code": "000000" if totp_code(secret) != "000000" else "111111",
                         "next": "/review/"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    assert client.get(reverse("review:queue")).status_code == 302

    done = client.post(reverse("accounts:second_factor_enrol"),
                       {"code": totp_code(secret), "next": "/review/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == len(set(codes)) == second_factor.RECOVERY_CODE_COUNT
    assert sorted(StaticToken.objects.filter(device__user=user)
                  .values_list("token", flat=True)) == sorted(codes)
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and second_factor.secret_base32(device.key) == secret
    assert 'href="/review/"' in done.content.decode()
    assert client.get(reverse("review:queue")).status_code == 200
    # Shown once: the enrolment page now sends the member to the code page instead.
    client.post(reverse("accounts:logout"))
    sign_in(client, user)
    again = client.get(reverse("accounts:second_factor_enrol"))
    assert again["Location"].startswith(reverse("accounts:second_factor"))


# --- Later sign-ins --------------------------------------------------------------


def test_wrong_code_is_refused_and_the_right_one_lets_in(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wait between tries has its own test
    user = enrolled()
    sign_in(client, user)
    assert client.get(reverse("review:queue"))["Location"].startswith(
        reverse("accounts:second_factor"))
    right = totp_code(SECRET)
    wrong = client.post(code_page(client), {"code": "000000" if right != "000000" else "1"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert client.get(reverse("review:queue")).status_code == 302

    response = client.post(code_page(client), {"code": right[:3] + " " + right[3:]})
    assert response.status_code == 302 and response["Location"] == reverse("review:queue")
    assert client.get(reverse("review:queue")).status_code == 200
    assert client.get(reverse("consent:record_list")).status_code == 200


def test_a_code_works_once(client):
    user = enrolled()
    code = totp_code(SECRET)
    sign_in(client, user)
    assert client.post(code_page(client), {"code": code}).status_code == 302
    client.post(reverse("accounts:logout"))
    sign_in(client, user)
    replay = client.post(code_page(client), {"code": code})
    assert replay.status_code == 200
    assert client.get(reverse("review:queue")).status_code == 302


def test_wrong_codes_make_the_next_try_wait(client):
    user = enrolled()
    sign_in(client, user)
    right = totp_code(SECRET)
    client.post(code_page(client), {"code": "000000" if right != "000000" else "111111"})
    waiting = client.post(code_page(client), {"code": right})
    assert waiting.status_code == 429
    assert "Too many wrong codes. Wait" in waiting.content.decode()
    assert client.get(reverse("review:queue")).status_code == 302
    # Once the wait is over, the right code lets in.
    device = TOTPDevice.objects.get(user=user)
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=5))
    assert client.post(code_page(client), {"code": right}).status_code == 302
    assert client.get(reverse("review:queue")).status_code == 200


def test_a_recovery_code_works_once(client):
    user = enrolled()
    sign_in(client, user)
    response = client.post(code_page(client), {"code": "SPARE-CODE-1"}, follow=True)
    assert response.status_code == 200
    assert "recovery code; 0 of 10 are left" in response.content.decode()
    assert client.get(reverse("review:queue")).status_code == 200
    assert not StaticToken.objects.filter(device__user=user).exists()
    client.post(reverse("accounts:logout"))
    sign_in(client, user)
    again = client.post(code_page(client), {"code": "spare-code-1"})
    assert again.status_code == 200
    assert "That code is not right" in again.content.decode()
    assert client.get(reverse("review:queue")).status_code == 302


def test_next_never_leaves_the_site(client):
    user = enrolled()
    sign_in(client, user)
    response = client.post(f"{reverse('accounts:second_factor')}?next=https://evil.example/",
                           {"code": totp_code(SECRET)})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_a_device_of_another_account_does_not_verify_a_session(client):
    rita, other = enrolled(), enrolled("otto@example.org")
    client.force_login(rita)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=other).persistent_id
    session.save()
    assert client.get(reverse("review:queue")).status_code == 302


def test_the_test_helper_verifies_as_django_otp_does(client):
    user = make_user("rita@example.org", role="reviewer")
    device = staff_login(client, user)
    assert device.confirmed and device.user_id == user.pk
    assert client.get(reverse("review:queue")).status_code == 200
    assert not StaticDevice.objects.filter(user=user).exists()
