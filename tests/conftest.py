"""Test infrastructure shared by every app: real services as session fixtures.

- Database: PostgreSQL when ``DATABASE_URL`` is set (pytest-django makes its own
  ``test_*`` database on that server), SQLite otherwise.
- S3: moto's stand-alone server on a free loopback port, reached through
  django-storages' S3 backend over HTTP with signed requests (``s3_storage``).
- Celery: a real worker process consuming from Redis (``celery_worker``); every
  other test runs tasks eagerly.
- Browser: Playwright driving Debian's Chromium against Django's live server
  (``page``), with a screenshot per journey under ``var/test-output/``.

``REQUIRE_POSTGRES``, ``REQUIRE_S3``, ``REQUIRE_REDIS`` and ``REQUIRE_BROWSER``
set to 1 turn a skip for a missing service into a failure (CI sets all four).

``make test`` runs the suite in pytest-xdist workers, one per core. Nothing here is shared
between them: each has its own test database (pytest-django adds ``_gw0``, ``_gw1`` ...),
its own Celery queue (``TEST_QUEUE``), moto server, live server and Chromium, on free ports.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.production_stack import free_port

# Playwright's sync API runs an event loop in the test thread; Django's ORM must
# still be usable from that thread in browser tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REPO = Path(__file__).resolve().parent.parent
TEST_OUTPUT = Path(os.environ.get("PHOTOLIB_TEST_OUTPUT", REPO / "var" / "test-output"))
#: Every browser journey's screenshots, emptied once at the start of a run.
SCREENSHOTS = TEST_OUTPUT / "screenshots"
CHROMIUM = os.environ.get("PHOTOLIB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def required(service: str) -> bool:
    return os.environ.get(f"REQUIRE_{service}", "") == "1"


def unavailable(service: str, reason: str) -> None:
    """Skip, or fail when ``REQUIRE_<service>=1`` says the service must be there."""
    if required(service):
        pytest.fail(f"REQUIRE_{service}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_configure(config):
    if not hasattr(config, "workerinput"):
        # The last run's screenshots go, once, in the process that runs or distributes the
        # tests: a pytest-xdist worker doing it could delete what another one just took.
        shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    # Then every process has the folder (workers start after the controller emptied it).
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if required("POSTGRES") and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise pytest.UsageError(
            "REQUIRE_POSTGRES=1 but DATABASE_URL does not name a PostgreSQL database; "
            "the suite would run on SQLite."
        )


# --- Celery: eager by default ---------------------------------------------


TEST_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/15"
TEST_QUEUE = f"photolib-test-{uuid.uuid4().hex[:10]}"
# Every broker key of this process's tasks and workers starts with this (kombu's
# global_keyprefix): Redis keeps one list of unacknowledged tasks per database, and a worker
# started with a short visibility timeout would otherwise hand another pytest-xdist worker's
# in-flight tasks to its own worker a second time.
TEST_BROKER_PREFIX = f"{TEST_QUEUE}:"
#: The Redis key of ``TEST_QUEUE``, under that prefix.
TEST_QUEUE_KEY = TEST_BROKER_PREFIX + TEST_QUEUE


@pytest.fixture(autouse=True, scope="session")
def _celery_eager() -> None:
    """Eager tasks by default; the broker and a queue of this session's own are set
    before the app first connects (Celery caches both), for ``celery_worker``."""
    from photolib.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    app.conf.broker_url = TEST_BROKER_URL
    app.conf.broker_transport_options = {**app.conf.broker_transport_options,
                                         "global_keyprefix": TEST_BROKER_PREFIX}
    app.conf.task_default_queue = TEST_QUEUE


# --- Abuse limits: every test starts with no counts --------------------------


@pytest.fixture(autouse=True)
def _rate_limits_reset() -> Iterator[None]:
    """Forget the abuse-limit counts (the per-process memory:// store) before and after each
    test, so one test's requests from 127.0.0.1 never limit another's."""
    from photolib import ratelimit

    ratelimit.reset()
    yield
    ratelimit.reset()


@pytest.fixture(autouse=True)
def _site_language() -> Iterator[None]:
    """Each test starts and ends in the site's language: a request answered in German or
    French (LocaleMiddleware activates it for the thread) must not carry over into the next
    test's mail or labels."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- Storage: a private temporary folder per test, unless S3 is asked for ---


@pytest.fixture(autouse=True)
def _file_storage(settings, tmp_path: Path) -> Path:
    from photolib.storage_config import filesystem_storages

    settings.STORAGES = filesystem_storages(tmp_path / "var")
    return tmp_path / "var"


@dataclass
class S3Server:
    endpoint_url: str
    region: str = "us-east-1"
    access_key: str = "photolib-test"
    secret_key: str = "photolib-test-secret"  # noqa: S105 - moto accepts any signed key

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        unavailable("S3", "moto's server is not installed (pip install 'moto[server]')")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    s3 = S3Server(endpoint_url=f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 10
    while True:
        try:
            s3.client().list_buckets()
            break
        except Exception:
            if time.monotonic() > deadline:
                server.stop()
                unavailable("S3", f"moto's server did not answer on port {port}")
            time.sleep(0.1)
    yield s3
    server.stop()


@dataclass
class S3Bucket:
    server: S3Server
    name: str
    _client: object = field(default=None, repr=False)

    @property
    def client(self):
        if self._client is None:
            self._client = self.server.client()
        return self._client

    def list_keys(self, prefix: str = "") -> list[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        return [obj["Key"] for page in paginator.paginate(Bucket=self.name, Prefix=prefix)
                for obj in page.get("Contents", [])]

    def head(self, key: str) -> dict:
        return self.client.head_object(Bucket=self.name, Key=key)


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> Iterator[S3Bucket]:
    """A new private bucket on moto's server, emptied and removed afterwards."""
    bucket = S3Bucket(server=s3_server, name=f"photolib-test-{uuid.uuid4().hex[:12]}")
    bucket.client.create_bucket(Bucket=bucket.name)
    bucket.client.put_public_access_block(
        Bucket=bucket.name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
        },
    )
    yield bucket
    for key in bucket.list_keys():
        bucket.client.delete_object(Bucket=bucket.name, Key=key)
    bucket.client.delete_bucket(Bucket=bucket.name)


def s3_env(bucket: S3Bucket) -> dict[str, str]:
    """The environment that makes a process use ``bucket`` exactly as production would."""
    return {
        "PHOTOLIB_STORAGE": "s3",
        "PHOTOLIB_S3_BUCKET": bucket.name,
        "PHOTOLIB_S3_REGION": bucket.server.region,
        "PHOTOLIB_S3_ENDPOINT_URL": bucket.server.endpoint_url,
        "PHOTOLIB_S3_ACCESS_KEY_ID": bucket.server.access_key,
        "PHOTOLIB_S3_SECRET_ACCESS_KEY": bucket.server.secret_key,
    }


@pytest.fixture
def s3_storage(settings, s3_bucket: S3Bucket) -> S3Bucket:
    """Point the storage aliases at a fresh bucket on moto's server, over HTTP."""
    from photolib.storage_config import s3_storages

    server = s3_bucket.server
    settings.STORAGES = s3_storages(
        bucket=s3_bucket.name, region=server.region, endpoint_url=server.endpoint_url,
        access_key=server.access_key, secret_key=server.secret_key,
    )
    return s3_bucket


# --- Celery: a real worker on Redis ----------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = TEST_BROKER_URL
    if not url.startswith("redis"):
        unavailable("REDIS", f"CELERY_BROKER_URL={url!r} is not a Redis URL")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:
        unavailable("REDIS", f"no Redis answers at {url}: {exc}")
    return url


def database_url_for_subprocess() -> str:
    """A URL for the test database pytest-django created, for another process."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(s["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            pytest.fail("the SQLite test database must be a file to share it with a worker")
        return f"sqlite:///{name}"
    user = s.get("USER") or ""
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen
    queue: str
    log: Path
    var_dir: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=20)


@pytest.fixture
def celery_worker(redis_url: str, transactional_db, _file_storage: Path, tmp_path: Path,
                  settings) -> Iterator[Callable[..., Worker]]:
    """Start a real ``celery worker`` on Redis that shares this test's database and storage.

    Call it (optionally with ``env=`` extras such as ``s3_env(bucket)``); tasks sent
    from the test go to a queue only that worker consumes. The test uses
    ``transactional_db`` so the worker sees committed rows.
    """
    import redis

    from photolib.celery import app

    queue = TEST_QUEUE
    redis.Redis.from_url(redis_url).delete(TEST_QUEUE_KEY)  # nothing left from an earlier test
    workers: list[Worker] = []
    app.conf.task_always_eager = False

    def start(env: dict[str, str] | None = None, concurrency: int = 1,
              pool: str = "prefork") -> Worker:
        log = tmp_path / f"worker-{len(workers)}.log"
        worker_env = {
            **os.environ,
            "DATABASE_URL": database_url_for_subprocess(),
            "CELERY_BROKER_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_BROKER_KEY_PREFIX": TEST_BROKER_PREFIX,
            "PHOTOLIB_VAR_DIR": str(_file_storage),
            "SECRET_KEY": settings.SECRET_KEY,  # links the worker signs must verify here
            "PHOTOLIB_SIGNING_KEY": settings.PHOTOLIB_SIGNING_KEY_PEM.decode(),  # receipts too
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        worker_env.pop("EMAIL_HOST", None)  # mail goes to files under PHOTOLIB_VAR_DIR/mail
        cmd = [sys.executable, "-m", "celery", "-A", "photolib", "worker", "-Q", queue,
               "--loglevel", "INFO", "--concurrency", str(concurrency), "--pool", pool,
               "--without-heartbeat", "--without-gossip", "--without-mingle",
               "--hostname", f"{queue}-{uuid.uuid4().hex[:6]}@%h"]
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, cwd=REPO, env=worker_env, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        worker = Worker(process=proc, queue=queue, log=log, var_dir=_file_storage)
        workers.append(worker)
        deadline = time.monotonic() + 60
        while "ready." not in worker.output():
            if proc.poll() is not None or time.monotonic() > deadline:
                worker.kill()
                pytest.fail(f"the Celery worker did not start:\n{worker.output()[-3000:]}")
            time.sleep(0.2)
        return worker

    yield start
    for worker in workers:
        worker.kill(signal.SIGTERM) if worker.process.poll() is None else None
    for worker in workers:
        if worker.process.poll() is None:
            worker.kill()
    app.conf.task_always_eager = True
    redis.Redis.from_url(redis_url).delete(TEST_QUEUE_KEY)


def wait_for(predicate: Callable[[], object], timeout: float = 30, interval: float = 0.2,
             message: str | Callable[[], str] = "condition") -> object:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``.

    ``message`` may be a callable, evaluated only on failure (e.g. a worker's log).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            pytest.fail(f"timed out after {timeout}s waiting for {text}")
        time.sleep(interval)


# --- Browser: Playwright on Debian's Chromium ------------------------------


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() and os.access(CHROMIUM, os.X_OK)):
        unavailable("BROWSER", f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("BROWSER", "Playwright for Python is not installed")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
    except Exception as exc:
        playwright.stop()
        unavailable("BROWSER", f"Chromium did not start: {exc}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context on the live server; a screenshot is saved at the end."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    # A page the Content-Security-Policy breaks fails silently in the browser (a blocked
    # script, an image that never loads); here it fails the test.
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    try:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    finally:
        context.close()
    assert violations == [], f"the page broke the Content-Security-Policy: {violations}"


# --- Faults: a dependency that refuses or never answers --------------------


@dataclass
class HungServer:
    """A TCP server on loopback that accepts every connection and never answers."""

    port: int
    _sock: socket.socket
    _accepted: list = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def hung_server() -> Iterator[HungServer]:
    import threading

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.settimeout(0.2)
    server = HungServer(port=sock.getsockname()[1], _sock=sock)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except (TimeoutError, OSError):
                continue
            server._accepted.append(conn)  # held open, never read from or answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server
    stop.set()
    thread.join(timeout=2)
    for conn in server._accepted:
        conn.close()
    sock.close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on: connections are refused at once."""
    return free_port()


@pytest.fixture
def broker_at(monkeypatch):
    """``broker_at(url)``: publish to ``url`` from now until the test ends (or the next call);
    the session's broker comes back afterwards. Celery prefers the ``CELERY_BROKER_URL``
    environment variable to its configuration, so both change."""
    from photolib.celery import app

    original = app.conf.broker_url

    def point(url: str) -> None:
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        app.conf.broker_url = url

    yield point
    app.conf.broker_url = original


# --- Staff: signed in past the second factor ----------------------------------


def staff_login(client, user):
    """Sign a reviewer or admin in on a test client as after both steps, password and code.

    ``client.force_login`` alone leaves a staff session unverified, and every staff page
    then sends it to the code page. This gives ``user`` a confirmed authenticator when they
    have none, and marks the session verified with it exactly as ``django_otp.login``
    does (the device's id under django-otp's session key). Returns the device.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from photolib.accounts.second_factor import AUTHENTICATOR_NAME

    device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
              or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=True))
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def totp_code(secret_base32: str) -> str:
    """The code an authenticator app shows now for ``secret_base32`` (six digits, 30 s)."""
    import base64

    from django_otp.oath import totp

    return f"{totp(base64.b32decode(secret_base32), step=30, t0=0, digits=6):06d}"
