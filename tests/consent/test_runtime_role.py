"""The site's database role cannot switch off or bypass the ledger's guards.

``create_runtime_role`` runs as the owner (picked through ``DATABASE_MIGRATE_URL``
in a real process); the role it makes is then used as the site would use it.
"""

import os
import subprocess
import sys
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from photolib.consent import services
from photolib.consent.ledger import verify_ledger
from photolib.consent.models import CommunityGroup, ConsentRecord
from photolib.env import management_command
from tests.conftest import REPO, database_url_for_subprocess, unavailable
from tests.consent.conftest import grant, make_user, publish

PASSWORD = "runtime-" + uuid.uuid4().hex


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DATABASE_", "CELERY_", "EMAIL_"))}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO,
                          env={**clean, "CELERY_TASK_ALWAYS_EAGER": "1", **env},
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def runtime_role(transactional_db, tmp_path):
    """A runtime role made by the command (unique per run, dropped afterwards)."""
    if connection.vendor != "postgresql":
        unavailable("POSTGRES", "database roles exist on PostgreSQL only")
    role = f"photolib_test_rt_{uuid.uuid4().hex[:10]}"
    owner_url = database_url_for_subprocess()
    s = connection.settings_dict
    runtime_url = (f"postgres://{role}:{PASSWORD}@{s.get('HOST') or '127.0.0.1'}:"
                   f"{s.get('PORT') or 5432}/{s['NAME']}")
    try:
        # DATABASE_URL names a role that does not exist: only the owner URL can work.
        result = _manage({"DATABASE_URL": runtime_url.replace(role, role + "_absent"),
                          "DATABASE_MIGRATE_URL": owner_url, "PHOTOLIB_VAR_DIR": str(tmp_path)},
                         "create_runtime_role", "--role", role, "--password", PASSWORD)
        assert result.returncode == 0, result.stderr
        assert f"Created runtime role {role}" in result.stdout
        yield {"role": role, "url": runtime_url, "owner_url": owner_url}
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone():
                cursor.execute(f'DROP OWNED BY "{role}"')
                cursor.execute(f'DROP ROLE "{role}"')


def _refused(conn, statement: str, params=()) -> str:
    import psycopg

    with pytest.raises(psycopg.Error) as refused, conn.transaction():
        conn.execute(statement, params)
    return str(refused.value)


@pytest.mark.postgres
def test_the_runtime_role_cannot_change_the_ledger_or_published_agreements(
        runtime_role, _file_storage, settings):
    import psycopg

    group = CommunityGroup.objects.create(name="Harbour Photos", slug="harbour")
    publish(group)
    first = grant(make_user("rosa@example.org"), group)
    version = group.current_version()
    draft_id = services.agreement_create_draft(group=group, acting_user=None,
                                               text="A draft").pk
    role = runtime_role["role"]

    with psycopg.connect(runtime_role["url"], autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == role
        rows = conn.execute("SELECT count(*) FROM consent_consentrecord").fetchone()[0]
        assert rows == 1  # it reads
        for statement in ("UPDATE consent_consentrecord SET action = 'WITHDRAW'",
                          "DELETE FROM consent_consentrecord",
                          "TRUNCATE consent_consentrecord",
                          "TRUNCATE consent_ledgerhead",
                          "DELETE FROM consent_ledgerhead"):
            assert "permission denied" in _refused(conn, statement), statement
        for statement in ("ALTER TABLE consent_consentrecord "
                          "DISABLE TRIGGER consent_record_append_only",
                          "ALTER TABLE consent_agreementversion "
                          "DISABLE TRIGGER consent_agreement_published_immutable",
                          "DROP TRIGGER consent_record_append_only ON consent_consentrecord"):
            assert "must be owner" in _refused(conn, statement), statement
        assert "permission denied" in _refused(conn, "CREATE TABLE evil (id int)")
        for statement in ("UPDATE consent_agreementversion SET text = 'rewritten' "
                          "WHERE id = %s",
                          "DELETE FROM consent_agreementversion WHERE id = %s"):
            assert "published and immutable" in _refused(conn, statement, [version.pk])
        # Drafts are its to edit (the trigger guards published rows only).
        conn.execute("UPDATE consent_agreementversion SET text = 'A draft, edited' "
                     "WHERE id = %s", [draft_id])
        owned = conn.execute("SELECT count(*) FROM pg_class WHERE relowner = "
                             "(SELECT oid FROM pg_roles WHERE rolname = current_user)")
        assert owned.fetchone()[0] == 0

    # The normal service path works as this role, in a process that has the owner's
    # URL too (only migrate and create_runtime_role may use it).
    script = (
        "from photolib.accounts.models import User\n"
        "from photolib.consent import services\n"
        "from photolib.consent.models import CollectionMethod, CommunityGroup\n"
        "from django.core.management import call_command\n"
        "from django.db import connection\n"
        "g = CommunityGroup.objects.get(slug='harbour')\n"
        "u = User.objects.get(email='sam@example.org')\n"
        "r = services.consent_grant(user=u, group=g, version_id=g.current_version().pk,\n"
        "    statements_affirmed=g.current_version().statements,\n"
        "    method=CollectionMethod.JOIN_FORM, context=services.RequestContext())\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SELECT current_user')\n"
        "    print('as', c.fetchone()[0], 'appended', r.sequence)\n"
        "call_command('verify_consent_ledger')\n")
    make_user("sam@example.org")
    # The same evidence store and signing key as this test's, so that record #1's
    # checkpoint (written when it committed here) verifies there too.
    result = _manage({"DATABASE_URL": runtime_role["url"],
                      "DATABASE_MIGRATE_URL": runtime_role["owner_url"],
                      "PHOTOLIB_VAR_DIR": str(_file_storage),
                      "PHOTOLIB_SIGNING_KEY": settings.PHOTOLIB_SIGNING_KEY_PEM.decode()},
                     "shell", "-c", script)
    assert result.returncode == 0, result.stderr
    assert f"as {role} appended 2" in result.stdout
    assert "OK: 2 records" in result.stdout
    assert ConsentRecord.objects.get(sequence=2).prev_hash == first.record_hash
    assert verify_ledger().ok


@pytest.mark.postgres
def test_the_command_is_idempotent_and_refuses_the_owner(runtime_role):
    call_command("create_runtime_role", role=runtime_role["role"])  # again, keeps password
    with connection.cursor() as cursor:
        cursor.execute("SELECT privilege_type FROM information_schema.role_table_grants "
                       "WHERE grantee = %s AND table_name = 'consent_consentrecord' "
                       "ORDER BY 1", [runtime_role["role"]])
        assert [p for (p,) in cursor.fetchall()] == ["INSERT", "SELECT"]
        cursor.execute("SELECT privilege_type FROM information_schema.role_table_grants "
                       "WHERE grantee = %s AND table_name = 'consent_consentevidence' "
                       "ORDER BY 1", [runtime_role["role"]])
        # Erasure deletes evidence rows; nobody rewrites one.
        assert [p for (p,) in cursor.fetchall()] == ["DELETE", "INSERT", "SELECT"]
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    import psycopg

    with psycopg.connect(runtime_role["url"]) as conn:  # the password still works
        assert conn.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(CommandError, match="must be a different one"):
        call_command("create_runtime_role", role=owner)
    with pytest.raises(CommandError, match="lower-case"):
        call_command("create_runtime_role", role="Robert'); DROP TABLE x;--")


def test_only_migration_commands_pick_the_owner_connection():
    assert management_command(["manage.py", "migrate", "--noinput"]) == "migrate"
    assert management_command(["/srv/photolib/manage.py", "create_runtime_role"]) == (
        "create_runtime_role")
    assert management_command(["/venv/lib/django/__main__.py", "migrate"]) == "migrate"
    assert management_command(["/venv/bin/gunicorn", "migrate"]) == ""
    assert management_command(["/venv/bin/celery", "-A", "photolib", "worker"]) == ""
    assert management_command(["manage.py"]) == ""


@pytest.mark.django_db
def test_the_command_explains_itself_where_there_are_no_roles():
    if connection.vendor == "postgresql":
        pytest.skip("this is the SQLite answer")
    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("create_runtime_role", role="photolib_app")


def test_a_migrate_url_without_a_runtime_url_is_refused(tmp_path):
    from tests.test_settings import run_manage

    result = run_manage({"DATABASE_MIGRATE_URL": "postgres://owner@db.example.org/photolib",
                         "PHOTOLIB_VAR_DIR": str(tmp_path)}, "check")
    assert result.returncode != 0
    assert "DATABASE_MIGRATE_URL is set but DATABASE_URL is not" in result.stderr
