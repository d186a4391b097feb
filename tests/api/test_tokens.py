"""Personal API tokens: made and revoked on the web page, shown once, stored hashed; what
each kind of bad token gets (401), what a read-only one may not do (403)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from photolib.accounts.api_tokens import api_token_create, api_token_revoke
from photolib.accounts.errors import TokenRefused
from photolib.accounts.models import ApiToken
from photolib.catalog import services
from photolib.catalog.models import CollectionItem, Download, RecallNotice
from tests.api.conftest import ApiClient
from tests.conftest import staff_login
from tests.consent.conftest import make_user

pytestmark = pytest.mark.django_db


def test_the_token_page_shows_a_new_token_once_and_revokes_it(client, catalog_world):
    officer = catalog_world["marketing"]
    client.force_login(officer)
    made = client.post(reverse("api:tokens"), {"name": "City website", "scope": "read",
                                               "expires_on": ""})
    assert made.status_code == 302  # a reload of the next page makes no second token
    page = client.get(made["Location"])
    assert page["Cache-Control"] == "private, no-store"
    secret = re.search(r"<code data-secret>(plk_[\w-]+)</code>", page.content.decode())[1]
    token = ApiToken.objects.get(user=officer)
    assert (token.name, token.scope, token.expires_at) == ("City website", "read", None)
    assert ApiClient(secret).get(reverse("api:collections")).status_code == 200
    # Never shown again: the list names it by its first characters only.
    listing = client.get(reverse("api:tokens")).content.decode()
    assert secret not in listing and f"{token.prefix}…" in listing
    revoked = client.post(reverse("api:token_revoke", args=[token.pk]))
    assert revoked.status_code == 302
    assert ApiClient(secret).get(reverse("api:collections")).status_code == 401


def test_the_token_page_refuses_a_past_expiry_and_stores_nothing(client, catalog_world):
    client.force_login(catalog_world["marketing"])
    page = client.post(reverse("api:tokens"), {"name": "Old", "scope": "read",
                                               "expires_on": "2020-01-01"})
    assert page.status_code == 400 and "must be in the future" in page.content.decode()
    assert not ApiToken.objects.exists()


def test_only_the_owner_revokes_a_token(client, catalog_world, token_for):
    token, raw = token_for(catalog_world["marketing"])
    other = make_user("olga@example.org", role="marketing")
    client.force_login(other)
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_residents_get_no_tokens(catalog_world):
    with pytest.raises(TokenRefused):
        api_token_create(user=catalog_world["resident"], name="x", scope="read")
    assert not ApiToken.objects.exists()


def _unauthorised(response, words: str) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"] in ("not_authenticated", "authentication_failed")
    assert words in response.json()["message"]


def test_missing_malformed_unknown_revoked_expired_tokens_are_401(catalog_world, token_for,
                                                                   cleared):
    photo = cleared("Harbour")
    url = reverse("api:photo", args=[photo.pk])
    _unauthorised(ApiClient(None).get(url), "credentials were not provided")
    _unauthorised(ApiClient(None).get(url, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz"),
                  "Bearer")
    _unauthorised(ApiClient("plk_" + "x" * 43).get(url), "Unknown API token")
    _unauthorised(ApiClient("something-else").get(url), "not an API token")
    revoked, raw_revoked = token_for(catalog_world["marketing"])
    api_token_revoke(user=catalog_world["marketing"], token_id=revoked.pk)
    _unauthorised(ApiClient(raw_revoked).get(url), "revoked")
    expiring, raw_expired = token_for(catalog_world["marketing"],
                                      expires_at=timezone.now() + timedelta(seconds=30))
    ApiToken.objects.filter(pk=expiring.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    _unauthorised(ApiClient(raw_expired).get(url), "expired")


def test_a_token_stops_working_when_its_owner_leaves_marketing(catalog_world, token_for):
    officer = catalog_world["marketing"]
    _token, raw = token_for(officer)
    officer.groups.remove(Group.objects.get(name="marketing"))
    _unauthorised(ApiClient(raw).get(reverse("api:collections")), "no longer use")


def test_a_read_token_reads_but_may_not_download_or_change_anything(catalog_world, cleared,
                                                                     token_for,
                                                                     django_capture_on_commit_callbacks):
    officer = catalog_world["marketing"]
    photo = cleared("Harbour")
    collection = services.collection_create(owner=officer, name="Spring")
    _token, raw = token_for(officer, scope="read")
    api = ApiClient(raw)
    assert api.get(reverse("api:photo", args=[photo.pk])).status_code == 200
    assert api.get(reverse("api:collection", args=[collection.pk])).status_code == 200
    refused = api.post(reverse("api:downloads"), {"photo_id": str(photo.pk), "use": "web",
                                                  "campaign": "Spring"})
    assert refused.status_code == 403
    assert "download scope" in refused.json()["message"]
    assert api.post(reverse("api:collection_photos", args=[collection.pk]),
                    {"photo_id": str(photo.pk)}).status_code == 403
    assert not Download.objects.exists() and not CollectionItem.objects.exists()
    assert not RecallNotice.objects.exists()


def test_a_staff_session_does_not_open_the_api_and_a_token_ignores_the_session(
        client, catalog_world, token_for, cleared):
    """Sessions are not an API credential: a reviewer signed in past the second factor gets
    401 without a token; a marketing token works from a browser with a half-signed-in
    staff session (no second factor yet) and acts as the token's owner only."""
    photo = cleared("Harbour")
    reviewer = catalog_world["reviewer"]
    staff_login(client, reviewer)
    assert client.get(reverse("api:photo", args=[photo.pk])).status_code == 401
    half = ApiClient(None)
    half.client.force_login(reviewer)  # password only: the web would ask for the code
    _token, raw = token_for(catalog_world["marketing"])
    half.raw = raw
    response = half.get(reverse("api:photo", args=[photo.pk]))
    assert response.status_code == 200
    # CSRF has nothing to protect: a session alone cannot write through the API.
    session_only = ApiClient(None)
    session_only.client.force_login(catalog_world["marketing"])
    assert session_only.post(reverse("api:downloads"), {
        "photo_id": str(photo.pk), "use": "web", "campaign": "x"}).status_code == 401
    assert not Download.objects.exists()


def test_an_expired_staff_session_in_the_same_browser_does_not_block_a_token_call(
        catalog_world, token_for, cleared):
    from photolib.accounts.sessions import STARTED

    photo = cleared("Harbour")
    browser = ApiClient(None)
    staff_login(browser.client, catalog_world["reviewer"])
    session = browser.client.session
    session[STARTED] = 0  # signed in long ago: the web would sign it out
    session.save()
    _token, browser.raw = token_for(catalog_world["marketing"])
    assert browser.get(reverse("api:photo", args=[photo.pk])).status_code == 200
    # The web still applies the staff rules to that session.
    assert browser.client.get(reverse("review:queue")).status_code == 302
