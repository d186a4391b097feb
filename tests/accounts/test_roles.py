import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from photolib.accounts.models import User

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
    client.force_login(make(role))
    assert client.get(reverse("admin:index")).status_code == admin_status


def test_reviewer_sees_users_read_only_in_admin(client):
    client.force_login(make("reviewer"))
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403


def nav_labels(client) -> list[str]:
    return [e["label"] for e in client.get(reverse("home")).context["nav_entries"]]


def test_each_role_sees_its_own_navigation(client):
    client.force_login(make("reviewer"))
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
    for line in logins.splitlines():
        _role, email, password = line.split()
        response = client.post(reverse("accounts:login"), {"username": email, "password": password})
        assert response.status_code == 302, email
        client.post(reverse("accounts:logout"))
    assert User.objects.get(email="marketing@example.org").has_perm("accounts.use_catalog")
    assert User.objects.get(email="reviewer@example.org").is_staff
    assert not User.objects.get(email="resident@example.org").is_staff
