import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from photolib.accounts.management.commands.seed_demo import (
    DEMO_RECOVERY_CODE,
    DEMO_TOTP_SECRET,
)
from photolib.accounts.models import User
from tests.conftest import staff_login, totp_code

pytestmark = pytest.mark.django_db


def test_data_migration_made_the_three_roles_with_their_permissions():
    perms = {g.name: {p.codename for p in g.permissions.all()}
             for g in Group.objects.prefetch_related("permissions")}
    assert {"contribute"} <= perms["resident"]
    assert {"use_catalog"} <= perms["marketing"]
    assert {"moderate", "use_admin", "view_user"} <= perms["reviewer"]
    assert "use_catalog" not in perms["resident"] and "moderate" not in perms["marketing"]


def make(role: str) -> User:
    user = User.objects.create_user(email=f"{role}@example.org", password="x" * 12,
                                    display_name=role.title())
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.mark.parametrize(
    ("role", "admin_status"), [("resident", 302), ("marketing", 302), ("reviewer", 200)]
)
def test_only_reviewers_reach_the_admin(client, role, admin_status):
    user = make(role)
    staff_login(client, user) if role == "reviewer" else client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == admin_status


def test_reviewer_sees_users_read_only_in_admin(client):
    staff_login(client, make("reviewer"))
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403


def nav_labels(client) -> list[str]:
    return [e["label"] for e in client.get(reverse("home")).context["nav_entries"]]


def test_each_role_sees_its_own_navigation(client):
    staff_login(client, make("reviewer"))
    labels = nav_labels(client)
    assert "Admin" in labels and "Account" in labels
    client.force_login(make("resident"))
    labels = nav_labels(client)
    assert "Admin" not in labels and "Account" in labels


def test_home_and_login_answer_for_anonymous_visitors(client):
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("accounts:login")).status_code == 200
    assert nav_labels(client) == []


def test_seed_demo_is_idempotent_and_its_logins_work(client, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    assert capsys.readouterr().out == first
    assert User.objects.filter(email__endswith="@example.org").count() == 4
    logins = first.split("Demo logins (email / password):\n", 1)[1]
    staff_note = next(line for line in logins.splitlines() if not line.startswith("  "))
    assert DEMO_TOTP_SECRET in staff_note and DEMO_RECOVERY_CODE in staff_note
    for line in logins.splitlines():
        if not line.startswith("  "):
            continue
        role, email, password = line.split()
        response = client.post(reverse("accounts:login"), {"username": email, "password": password})
        assert response.status_code == 302, email
        landing = client.get(response["Location"])
        if role in ("reviewer", "admin"):
            # Staff: the code page next, where the published demo secret's code lets in.
            assert landing.status_code == 302
            assert landing["Location"].startswith(reverse("accounts:second_factor"))
            done = client.post(landing["Location"], {"code": totp_code(DEMO_TOTP_SECRET)})
            assert done.status_code == 302, (email, done.content[:300])
            assert client.get(reverse("consent:record_list")).status_code == 200
        else:
            assert landing.status_code == 200, email
        client.post(reverse("accounts:logout"))
    assert User.objects.get(email="marketing@example.org").has_perm("accounts.use_catalog")
    assert User.objects.get(email="reviewer@example.org").is_staff
    assert not User.objects.get(email="resident@example.org").is_staff
