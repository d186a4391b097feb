"""Restore rehearsal (issue 17, item 5): a backup older than the newest withdrawals.

As an operator would do it on PostgreSQL: ``pg_dump`` the database, let residents withdraw
a photo and a group consent, restore the dump into a new database, then run the restore
procedure's commands against it in their own processes: ``verify_consent_ledger`` must
name both lost withdrawals and fail, ``reconcile`` must re-record them (and withdraw the
photos again), after which verification passes, the photos are no longer cleared and a
second ``reconcile`` does nothing. The evidence store is the local folder the test's
storages use, shared with the subprocesses through ``PHOTOLIB_VAR_DIR``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from datetime import UTC
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from photolib.consent import services
from photolib.consent.models import ConsentRecord
from photolib.photos import moderation
from photolib.photos.models import Photo
from tests.catalog.conftest import upload
from tests.conftest import REPO, database_url_for_subprocess, unavailable
from tests.consent.conftest import grant, make_user, publish

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLEARED = ("import json; from photolib.photos.models import Photo; "
           "print(json.dumps(sorted(str(p) for p in "
           "Photo.objects.cleared().values_list('pk', flat=True))))")


@pytest.fixture
def restored_database() -> object:
    """A new, empty PostgreSQL database on the test server; dropped afterwards. Yields a
    callable restoring a dump file into it and returning its URL."""
    if connection.vendor != "postgresql":
        unavailable("POSTGRES", "the restore rehearsal uses pg_dump and pg_restore against "
                                "PostgreSQL; DATABASE_URL names no PostgreSQL database")
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            unavailable("POSTGRES", f"{tool} is not installed (apt-get install "
                                    "postgresql-client)")
    test_url = database_url_for_subprocess()
    server_url = test_url.rsplit("/", 1)[0] + "/postgres"
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = test_url.rsplit("/", 1)[0] + f"/{name}"

    def restore(dump: Path) -> str:
        subprocess.run(["pg_restore", "--no-owner", "--no-acl", "--exit-on-error",
                        "--dbname", url, str(dump)], check=True, capture_output=True)
        return url

    yield restore
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args: str, database_url: str, var_dir: Path, settings) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "PHOTOLIB_VAR_DIR": str(var_dir),
           "SECRET_KEY": settings.SECRET_KEY,
           "PHOTOLIB_SIGNING_KEY": settings.PHOTOLIB_SIGNING_KEY_PEM.decode(),
           "CELERY_TASK_ALWAYS_EAGER": "1", "PYTHONUNBUFFERED": "1"}
    for name in ("DATABASE_MIGRATE_URL", "CELERY_BROKER_URL", "EMAIL_HOST"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180)


def cleared_ids(**where) -> list[str]:
    done = manage("shell", "-c", CLEARED, **where)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_restore_older_than_two_withdrawals_is_caught_and_reconciled(
        restored_database, _file_storage, tmp_path, settings):
    from photolib.consent.models import CommunityGroup

    group = CommunityGroup.objects.create(name="Harbour Photos", slug="harbour")
    publish(group)
    reviewer = make_user("rita@example.org", role="reviewer")
    rosa, sam = make_user("rosa@example.org"), make_user("sam@example.org")
    grant(rosa, group)
    grant(sam, group)
    photos = {}
    for user, title in ((rosa, "Boats at dawn"), (sam, "Market day")):
        photo = upload(user, group, title)
        assert photo.status == Photo.Status.PENDING_REVIEW, photo.status_reason
        moderation.photo_approve(photo_id=photo.pk, acting_user=reviewer)
        photos[title] = photo
    boats, market = str(photos["Boats at dawn"].pk), str(photos["Market day"].pk)
    assert sorted(map(str, Photo.objects.cleared().values_list("pk", flat=True))) == sorted(
        [boats, market])

    dump = tmp_path / "photolib.dump"
    subprocess.run(["pg_dump", "--format=custom", "--file", str(dump),
                    database_url_for_subprocess()], check=True, capture_output=True)

    # After the backup: Rosa withdraws one photo, Sam withdraws his consent for the group.
    moderation.photo_withdraw(photo_id=boats, acting_user=rosa)
    services.consent_withdraw(user=sam, group=group, method="withdraw_button",
                              context=services.RequestContext(ip_address="192.0.2.9"))
    assert list(Photo.objects.cleared()) == []

    where = {"database_url": restored_database(dump), "var_dir": _file_storage,
             "settings": settings}
    # The restored database has forgotten both withdrawals: both photos are cleared again.
    assert cleared_ids(**where) == sorted([boats, market])

    before = manage("verify_consent_ledger", **where)
    assert before.returncode == 1, before.stdout + before.stderr
    assert "OK: 2 records" in before.stdout  # the restored chain itself is whole
    lost = [line for line in before.stderr.splitlines() if line.startswith("LOST:")]
    assert len(lost) == 2, before.stderr
    assert lost[0].startswith(f"LOST: record #3 (WITHDRAW_PHOTO of photo {boats} "
                              "“Boats at dawn”, group “Harbour Photos”")
    assert f"account {rosa.pk}," in lost[0]
    assert lost[1].startswith("LOST: record #4 (WITHDRAW, group “Harbour Photos”")
    assert f"account {sam.pk}," in lost[1]
    assert "manage.py reconcile" in before.stderr

    done = manage("reconcile", **where)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "record #3 (WITHDRAW_PHOTO" in done.stdout and "re-recorded as #3" in done.stdout
    assert "the photo is withdrawn again" in done.stdout
    assert "record #4 (WITHDRAW" in done.stdout and "re-recorded as #4" in done.stdout
    assert "Wrote the restore statement restores/" in done.stdout

    after = manage("verify_consent_ledger", **where)
    assert after.returncode == 0, after.stdout + after.stderr
    assert "OK: 4 records (2 grants, 1 withdrawals, 1 photo withdrawals)" in after.stdout
    assert "OK: 4 checkpoints" in after.stdout and "2 more settled" in after.stdout
    assert cleared_ids(**where) == []

    with psycopg.connect(where["database_url"]) as db:
        rows = db.execute("SELECT sequence, action, collection_method, reconciles, "
                          "photo_id::text FROM consent_consentrecord WHERE sequence > 2 "
                          "ORDER BY sequence").fetchall()
        withdrawn_at = db.execute("SELECT withdrawn_at FROM photos_photo WHERE id = %s",
                                  [boats]).fetchone()[0]
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
        (3, "WITHDRAW_PHOTO", "reconciled", boats), (4, "WITHDRAW", "reconciled", None)]
    original = ConsentRecord.objects.get(sequence=3)  # the live database's, lost there
    assert rows[0][3] == {"record_id": str(original.pk), "sequence": 3,
                          "record_hash": original.record_hash,
                          "created_at": original.created_at.astimezone(UTC).isoformat(
                              timespec="microseconds")}
    assert withdrawn_at == original.created_at  # withdrawn as of the resident's withdrawal

    again = manage("reconcile", **where)
    assert again.returncode == 0, again.stderr
    assert "Nothing to reconcile" in again.stdout
    with psycopg.connect(where["database_url"]) as db:
        assert db.execute("SELECT count(*) FROM consent_consentrecord").fetchone()[0] == 4
