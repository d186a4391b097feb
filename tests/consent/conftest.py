import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from photolib.accounts.models import User
from photolib.consent import services
from photolib.consent.models import CollectionMethod, CommunityGroup
from photolib.consent.selectors import membership

TEXT_V1 = "Version one of the agreement.\nYou license your photos to the city."


def make_user(email: str, role: str = "resident", verified: bool = True) -> User:
    user = User.objects.create_user(email=email, password="a-long-test-password",
                                    display_name=email.split("@")[0].title(),
                                    credit_name=email.split("@")[0].title())
    user.groups.add(Group.objects.get(name=role))
    if verified:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def publish(group: CommunityGroup, text: str = TEXT_V1, **terms):
    terms.setdefault("permitted_uses", ["web", "social", "print"])
    draft = services.agreement_create_draft(group=group, acting_user=None, text=text, **terms)
    return services.agreement_publish(version=draft, acting_user=None)


def grant(user, group, context=None):
    """Accept the current version as the join page does: the join form for a newcomer,
    the re-acceptance form for a member under an older version."""
    version = group.current_version()
    method = (CollectionMethod.REACCEPT_FORM if membership(user, group).is_member
              else CollectionMethod.JOIN_FORM)
    return services.consent_grant(
        user=user, group=group, version_id=version.pk, statements_affirmed=version.statements,
        method=method,
        context=context or services.RequestContext(ip_address="203.0.113.7", user_agent="pytest"))


@pytest.fixture
def group(db):
    group = CommunityGroup.objects.create(name="Harbour Photos", slug="harbour",
                                          description="The harbour and its people.")
    publish(group)
    return group


@pytest.fixture
def resident(db):
    return make_user("rosa@example.org")


@pytest.fixture
def reviewer(db):
    return make_user("rita@example.org", role="reviewer")
