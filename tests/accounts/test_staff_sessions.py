"""Staff sessions end after 30 minutes idle and 12 hours in all; NUL bytes are a 400."""

import time

import pytest
from django.urls import reverse

from photolib.accounts.models import User
from photolib.accounts.sessions import STARTED
from tests.conftest import staff_login
from tests.consent.conftest import make_user

pytestmark = pytest.mark.django_db


def test_reviewer_sessions_slide_for_thirty_idle_minutes(client):
    staff_login(client, make_user("rita@example.org", role="reviewer"))
    response = client.get(reverse("consent:record_list"))
    assert response.status_code == 200
    assert client.session.get_expiry_age() == 30 * 60
    assert client.cookies["sessionid"]["max-age"] == 30 * 60


def test_reviewer_session_ends_twelve_hours_after_sign_in(client):
    reviewer = make_user("rita@example.org", role="reviewer")
    staff_login(client, reviewer)
    client.get(reverse("consent:record_list"))
    session = client.session
    session[STARTED] = time.time() - 12 * 3600 - 60
    session.save()
    response = client.get(reverse("consent:record_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    # Signing in again starts a new twelve hours.
    staff_login(client, reviewer)
    assert client.get(reverse("consent:record_list")).status_code == 200


def test_admin_sessions_are_short_too(client):
    admin = User.objects.create_superuser(email="boss@example.org",
                                          password="a-long-test-password", display_name="B")
    staff_login(client, admin)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.session.get_expiry_age() == 30 * 60


def test_residents_keep_the_default_session(client, settings):
    client.force_login(make_user("rosa@example.org"))
    client.get(reverse("consent:my_consent"))
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert STARTED not in client.session


def test_nul_in_an_admin_list_filter_is_a_400_with_a_reason(client):
    admin = User.objects.create_superuser(email="boss@example.org",
                                          password="a-long-test-password", display_name="B")
    staff_login(client, admin)
    response = client.get("/admin/accounts/user/", {"q": "ro\x00sa"})
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    assert client.get("/admin/accounts/user/", {"q": "rosa"}).status_code == 200


def test_nul_in_a_form_is_a_400(client):
    # As a browser sends the sign-in form: urlencoded. (Multipart bodies are left to
    # their views, because the upload view installs its own streaming handler.)
    response = client.post(reverse("accounts:login"), "username=a%00%40example.org&password=x",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
