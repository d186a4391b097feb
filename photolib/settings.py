"""Django settings, read from the environment (twelve-factor).

With no variable set at all this is the embedded default: SQLite and files under
``var/``, Celery tasks run eagerly, mail written to ``var/mail/``, DEBUG on and a
generated development secret. ``PHOTOLIB_PROFILE=production`` turns on every
protection that ``manage.py check --deploy`` asks for and refuses to start
without ``SECRET_KEY`` and ``ALLOWED_HOSTS``. README.md lists every variable.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from photolib import languages as _search_languages
from photolib.consent.signing import generate_private_pem, read_private_pem
from photolib.env import (
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_rate_limits,
    env_str,
    management_command,
)
from photolib.periodic import beat_schedule
from photolib.storage_config import filesystem_storages, s3_storages

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PHOTOLIB_VAR_DIR") or BASE_DIR / "var")

PROFILE = env_choice("PHOTOLIB_PROFILE", ("development", "production"), "development")
PRODUCTION = PROFILE == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)


def _kept_once(path: Path, make: Callable[[], bytes]) -> bytes:
    """The contents of ``path``, first made by ``make`` when it does not exist: written
    whole under a private name (``mkstemp``: readable by this user only from the start,
    never the name of a draft a killed process left), then linked into place, which fails
    if another process got there first. Every process starting together (the web
    process, a worker, test workers) reads the one that won. On a filesystem without hard
    links the draft is renamed into place if the file is still missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        draft = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(make())
            os.link(draft, path)
        except FileExistsError:
            pass
        except OSError:
            if not path.exists():
                draft.replace(path)
        finally:
            draft.unlink(missing_ok=True)
    return path.read_bytes()


def _development_secret() -> str:
    """A per-checkout secret kept in var/ so sessions survive restarts."""
    made = _kept_once(VAR_DIR / "dev-secret-key", lambda: secrets.token_urlsafe(50).encode())
    return made.decode().strip()


SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "PHOTOLIB_PROFILE=production needs SECRET_KEY: set it to a long random string, "
            "e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    SECRET_KEY = _development_secret()


def _signing_key_pem() -> bytes:
    """The city's Ed25519 key (PEM) for signed checkpoints and receipts.

    ``PHOTOLIB_SIGNING_KEY_FILE`` (a path) wins over ``PHOTOLIB_SIGNING_KEY`` (the PEM
    itself); with neither, development generates one into var/ and production refuses.
    """
    how = ("generate one with `openssl genpkey -algorithm ed25519 -out "
           "/etc/photolib/signing-key.pem` (chmod 600, readable by the site's user only) and "
           "set PHOTOLIB_SIGNING_KEY_FILE=/etc/photolib/signing-key.pem, or put the PEM "
           "itself in PHOTOLIB_SIGNING_KEY. Keep a backup: receipts and checkpoints signed "
           "with it can only be verified against its public key")
    path, inline = env_str("PHOTOLIB_SIGNING_KEY_FILE"), env_str("PHOTOLIB_SIGNING_KEY")
    if path:
        try:
            raw, source = Path(path).read_bytes(), f"PHOTOLIB_SIGNING_KEY_FILE={path}"
        except OSError as exc:
            raise ImproperlyConfigured(
                f"PHOTOLIB_SIGNING_KEY_FILE={path} cannot be read ({exc.strerror}); {how}."
            ) from exc
    elif inline:
        raw, source = inline.encode(), "PHOTOLIB_SIGNING_KEY"
    elif PRODUCTION:
        raise ImproperlyConfigured(
            f"PHOTOLIB_PROFILE=production needs the city's signing key: {how}.")
    else:
        generated = VAR_DIR / "dev-signing-key.pem"
        raw, source = _kept_once(generated, generate_private_pem), str(generated)
    try:
        return read_private_pem(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"The signing key in {source} is unusable: {exc}; {how}."
                                   ) from exc


PHOTOLIB_SIGNING_KEY_PEM = _signing_key_pem()


def _c2pa_credentials() -> tuple[bytes, bytes]:
    """The certificate chain (PEM: the signing certificate first, then its issuers) and
    private key (PEM) that sign every download's Content Credentials (C2PA).

    ``PHOTOLIB_C2PA_CERT_CHAIN_FILE`` and ``PHOTOLIB_C2PA_KEY_FILE`` name them; with
    neither, development makes a local CA and leaf into var/c2pa/ (trusted by nobody but
    those told to trust var/c2pa/dev-ca.pem) and production refuses to start.
    """
    how = ("buy a document-signing certificate (EC P-256, key usage digitalSignature) from a "
           "certificate authority on the C2PA Trust List, put the chain in a PEM file (your "
           "certificate first, then the intermediates) and the key in another (chmod 600), "
           "and set PHOTOLIB_C2PA_CERT_CHAIN_FILE and PHOTOLIB_C2PA_KEY_FILE to their paths "
           "(README: Content Credentials)")
    chain_path = env_str("PHOTOLIB_C2PA_CERT_CHAIN_FILE")
    key_path = env_str("PHOTOLIB_C2PA_KEY_FILE")
    if chain_path or key_path:
        if not (chain_path and key_path):
            raise ImproperlyConfigured(
                "Set both PHOTOLIB_C2PA_CERT_CHAIN_FILE and PHOTOLIB_C2PA_KEY_FILE, or "
                f"neither in development: {how}.")
        try:
            chain, key = Path(chain_path).read_bytes(), Path(key_path).read_bytes()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{exc.filename} cannot be read ({exc.strerror}); {how}.") from exc
        if b"BEGIN CERTIFICATE" not in chain or b"PRIVATE KEY" not in key:
            raise ImproperlyConfigured(
                f"PHOTOLIB_C2PA_CERT_CHAIN_FILE must hold PEM certificates and "
                f"PHOTOLIB_C2PA_KEY_FILE a PEM private key; {how}.")
        return chain, key
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"PHOTOLIB_PROFILE=production signs every download's Content Credentials: {how}.")
    folder = VAR_DIR / "c2pa"
    chain_file, key_file = folder / "dev-chain.pem", folder / "dev-key.pem"
    if not key_file.exists():
        from photolib.devca import local_chain

        # Made whole in a private folder, then renamed into place (which fails if another
        # process got there first): a web process and a worker agree on one CA and key.
        draft = VAR_DIR / f".c2pa.{os.getpid()}"
        draft.mkdir(mode=0o700, parents=True, exist_ok=True)  # the key: private at once
        made = local_chain(f"{CONTROLLER_NAME} (development)")
        (draft / "dev-ca.pem").write_bytes(made.ca_pem)
        (draft / chain_file.name).write_bytes(made.chain_pem)
        (draft / key_file.name).write_bytes(made.key_pem)
        (draft / key_file.name).chmod(0o600)
        try:
            draft.rename(folder)
        except OSError:
            shutil.rmtree(draft, ignore_errors=True)
    return chain_file.read_bytes(), key_file.read_bytes()



ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "PHOTOLIB_PROFILE=production needs ALLOWED_HOSTS: a comma-separated list of the site's "
        "host names, e.g. ALLOWED_HOSTS=photos.example.org."
    )

SITE_URL = env_str("PHOTOLIB_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL] if PRODUCTION else [])
# The data controller named on consent receipts: the city that runs the site.
CONTROLLER_NAME = env_str("PHOTOLIB_CONTROLLER_NAME", "Example City (demo)")
CONTROLLER_CONTACT = env_str("PHOTOLIB_CONTROLLER_CONTACT", "privacy@example.org")
CONTROLLER_ADDRESS = env_str("PHOTOLIB_CONTROLLER_ADDRESS", "City Hall, 1 Main Street")
CONTROLLER_JURISDICTION = env_str("PHOTOLIB_JURISDICTION", "EU")
CONTROLLER_PHONE = env_str("PHOTOLIB_CONTROLLER_PHONE", "+1-555-0100 (demo)")
PHOTOLIB_C2PA_CHAIN_PEM, PHOTOLIB_C2PA_KEY_PEM = _c2pa_credentials()
# An RFC 3161 timestamp authority for the signatures (optional; none in development).
PHOTOLIB_C2PA_TSA_URL = env_str("PHOTOLIB_C2PA_TSA_URL") or None
# Who the city licenses downloads to, in plus:Licensee: the department marketing is part of.
PHOTOLIB_LICENSEE_DEPARTMENT = env_str("PHOTOLIB_LICENSEE_DEPARTMENT",
                                       "Marketing and Communications")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "axes",
    # The staff second factor (photolib/accounts/second_factor.py): authenticator apps and
    # recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Below every domain app: the outbox every service enqueues through, the periodic jobs.
    "photolib.outbox",
    "photolib.accounts",
    "photolib.consent",
    "photolib.photos",
    "photolib.catalog",
    "photolib.rights",
    # The API (photolib/api): Django REST framework, its OpenAPI schema and the docs page's
    # own static files (no CDN).
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "photolib.api",
]

# Demo content added by `manage.py seed_demo`, in dependency order.
PHOTOLIB_SEED_HOOKS = [
    "photolib.consent.demo.seed",
    "photolib.photos.demo.seed",
    "photolib.catalog.demo.seed",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page's language: the language cookie (the switcher), then Accept-Language, then
    # LANGUAGE_CODE; a signed-in person's own language wins (AccountLanguageMiddleware).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's: request.user.otp_device, the device this session passed the second
    # step with (None before); without django-otp's user.is_verified(), which would clash
    # with our User.is_verified (the email check).
    "photolib.accounts.second_factor.OTPMiddleware",
    # A signed-in person reads the site in the language chosen on their profile.
    "photolib.accounts.language.AccountLanguageMiddleware",
    # Times are shown in the signed-in person's own zone (accounts.timezones).
    "photolib.accounts.timezones.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions end after 30 minutes idle and 12 hours in all; NUL bytes are a 400.
    "photolib.accounts.sessions.StaffSessionMiddleware",
    # Staff reach nothing but the code page (or enrolment) until the session is verified.
    "photolib.accounts.second_factor.StaffSecondFactorMiddleware",
    "photolib.http.RefuseNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A domain error a view let through is answered here with its status and message.
    "photolib.errors.DomainErrorMiddleware",
    # Pages and files for a signed-in user are never stored by a proxy or on disk.
    "photolib.http.PrivateResponsesNotStoredMiddleware",
    # Content-Security-Policy and Permissions-Policy on every answer.
    "csp.middleware.CSPMiddleware",
    "photolib.http.PermissionsPolicyMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "photolib.urls"
WSGI_APPLICATION = "photolib.wsgi.application"
ASGI_APPLICATION = "photolib.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "photolib.navigation.navigation",
                "photolib.navigation.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# DATABASE_URL is the runtime role the site and workers connect as. When
# DATABASE_MIGRATE_URL is set, the commands that change the schema or grant
# privileges connect as that owner role instead, for the whole process (their
# data migrations and post-migrate hooks included); every other command and
# process keeps the runtime role.
DATABASE_URL = env_str("DATABASE_URL")
DATABASE_MIGRATE_URL = env_str("DATABASE_MIGRATE_URL")
OWNER_COMMANDS = ("migrate", "create_runtime_role")
if DATABASE_MIGRATE_URL and not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_MIGRATE_URL is set but DATABASE_URL is not: set DATABASE_URL to the runtime "
        "role's connection (e.g. postgres://photolib_app:...@host:5432/photolib).")
if DATABASE_MIGRATE_URL and management_command() in OWNER_COMMANDS:
    DATABASES = {"default": dj_database_url.parse(DATABASE_MIGRATE_URL, conn_max_age=0)}
elif DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A database that stops answering fails a request in seconds instead of holding a
        # web thread; the owner's commands (migrations) keep no statement limit.
        _options = DATABASES["default"].setdefault("OPTIONS", {})
        _options.setdefault("connect_timeout", env_int("PHOTOLIB_DB_CONNECT_TIMEOUT", 5))
        _statement_ms = env_int("PHOTOLIB_DB_STATEMENT_TIMEOUT_MS", 30_000)
        if _statement_ms > 0:
            _options["options"] = f"-c statement_timeout={_statement_ms}"
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "photolib.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            # A file, not memory, so a Celery worker process can share the test database;
            # one per test run, so two runs side by side do not clash.
            "TEST": {"NAME": VAR_DIR / f"test-photolib-{os.getpid()}.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "photolib.accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
EMAIL_VERIFICATION_MAX_AGE = timedelta(days=env_int("PHOTOLIB_VERIFY_DAYS", 3))
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Repeated failed logins lock the (account, address) pair out for a while.
AXES_FAILURE_LIMIT = env_int("PHOTOLIB_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("PHOTOLIB_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "photolib.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
# The email is compared lower-cased, as the login does; another letter case is the same account.
AXES_USERNAME_CALLABLE = "photolib.accounts.lockout.normalised_username"
# Failed sign-ins from one address, summed over all accounts, within the cool-off.
PHOTOLIB_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("PHOTOLIB_LOGIN_ADDRESS_FAILURE_LIMIT", 20)
AXES_IPWARE_PROXY_COUNT = env_int("PHOTOLIB_PROXY_COUNT", 0) or None

# Abuse limits (photolib/ratelimit.py): each name is an action and what it is counted
# per: the client address (found as the lockout finds it), the signed-in account, or the
# target email (lower-cased). A moving window; past the limit the answer is a 429 that
# says when to retry. Override one with PHOTOLIB_RATE_LIMIT_<NAME>, e.g.
# PHOTOLIB_RATE_LIMIT_PASSWORD_RESET_EMAIL="3/hour", or "off".
PHOTOLIB_RATE_LIMITS = env_rate_limits({
    "sign-up-address": "10/hour",
    "sign-up-email": "3/hour",
    "resend-verification-account": "3/hour",
    "resend-verification-address": "10/hour",
    "password-reset-address": "10/hour",
    "password-reset-email": "3/hour",
    "upload-account": "30/minute;300/hour",
    "download-account": "60/hour",
    # Every API call, per token owner (a download through the API counts against
    # download-account too).
    "api-account": "600/minute;10000/hour",
})
# Where the counts live: memory:// is per process (development, tests); production uses
# Redis (redis://host:6379/N), so every web process shares one count.
PHOTOLIB_RATE_LIMIT_STORAGE = env_str("PHOTOLIB_RATE_LIMIT_STORAGE", "memory://")
if not PHOTOLIB_RATE_LIMIT_STORAGE.startswith(("memory://", "redis://", "rediss://")):
    raise ImproperlyConfigured(
        f"PHOTOLIB_RATE_LIMIT_STORAGE={PHOTOLIB_RATE_LIMIT_STORAGE!r}: use memory:// (one "
        "process) or redis://HOST:6379/N (rediss:// with TLS).")

# --- Storage --------------------------------------------------------------
STORAGE_BACKEND = env_choice("PHOTOLIB_STORAGE", ("filesystem", "s3"), "filesystem")
MEDIA_ROOT = VAR_DIR / "media"
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "photolib" / "static"]
STATIC_ROOT = VAR_DIR / "static"



def _evidence_bucket() -> str | None:
    """The bucket for signed ledger checkpoints: its own, with Object Lock, in production."""
    bucket = env_str("PHOTOLIB_EVIDENCE_BUCKET")
    if PRODUCTION and not bucket:
        raise ImproperlyConfigured(
            "PHOTOLIB_PROFILE=production with PHOTOLIB_STORAGE=s3 needs "
            "PHOTOLIB_EVIDENCE_BUCKET: a separate bucket created with versioning and Object "
            "Lock (see infra/evidence-bucket.md) for the signed ledger checkpoints.")
    return bucket or None


if STORAGE_BACKEND == "s3":
    AWS_STORAGE_BUCKET_NAME = env_str("PHOTOLIB_S3_BUCKET")
    if not AWS_STORAGE_BUCKET_NAME:
        raise ImproperlyConfigured(
            "PHOTOLIB_STORAGE=s3 needs PHOTOLIB_S3_BUCKET (the bucket's name)."
        )
    STORAGES = s3_storages(
        bucket=AWS_STORAGE_BUCKET_NAME,
        region=env_str("PHOTOLIB_S3_REGION") or None,
        endpoint_url=env_str("PHOTOLIB_S3_ENDPOINT_URL") or None,
        access_key=env_str("PHOTOLIB_S3_ACCESS_KEY_ID") or None,
        secret_key=env_str("PHOTOLIB_S3_SECRET_ACCESS_KEY") or None,
        addressing_style=env_str("PHOTOLIB_S3_ADDRESSING_STYLE") or None,
        evidence_bucket=_evidence_bucket(),
        connect_timeout=env_float("PHOTOLIB_S3_CONNECT_TIMEOUT", 2.0),
        read_timeout=env_float("PHOTOLIB_S3_READ_TIMEOUT", 3.0),
        max_attempts=env_int("PHOTOLIB_S3_MAX_ATTEMPTS", 2),
    )
else:
    STORAGES = filesystem_storages(VAR_DIR)

# --- Browser policy ------------------------------------------------------------
# A strict Content-Security-Policy (django-csp): scripts and styles only from the site's
# own static files, no inline script, no inline handlers, no plugins, no framing; the
# upload page previews chosen files from blob: URLs. With
# S3, renditions and downloads are presigned URLs on the bucket's origin, so images and
# the redirect after a download form may go there, and nowhere else.


def _file_origins() -> list[str]:
    if STORAGE_BACKEND != "s3":
        return []
    endpoint = env_str("PHOTOLIB_S3_ENDPOINT_URL")
    if endpoint:
        from urllib.parse import urlsplit

        parts = urlsplit(endpoint)
        origins = [f"{parts.scheme}://{parts.netloc}"]
        if env_str("PHOTOLIB_S3_ADDRESSING_STYLE") != "path":
            origins.append(f"{parts.scheme}://{AWS_STORAGE_BUCKET_NAME}.{parts.netloc}")
        return origins
    return [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com",
            f"https://{AWS_STORAGE_BUCKET_NAME}.s3.*.amazonaws.com"]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *_file_origins()],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'", *_file_origins()],
        "frame-ancestors": ["'none'"],
    },
}
# Powerful browser features the site never uses are switched off for every page.
PHOTOLIB_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
    "bluetooth=(), hid=(), midi=(), display-capture=(), browsing-topics=()")

if PRODUCTION:
    # Hashed, compressed static files served by WhiteNoise (run collectstatic on deploy);
    # in development runserver and the test live server serve them from the app folders.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
    STORAGES["staticfiles"] = {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}

# Uploads above this size stream to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("PHOTOLIB_MAX_FILES_PER_REQUEST", 20)
FILE_UPLOAD_TEMP_DIR = env_str("PHOTOLIB_UPLOAD_TEMP_DIR") or None

# --- Background work ------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
# Without a broker the embedded default runs tasks in-process, right away.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Workers recycle: a child process is replaced after this many tasks, or after a task that
# left it above this resident size (KiB, Celery's unit), so decoder fragmentation cannot grow
# a worker without bound. 0 disables either bound.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 100) or None
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 400_000) or None
# The queue tasks are sent to when nothing routes them elsewhere; workers consume it.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that refuses or stops answering costs a publisher a few seconds, never a hung
# request: the outbox keeps the message and the periodic drain sends it later.
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECT_TIMEOUT", 2.0)
_broker_socket_timeout = env_float("CELERY_BROKER_SOCKET_TIMEOUT", 3.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": env_int("CELERY_PUBLISH_MAX_RETRIES", 1),
    "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis hands an unacknowledged task to another worker after this long. Sized to the
    # longest an ingest may hold its message: the hard time limit, or a retry's countdown
    # (at most PHOTOLIB_INGEST_RETRY_MAX seconds), plus a margin; see photos/checks.py.
    "visibility_timeout": None,  # set below, once the ingest limits are read
    "socket_timeout": _broker_socket_timeout,
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "retry_on_timeout": False,
}
# A prefix for every key the broker writes in its Redis database (queues, the list of
# unacknowledged tasks), for sites that share one: a worker restores only its own site's
# tasks after a visibility timeout. Empty: no prefix.
if _broker_prefix := env_str("CELERY_BROKER_KEY_PREFIX"):
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = _broker_prefix
# How often the periodic drain sends again what a broker outage left in the outbox.
PHOTOLIB_OUTBOX_DRAIN_SECONDS = env_int("PHOTOLIB_OUTBOX_DRAIN_SECONDS", 60)
# Beat sends the periodic jobs (photolib/periodic.py); `make beat` runs it, once per site.
PHOTOLIB_PERIODIC_JOBS = {
    "outbox-drain": {"run": "photolib.outbox.services.outbox_drain",
                     "every": PHOTOLIB_OUTBOX_DRAIN_SECONDS},
    "ingest-requeue-stuck": {"run": "photolib.photos.ingest.photo_requeue_stuck", "every": 300},
    # Retention of personal data (photolib/rights/retention.py): hourly is plenty for
    # periods counted in days.
    "retention": {"run": "photolib.rights.retention.retention_periodic", "every": 3600},
    # Recall (photolib/catalog/recall.py): catches licence terms that end and anything an
    # on-event scan missed; notices go out once whatever the schedule.
    "recall": {"run": "photolib.catalog.recall.recall_periodic", "every": 300},
    # The search's marks of what the rights-cleared rule clears (catalog/search/index.py):
    # marked again after changes no event announced; all compared with the rule hourly.
    "search-clearance": {"run": "photolib.catalog.search.index.clearance_periodic",
                         "every": 300},
    "search-clearance-audit": {"run": "photolib.catalog.search.index.clearance_audit",
                               "every": 3600},
    # Renewal offers to residents whose photos' terms end within PHOTOLIB_EXPIRY_NOTICE_DAYS.
    "expiry-reminders": {"run": "photolib.photos.expiry.expiry_reminders", "every": 3600},
    "use-digest": {"run": "photolib.catalog.digest.use_digest", "every": 3600},
    # Webhook deliveries whose retry is overdue (a lost task, or in-process tasks).
    "webhook-retry": {"run": "photolib.api.webhooks.webhook_retry_due", "every": 60},
}
CELERY_BEAT_SCHEDULE = beat_schedule(PHOTOLIB_PERIODIC_JOBS)
# The outbox: unsent messages younger than this are still being delivered on commit; sent
# rows are kept this many days (to see what went out), then removed by the drain.
PHOTOLIB_OUTBOX_RETRY_SECONDS = env_int("PHOTOLIB_OUTBOX_RETRY_SECONDS", 30)
PHOTOLIB_OUTBOX_KEEP_DAYS = env_int("PHOTOLIB_OUTBOX_KEEP_DAYS", 7)

# --- Catalog --------------------------------------------------------------
# The language search reads words in (stems, stop words; accents never matter): one of
# photolib/languages.py's LANGUAGES. A community group may set its own.
PHOTOLIB_SEARCH_LANGUAGE = env_str("PHOTOLIB_SEARCH_LANGUAGE", "english").strip().lower()
try:
    _search_languages.check(PHOTOLIB_SEARCH_LANGUAGE)
except _search_languages.UnknownLanguage as _exc:
    raise ImproperlyConfigured(str(_exc)) from None
# Days before a photo's licence term ends that its owner is offered a renewal by mail and
# marketing sees "expires on …" (photolib/photos/expiry.py).
PHOTOLIB_EXPIRY_NOTICE_DAYS = env_int("PHOTOLIB_EXPIRY_NOTICE_DAYS", 30)
# Email a resident the first time the city uses one of their photos.
PHOTOLIB_NOTIFY_FIRST_USE = env_bool("PHOTOLIB_NOTIFY_FIRST_USE", default=True)
# Every later use reaches the photo's owner in a digest, at most once per this many days
# (photolib/catalog/digest.py); 0 turns it off.
PHOTOLIB_USE_DIGEST_DAYS = env_int("PHOTOLIB_USE_DIGEST_DAYS", 7)

# --- API (photolib/api) ----------------------------------------------------
# Token-only: sessions do not open the API (so no CSRF to guard and no web-session rule in
# the way), JSON in and out, one error shape (photolib/api/exceptions.py).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["photolib.api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["photolib.api.permissions.TokenHolder"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "photolib.api.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Community photo library API",
    "DESCRIPTION": "Search the rights-cleared catalog, read a photo's credit and licence, "
                   "keep collections, download with a stated use, and read recall notices. "
                   "Authenticate with a personal token: `Authorization: Bearer plk_...`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No call to the public validator (the CSP would refuse it anyway).
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "persistAuthorization": False},
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {"UseEnum": "photolib.consent.models.USES"},
}
# How long the file URL a download answers works without the token.
PHOTOLIB_API_FILE_URL_SECONDS = env_int("PHOTOLIB_API_FILE_URL_SECONDS", 300)
# Webhooks (photolib/api/webhooks.py): each attempt waits this long for an answer; a failed
# one is tried again after BACKOFF * 2**(n-1) seconds (at most RETRY_MAX), up to MAX_ATTEMPTS
# in all, then the delivery is failed and the endpoint marked failing.
PHOTOLIB_WEBHOOK_TIMEOUT_SECONDS = env_float("PHOTOLIB_WEBHOOK_TIMEOUT_SECONDS", 5.0)
PHOTOLIB_WEBHOOK_MAX_ATTEMPTS = env_int("PHOTOLIB_WEBHOOK_MAX_ATTEMPTS", 6)
PHOTOLIB_WEBHOOK_RETRY_BACKOFF = env_int("PHOTOLIB_WEBHOOK_RETRY_BACKOFF", 30)
PHOTOLIB_WEBHOOK_RETRY_MAX = env_int("PHOTOLIB_WEBHOOK_RETRY_MAX", 3600)
# http:// endpoints on this machine (127.0.0.1, ::1): development and tests only.
PHOTOLIB_WEBHOOK_ALLOW_LOOPBACK = env_bool("PHOTOLIB_WEBHOOK_ALLOW_LOOPBACK", default=DEBUG)
if PRODUCTION and PHOTOLIB_WEBHOOK_ALLOW_LOOPBACK:
    raise ImproperlyConfigured(
        "PHOTOLIB_WEBHOOK_ALLOW_LOOPBACK is for development and tests: unset it in production, "
        "where webhooks go to public https:// addresses only.")
for _name in ("PHOTOLIB_API_FILE_URL_SECONDS", "PHOTOLIB_WEBHOOK_MAX_ATTEMPTS",
              "PHOTOLIB_WEBHOOK_RETRY_BACKOFF", "PHOTOLIB_WEBHOOK_RETRY_MAX"):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"{_name} must be a positive whole number.")
if PHOTOLIB_WEBHOOK_TIMEOUT_SECONDS <= 0:
    raise ImproperlyConfigured("PHOTOLIB_WEBHOOK_TIMEOUT_SECONDS must be more than 0.")

# --- Retention (the residents' data rights; ``manage.py apply_retention``) -------
def _days(name: str, default: int) -> int:
    value = env_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"{name}={value}: give a number of days, at least 1.")
    return value


# Photos a resident deleted (or erased) after the city used them: kept, withdrawn, this long
# for legal defence (GDPR Art. 17(3)(e)), then deleted. Six years by default.
PHOTOLIB_LEGAL_HOLD_DAYS = _days("PHOTOLIB_LEGAL_HOLD_DAYS", 6 * 365)
# Rejected and failed photos (original with its exact GPS, renditions, row) are deleted after.
PHOTOLIB_REJECTED_RETENTION_DAYS = _days("PHOTOLIB_REJECTED_RETENTION_DAYS", 30)
# Download copies handed to marketing (the ``downloads`` storage) are deleted after; the
# usage log row stays, and a new download makes a new copy.
PHOTOLIB_DOWNLOAD_COPY_DAYS = _days("PHOTOLIB_DOWNLOAD_COPY_DAYS", 7)

# --- Email ----------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "photos@example.org")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if env_str("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env_str("EMAIL_HOST")
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=EMAIL_PORT == 465)
    # Mail is sent by tasks, never in a request; a hung server still must not hold a worker.
    EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10.0)
elif PRODUCTION:
    raise ImproperlyConfigured(
        "PHOTOLIB_PROFILE=production needs EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, "
        "EMAIL_HOST_PASSWORD) so verification and receipt emails reach residents."
    )
else:
    # Development: each message is a file under var/mail/ the developer can open.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Internationalisation -------------------------------------------------
# English is the source; German and French are complete (locale/*/LC_MESSAGES/django.po,
# compiled by `manage.py compile_translations` at install). A city may make one of them the
# default for visitors who have not chosen (PHOTOLIB_LANGUAGE_CODE).
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
LANGUAGE_CODE = env_str("PHOTOLIB_LANGUAGE_CODE", "en").lower() or "en"
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"PHOTOLIB_LANGUAGE_CODE={LANGUAGE_CODE!r} is not a language this site is translated "
        f"into; use one of: {', '.join(code for code, _ in LANGUAGES)} (or add the language: "
        "see README, 'Adding a language')."
    )
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Security -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
PHOTOLIB_STAFF_IDLE_MINUTES = env_int("PHOTOLIB_STAFF_IDLE_MINUTES", 30)
PHOTOLIB_STAFF_SESSION_HOURS = env_int("PHOTOLIB_STAFF_SESSION_HOURS", 12)
# The name a staff member's authenticator app shows beside the site's codes.
OTP_TOTP_ISSUER = env_str("PHOTOLIB_OTP_ISSUER", f"{CONTROLLER_NAME} photo library")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SILENCED_SYSTEM_CHECKS: list[str] = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Ingest (photos app) ---
# Limits on what residents upload; media_ingest refuses anything beyond them with a reason.
PHOTOLIB_MAX_UPLOAD_BYTES = env_int("PHOTOLIB_MAX_UPLOAD_BYTES", 60_000_000)
PHOTOLIB_MAX_PIXELS = env_int("PHOTOLIB_MAX_PIXELS", 120_000_000)
# Memory one frame may take once decoded (pixels x bytes per pixel, plus the decoder's own
# buffers), checked from headers before decoding. 400 MB keeps a worker under 600 MB peak RSS
# for any accepted file (bench/ingest.py measures it); raise it only with worker memory.
PHOTOLIB_MAX_DECODED_BYTES = env_int("PHOTOLIB_MAX_DECODED_BYTES", 400_000_000)
PHOTOLIB_UPLOADS_PER_DAY = env_int("PHOTOLIB_UPLOADS_PER_DAY", 200)
# The ingest task: a soft limit ends a stuck render as `failed`; the hard limit kills it.
PHOTOLIB_INGEST_SOFT_TIME_LIMIT = env_int("PHOTOLIB_INGEST_SOFT_TIME_LIMIT", 120)
PHOTOLIB_INGEST_TIME_LIMIT = env_int("PHOTOLIB_INGEST_TIME_LIMIT", 180)
PHOTOLIB_INGEST_MAX_RETRIES = env_int("PHOTOLIB_INGEST_MAX_RETRIES", 5)
# Retry n waits between half and all of BACKOFF * 2**n seconds (equal jitter), at most
# RETRY_MAX: with the defaults the five retries span at least five minutes of outage.
PHOTOLIB_INGEST_RETRY_BACKOFF = env_int("PHOTOLIB_INGEST_RETRY_BACKOFF", 20)
PHOTOLIB_INGEST_RETRY_MAX = env_int("PHOTOLIB_INGEST_RETRY_MAX", 600)
# A photo `processing` this long whose ingest was not asked for since has lost its task
# (a broker restarted without persistence); the periodic job sends it to ingest again.
# Longer than the visibility timeout, so a killed worker's task is redelivered first.
PHOTOLIB_STUCK_PROCESSING_MINUTES = env_int("PHOTOLIB_STUCK_PROCESSING_MINUTES", 20)
# Test-only: while this file exists, ingest pauses after storing its first rendition, so a
# test can kill the worker mid-task. Never set it in a deployment.
PHOTOLIB_INGEST_TEST_PAUSE_FILE = env_str("PHOTOLIB_INGEST_TEST_PAUSE_FILE")
for _name in ("PHOTOLIB_MAX_UPLOAD_BYTES", "PHOTOLIB_MAX_PIXELS", "PHOTOLIB_MAX_DECODED_BYTES",
              "PHOTOLIB_UPLOADS_PER_DAY",
              "PHOTOLIB_INGEST_SOFT_TIME_LIMIT", "PHOTOLIB_INGEST_TIME_LIMIT",
              "PHOTOLIB_INGEST_RETRY_BACKOFF", "PHOTOLIB_INGEST_RETRY_MAX",
              "PHOTOLIB_STUCK_PROCESSING_MINUTES", "PHOTOLIB_OUTBOX_RETRY_SECONDS",
              "PHOTOLIB_OUTBOX_KEEP_DAYS", "PHOTOLIB_OUTBOX_DRAIN_SECONDS"):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"{_name} must be a positive whole number.")
if PHOTOLIB_INGEST_MAX_RETRIES < 0:
    raise ImproperlyConfigured("PHOTOLIB_INGEST_MAX_RETRIES must be 0 or more.")
if PHOTOLIB_INGEST_TIME_LIMIT <= PHOTOLIB_INGEST_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured(
        "PHOTOLIB_INGEST_TIME_LIMIT must be larger than PHOTOLIB_INGEST_SOFT_TIME_LIMIT, so the "
        "soft limit can end a stuck render cleanly before the worker process is killed.")
del _name
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env_int(
    "CELERY_VISIBILITY_TIMEOUT",
    max(PHOTOLIB_INGEST_TIME_LIMIT, PHOTOLIB_INGEST_RETRY_MAX) + 300)

if CELERY_TASK_ALWAYS_EAGER:
    # In-process tasks would print a line each into `make run`'s output; failures still show.
    # Workers keep Celery's usual INFO line per task.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}
