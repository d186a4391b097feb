"""Each account's time zone: the default, the choice on the profile page, and times shown
in it with their zone (Europe/Berlin, on both sides of a daylight-saving change), while the
receipt keeps its UTC ISO 8601 time and the signed content stays UTC."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from unittest import mock

import pytest
from django.urls import reverse

from photolib.accounts import services
from photolib.accounts.models import User
from photolib.consent.models import ConsentRecord
from tests.consent.conftest import grant, make_user, publish

pytestmark = pytest.mark.django_db

# 2026-03-29: Berlin moves from CET (UTC+1) to CEST (UTC+2) at 01:00 UTC.
BEFORE = datetime(2026, 3, 29, 0, 30, 15, tzinfo=UTC)  # 01:30 CET
AFTER = datetime(2026, 3, 29, 1, 30, 15, tzinfo=UTC)   # 03:30 CEST


@pytest.fixture
def harbour(db):
    from photolib.consent.models import CommunityGroup

    group = CommunityGroup.objects.create(name="Harbour Photos", slug="harbour")
    publish(group)
    return group


def granted_at(user, group, when):
    with mock.patch("django.utils.timezone.now", return_value=when):
        return grant(user, group)


def withdrawn_at(user, group, when):
    from photolib.consent.models import CollectionMethod
    from photolib.consent.services import RequestContext, consent_withdraw

    with mock.patch("django.utils.timezone.now", return_value=when):
        return consent_withdraw(user=user, group=group, context=RequestContext(),
                                method=CollectionMethod.WITHDRAW_BUTTON)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_new_account_takes_the_sites_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    user = User.objects.create_user("tz@example.org", "a-long-test-password", display_name="T")
    assert user.time_zone == "Europe/Berlin"
    settings.TIME_ZONE = "UTC"
    other = User.objects.create_user("tz2@example.org", "x" * 16, display_name="U")
    assert other.time_zone == "UTC"


def test_the_profile_page_offers_and_checks_the_zones(client):
    user = make_user("rosa@example.org")
    client.force_login(user)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert '<option value="Europe/Berlin"' in page and '<option value="America/New_York"' in page
    form = {"display_name": "Rosa", "credit_name": "Rosa R."}
    refused = client.post(reverse("accounts:profile"), {**form, "time_zone": "Mars/Olympus"})
    assert refused.status_code == 200
    assert "Mars/Olympus is not one of the available choices" in refused.content.decode()
    user.refresh_from_db()
    assert user.time_zone == "UTC"
    assert client.post(reverse("accounts:profile"),
                       {**form, "time_zone": "Europe/Berlin"}).status_code == 302
    user.refresh_from_db()
    assert user.time_zone == "Europe/Berlin"
    with pytest.raises(Exception, match="time zone"):
        services.user_update_profile(user=user, display_name="Rosa", credit_name="",
                                     time_zone="Europe/Atlantis")


def test_berlin_times_on_the_receipt_and_my_consent_say_their_zone(client, harbour, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    rosa = make_user("rosa@example.org")
    assert rosa.time_zone == "Europe/Berlin"
    winter = granted_at(rosa, harbour, BEFORE)
    summer = withdrawn_at(rosa, harbour, AFTER)
    client.force_login(rosa)

    receipt = text(client.get(summer.get_absolute_url()).content.decode())
    assert "2026-03-29 03:30:15 CEST (Europe/Berlin) (UTC: 2026-03-29T01:30:15+00:00)" in receipt
    assert "Time (UTC)" not in receipt
    old = text(client.get(winter.get_absolute_url()).content.decode())
    assert "2026-03-29 01:30:15 CET (Europe/Berlin) (UTC: 2026-03-29T00:30:15+00:00)" in old

    mine = client.get(reverse("consent:my_consent")).content.decode()
    assert ('<time datetime="2026-03-29T01:30:15+00:00">2026-03-29 03:30:15 CEST (Europe/Berlin)'
            '</time>') in mine
    assert ('<time datetime="2026-03-29T00:30:15+00:00">2026-03-29 01:30:15 CET (Europe/Berlin)'
            '</time>') in mine
    assert "Time (UTC)" not in mine

    # What is signed and hashed stays UTC.
    body = json.loads(client.get(reverse("consent:receipt_json", args=[summer.id])).content)
    assert "2026-03-29T01:30:15+00:00" in json.dumps(body)
    assert "03:30" not in json.dumps(body)


def test_each_person_sees_their_own_zone(client, harbour, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    rosa = make_user("rosa@example.org")
    record = granted_at(rosa, harbour, AFTER)
    rosa.time_zone = "America/New_York"
    rosa.save(update_fields=["time_zone"])
    client.force_login(rosa)
    receipt = text(client.get(record.get_absolute_url()).content.decode())
    assert "2026-03-28 21:30:15 EDT (America/New_York) (UTC: 2026-03-29T01:30:15+00:00)" in receipt
    rosa.time_zone = "UTC"
    rosa.save(update_fields=["time_zone"])
    receipt = text(client.get(record.get_absolute_url()).content.decode())
    assert "2026-03-29 01:30:15 UTC (UTC: 2026-03-29T01:30:15+00:00)" in receipt


def test_the_reviewers_record_pages_say_their_zone(client, harbour, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    rosa = make_user("rosa@example.org")
    record = granted_at(rosa, harbour, AFTER)
    reviewer = make_user("rita@example.org", role="reviewer")
    from tests.conftest import staff_login

    staff_login(client, reviewer)
    listing = client.get(reverse("consent:record_list")).content.decode()
    assert "Time (UTC)" not in listing
    assert "2026-03-29 03:30:15 CEST (Europe/Berlin)" in listing
    detail = text(client.get(reverse("consent:record_detail", args=[record.id])).content.decode())
    assert "2026-03-29 03:30:15 CEST (Europe/Berlin) (UTC: 2026-03-29T01:30:15+00:00)" in detail
    assert ConsentRecord.objects.get(pk=record.pk).created_at == AFTER


def test_a_receipt_time_that_is_not_a_time_is_shown_as_written():
    from photolib.accounts.templatetags.local_time import when, when_utc

    assert when_utc("") == "" and when_utc("yesterday") == "yesterday"
    assert when(None) == "" and when_utc(None) == ""
    assert "(UTC: 2026-03-29T01:30:15+00:00)" in when_utc("2026-03-29T01:30:15.123+00:00")
