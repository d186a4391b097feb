"""The language a person reads the site in (issue 16): the switcher, the browser's choice,
the account's own language on every request and in mail, and the site's default."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from photolib.accounts import services
from photolib.accounts.models import User
from tests.consent.conftest import make_user
from tests.test_settings import run_manage

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def heading(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", response.content.decode(), re.S).group(1).strip()


def test_english_is_the_default_and_the_browser_may_ask_for_another(client):
    assert heading(client.get(reverse("accounts:login"))) == "Sign in"
    german = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert heading(german) == "Anmelden"
    assert german["Content-Language"] == "de"
    assert '<html lang="de">' in german.content.decode()
    french = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="fr-CH")
    assert heading(french) == "Se connecter"
    # A language the site is not translated into: English.
    assert heading(client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="it")) == "Sign in"


def test_every_page_has_the_switcher_with_the_current_language_selected(client):
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f'action="{reverse("accounts:set_language")}"' in page
    assert 'name="csrfmiddlewaretoken"' in page.split('class="inline language-switcher"')[1]
    assert re.search(r'<option value="fr" lang="fr" selected>Français</option>', page)
    assert '<option value="de" lang="de">Deutsch</option>' in page


def test_the_switcher_sets_the_cookie_and_returns_to_the_page(client):
    response = client.post(reverse("accounts:set_language"),
                           {"language": "de", "next": reverse("consent:verify_receipt")})
    assert response.status_code == 302
    assert response["Location"] == reverse("consent:verify_receipt")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    assert heading(client.get(reverse("consent:verify_receipt"))) == "Einwilligungsbeleg prüfen"
    # A language the site does not offer changes nothing.
    client.post(reverse("accounts:set_language"), {"language": "xx", "next": "/"})
    assert heading(client.get(reverse("consent:verify_receipt"))) == "Einwilligungsbeleg prüfen"


def test_the_switcher_is_csrf_protected():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("accounts:set_language"), {"language": "de", "next": "/"})
    assert response.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_a_signed_in_persons_language_is_theirs_on_every_request_and_device(client):
    user = make_user("ana@example.org")
    client.post(reverse("accounts:set_language"), {"language": "de", "next": "/"})
    client.force_login(user)
    client.post(reverse("accounts:set_language"), {"language": "fr", "next": "/"})
    user.refresh_from_db()
    assert user.language == "fr"  # the switcher keeps the account's choice too
    # Another browser, with no cookie and an English Accept-Language: still French.
    from django.test import Client

    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(user)
    assert heading(other.get(reverse("accounts:profile"))) == "Votre compte"


def test_the_profile_page_chooses_the_account_language(client):
    user = make_user("ana@example.org")
    client.force_login(user)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert '<option value="" selected>The site&#x27;s language</option>' in page
    response = client.post(reverse("accounts:profile"), {
        "display_name": "Ana", "credit_name": "Ana K.", "language": "de"}, follow=True)
    user.refresh_from_db()
    assert user.language == "de"
    assert "Ihr Profil wurde gespeichert." in response.content.decode()
    assert heading(response) == "Ihr Konto"
    # Back to the site's language.
    client.post(reverse("accounts:profile"), {"display_name": "Ana", "credit_name": "Ana K.",
                                              "language": ""})
    user.refresh_from_db()
    assert user.language == ""
    assert heading(client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="")) == \
        "Your account"
    refused = client.post(reverse("accounts:profile"), {
        "display_name": "Ana", "credit_name": "Ana K.", "language": "xx"})
    assert refused.status_code == 200 and "xx" in refused.content.decode()
    user.refresh_from_db()
    assert user.language == ""


def test_signing_in_switches_to_the_account_language_and_remembers_it(client):
    user = make_user("ana@example.org")
    services.user_set_language(user=user, language="fr")
    response = client.post(reverse("accounts:login"),
                           {"username": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    client.post(reverse("accounts:logout"))
    # Signed out, the browser keeps reading French.
    assert heading(client.get(reverse("accounts:login"))) == "Se connecter"


def test_sign_up_keeps_the_language_and_the_mail_speaks_it(
        client, django_capture_on_commit_callbacks):
    client.post(reverse("accounts:set_language"), {"language": "fr", "next": "/"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:sign_up"), {
            "email": "lea@example.org", "display_name": "Léa", "credit_name": "",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase"})
    assert User.objects.get(email="lea@example.org").language == "fr"
    assert mail.outbox[-1].subject == ("Confirmez votre adresse e-mail pour la photothèque "
                                       "citoyenne")
    assert "Veuillez confirmer que lea@example.org est votre adresse e-mail" in \
        mail.outbox[-1].body
    # The owner of an existing address is told in their own language, not the requester's.
    existing = User.objects.get(email="lea@example.org")
    services.user_set_language(user=existing, language="de")
    client.post(reverse("accounts:set_language"), {"language": "en", "next": "/"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:sign_up"), {
            "email": "lea@example.org", "display_name": "X", "credit_name": "",
            "password1": "another-long-passphrase", "password2": "another-long-passphrase"})
    assert mail.outbox[-1].subject.startswith("Jemand hat versucht, sich mit Ihrer Adresse")


def test_a_language_the_site_does_not_offer_is_refused_by_the_service():
    user = make_user("ana@example.org")
    with pytest.raises(ValueError, match="LANGUAGES"):
        services.user_set_language(user=user, language="it")


def test_a_city_may_make_another_language_the_default():
    result = run_manage({"PHOTOLIB_LANGUAGE_CODE": "de"}, "shell", "-c",
                        "from django.conf import settings; print(settings.LANGUAGE_CODE)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "de"


def test_an_untranslated_default_language_refuses_to_start_and_says_the_fix():
    result = run_manage({"PHOTOLIB_LANGUAGE_CODE": "it"}, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "PHOTOLIB_LANGUAGE_CODE='it'" in result.stderr
    assert "en, de, fr" in result.stderr
