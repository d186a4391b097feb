"""Shared pieces of the browser journeys: a resident who may upload, and the upload list."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from photolib.accounts.models import User
from photolib.consent import services as consent_services
from photolib.consent.models import CollectionMethod, CommunityGroup

PASSWORD = "a-long-test-passphrase"


@pytest.fixture
def resident_member() -> User:
    group = CommunityGroup.objects.create(name="City Community Photos",
                                          slug="city-community-photos")
    draft = consent_services.agreement_create_draft(
        group=group, acting_user=None, text="Share your photos with the city.",
        permitted_uses=["web"])
    version = consent_services.agreement_publish(version=draft, acting_user=None)
    user = User.objects.create_user("ana@example.org", PASSWORD, display_name="Ana",
                                    credit_name="Ana K.", email_verified_at=timezone.now())
    user.groups.add(Group.objects.get(name="resident"))
    consent_services.consent_grant(
        user=user, group=group, version_id=version.pk, statements_affirmed=version.statements,
        method=CollectionMethod.SEED,
        context=consent_services.RequestContext(ip_address="127.0.0.1"))
    return user


def item(page, name: str):
    return page.locator(".upload-item").filter(has=page.locator(".upload-name",
                                                                 has_text=name))


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
