"""The settings module read from the environment, run as a real process each time."""

import os
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from photolib.consent.signing import generate_private_pem
from photolib.devca import local_chain
from tests.conftest import REPO

SIGNING_KEY = generate_private_pem().decode()
C2PA_DIR = Path(tempfile.mkdtemp(prefix="photolib-c2pa-settings-"))
_chain = local_chain("Settings test")
(C2PA_DIR / "chain.pem").write_bytes(_chain.chain_pem)
(C2PA_DIR / "key.pem").write_bytes(_chain.key_pem)

PRODUCTION = {
    "PHOTOLIB_PROFILE": "production",
    "SECRET_KEY": "k" * 20 + "-not-a-real-secret-but-long-enough-for-the-check-" + "z" * 20,
    "ALLOWED_HOSTS": "photos.example.org",
    "PHOTOLIB_SITE_URL": "https://photos.example.org",
    "EMAIL_HOST": "smtp.example.org",
    "DATABASE_URL": "postgres://photolib@db.example.org:5432/photolib",
    "CELERY_BROKER_URL": "redis://redis.example.org:6379/0",
    "PHOTOLIB_RATE_LIMIT_STORAGE": "redis://redis.example.org:6379/2",
    "PHOTOLIB_STORAGE": "s3",
    "PHOTOLIB_S3_BUCKET": "city-photos",
    "PHOTOLIB_S3_REGION": "eu-central-1",
    "PHOTOLIB_EVIDENCE_BUCKET": "city-photos-evidence",
    "PHOTOLIB_SIGNING_KEY": SIGNING_KEY,
    "PHOTOLIB_C2PA_CERT_CHAIN_FILE": str(C2PA_DIR / "chain.pem"),
    "PHOTOLIB_C2PA_KEY_FILE": str(C2PA_DIR / "key.pem"),
}
SETTINGS_VARS = (
    "PHOTOLIB_", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_", "EMAIL_",
    "SECURE_", "CSRF_", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS_VARS)}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_reports_zero_issues_in_the_production_profile():
    result = run_manage(PRODUCTION, "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_when_abuse_limits_are_counted_per_process():
    env = {k: v for k, v in PRODUCTION.items() if k != "PHOTOLIB_RATE_LIMIT_STORAGE"}
    result = run_manage(env, "check", "--deploy")
    output = result.stderr + result.stdout
    assert "photolib.W010" in output and "PHOTOLIB_RATE_LIMIT_STORAGE=redis://" in output


def test_an_unknown_rate_limit_store_or_rate_refuses_to_start():
    result = run_manage({**PRODUCTION, "PHOTOLIB_RATE_LIMIT_STORAGE": "memcached://x"}, "check")
    assert result.returncode != 0 and "PHOTOLIB_RATE_LIMIT_STORAGE" in result.stderr
    result = run_manage({**PRODUCTION, "PHOTOLIB_RATE_LIMIT_DOWNLOAD_ACCOUNT": "many"}, "check")
    assert result.returncode != 0 and "PHOTOLIB_RATE_LIMIT_DOWNLOAD_ACCOUNT" in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_HOST",
                                     "PHOTOLIB_EVIDENCE_BUCKET"])
def test_production_refuses_to_start_without_its_essentials(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and missing in result.stderr


def test_production_refuses_to_start_without_the_signing_key_and_says_how_to_make_one():
    env = {k: v for k, v in PRODUCTION.items() if k != "PHOTOLIB_SIGNING_KEY"}
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "openssl genpkey -algorithm ed25519" in result.stderr
    assert "PHOTOLIB_SIGNING_KEY_FILE" in result.stderr and "PHOTOLIB_SIGNING_KEY" in result.stderr


def test_the_signing_key_comes_from_a_file_or_the_environment(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

    probe = ("from photolib.consent.signing import city_key; print(city_key().kid)")
    key_file = tmp_path / "signing-key.pem"
    key_file.write_text(SIGNING_KEY)
    env = {k: v for k, v in PRODUCTION.items() if k != "PHOTOLIB_SIGNING_KEY"}
    from_file = run_manage({**env, "PHOTOLIB_SIGNING_KEY_FILE": str(key_file)},
                           "shell", "--no-imports", "-c", probe)
    assert from_file.returncode == 0, from_file.stderr
    one_line = SIGNING_KEY.strip().replace("\n", "\\n")  # how a one-line .env carries it
    from_env = run_manage({**env, "PHOTOLIB_SIGNING_KEY": one_line},
                          "shell", "--no-imports", "-c", probe)
    assert from_env.returncode == 0, from_env.stderr
    assert from_file.stdout.strip() == from_env.stdout.strip()
    assert len(from_file.stdout.strip()) == 43  # a SHA-256 JWK thumbprint, base64url

    missing = run_manage({**env, "PHOTOLIB_SIGNING_KEY_FILE": str(tmp_path / "nope.pem")},
                         "check")
    assert missing.returncode != 0 and "nope.pem cannot be read" in missing.stderr
    ec_key = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    wrong = run_manage({**env, "PHOTOLIB_SIGNING_KEY": ec_key}, "check")
    assert wrong.returncode != 0 and "not an Ed25519 key" in wrong.stderr


def test_bad_values_name_the_variable():
    result = run_manage({"PHOTOLIB_STORAGE": "ftp"}, "check")
    assert result.returncode != 0 and "PHOTOLIB_STORAGE='ftp'" in result.stderr
    result = run_manage({"DEBUG": "maybe"}, "check")
    assert result.returncode != 0 and "DEBUG='maybe'" in result.stderr
    result = run_manage({"PHOTOLIB_LEGAL_HOLD_DAYS": "0"}, "check")
    assert result.returncode != 0 and "PHOTOLIB_LEGAL_HOLD_DAYS=0" in result.stderr


def test_the_embedded_default_needs_no_variable(tmp_path):
    probe = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG, "
        "s.EMAIL_BACKEND.rsplit('.', 1)[-1], "
        "s.STORAGES['originals']['BACKEND'].rsplit('.', 1)[-1], "
        "bool(s.SECRET_KEY), str(s.EMAIL_FILE_PATH).startswith(str(s.VAR_DIR)))"
    )
    result = run_manage({"PHOTOLIB_VAR_DIR": str(tmp_path)}, "shell", "--no-imports", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3", "True", "True", "EmailBackend", "FileSystemStorage",
        "True", "True",
    ]
    # The generated development secret is kept, so sessions survive a restart.
    assert (tmp_path / "dev-secret-key").stat().st_mode & 0o777 == 0o600
    # So is the generated signing key, so receipts signed yesterday still verify.
    assert (tmp_path / "dev-signing-key.pem").stat().st_mode & 0o777 == 0o600
    again = run_manage({"PHOTOLIB_VAR_DIR": str(tmp_path)}, "shell", "--no-imports", "-c",
                       "from photolib.consent.signing import city_key; print(city_key().kid)")
    first = (tmp_path / "dev-signing-key.pem").read_bytes()
    assert again.returncode == 0 and (tmp_path / "dev-signing-key.pem").read_bytes() == first


def test_processes_making_a_development_key_at_once_all_keep_the_same_one(tmp_path):
    """The web process, a worker and test workers can start together on a new checkout:
    each finds no key and makes one. Here every caller has looked (and found nothing)
    before any of them writes, the worst interleaving; all must end with the key on
    disk, readable by its owner only, and leave no draft behind."""
    from photolib import settings as module

    callers = 6
    everyone_looked = threading.Barrier(callers)
    made = iter(range(callers))

    def make() -> bytes:
        mine = next(made)
        everyone_looked.wait(timeout=10)
        return f"key-{mine}".encode()

    path = tmp_path / "var" / "dev-secret-key"
    with ThreadPoolExecutor(callers) as pool:
        kept = list(pool.map(lambda _: module._kept_once(path, make), range(callers)))
    assert len(set(kept)) == 1 and kept[0] == path.read_bytes()
    assert kept[0].startswith(b"key-")
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["dev-secret-key"]


def test_a_visibility_timeout_shorter_than_a_task_is_warned_about():
    result = run_manage({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
                         "CELERY_VISIBILITY_TIMEOUT": "100"}, "check")
    assert "photolib.W001" in result.stderr + result.stdout


def test_a_broker_key_prefix_reaches_the_redis_transport_and_none_by_default():
    script = ("from django.conf import settings as s;"
              "print(repr(s.CELERY_BROKER_TRANSPORT_OPTIONS.get('global_keyprefix')))")
    shared = run_manage({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
                         "CELERY_BROKER_KEY_PREFIX": "city-a:"}, "shell", "-c", script)
    alone = run_manage({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}, "shell", "-c", script)
    assert shared.returncode == 0 and alone.returncode == 0, shared.stderr + alone.stderr
    assert shared.stdout.strip().splitlines()[-1] == "'city-a:'"
    assert alone.stdout.strip().splitlines()[-1] == "None"


def test_every_dependency_has_a_short_timeout_by_default():
    script = (
        "from django.conf import settings as s; from django.db import connection;"
        "o = s.CELERY_BROKER_TRANSPORT_OPTIONS;"
        "c = s.STORAGES['originals']['OPTIONS']['client_config'];"
        "print(s.CELERY_BROKER_CONNECTION_TIMEOUT, o['socket_timeout'],"
        " o['socket_connect_timeout'], o['visibility_timeout'],"
        " s.CELERY_TASK_PUBLISH_RETRY_POLICY['max_retries'],"
        " c.connect_timeout, c.read_timeout, c.retries['max_attempts'], s.EMAIL_TIMEOUT,"
        " s.DATABASES['default']['OPTIONS']['options'],"
        " s.DATABASES['default']['OPTIONS']['connect_timeout'])"
    )
    result = run_manage({**PRODUCTION, "PHOTOLIB_STORAGE": "s3", "PHOTOLIB_S3_BUCKET": "b",
                         "DATABASE_URL": "postgres://app@127.0.0.1:5432/photolib"},
                        "shell", "-c", script)
    assert result.returncode == 0, result.stderr
    printed = result.stdout.strip().splitlines()[-1]  # after the shell's own banner
    assert printed.split() == ["2.0", "3.0", "2.0", "900", "1", "2.0", "3.0", "2",
                               "10.0", "-c", "statement_timeout=30000", "5"]


def test_workers_recycle_by_task_count_and_memory():
    from django.conf import settings

    from photolib.celery import app

    assert settings.CELERY_WORKER_MAX_TASKS_PER_CHILD == 100
    assert settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD == 400_000
    assert app.conf.worker_max_tasks_per_child == 100
    assert app.conf.worker_max_memory_per_child == 400_000


def test_production_refuses_to_start_without_a_content_credentials_certificate():
    env = {k: v for k, v in PRODUCTION.items() if not k.startswith("PHOTOLIB_C2PA_")}
    result = run_manage(env, "check")
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr
    assert "C2PA Trust List" in result.stderr and "PHOTOLIB_C2PA_CERT_CHAIN_FILE" in result.stderr
    half = {**env, "PHOTOLIB_C2PA_CERT_CHAIN_FILE": PRODUCTION["PHOTOLIB_C2PA_CERT_CHAIN_FILE"]}
    result = run_manage(half, "check")
    assert result.returncode != 0 and "Set both PHOTOLIB_C2PA_CERT_CHAIN_FILE" in result.stderr
    swapped = {**env, "PHOTOLIB_C2PA_CERT_CHAIN_FILE": PRODUCTION["PHOTOLIB_C2PA_KEY_FILE"],
               "PHOTOLIB_C2PA_KEY_FILE": PRODUCTION["PHOTOLIB_C2PA_CERT_CHAIN_FILE"]}
    result = run_manage(swapped, "check")
    assert result.returncode != 0 and "must hold PEM certificates" in result.stderr
