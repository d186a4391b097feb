"""The production layout on loopback, started as separate processes: its own redis-server
(append-only file), gunicorn from ``infra/gunicorn.conf.py`` with the production profile, a
Celery worker and Celery beat, a small SMTP server in this process, against a PostgreSQL
database and an S3 endpoint (moto's server) the caller provides.

Used by ``tests/test_production_smoke.py`` and ``bench/load.py``. Nothing here imports Django:
the processes read their settings from the environment ``production_env`` builds out of
``infra/production.env.example``, as a city's deployment would.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import fcntl
import os
import random
import re
import secrets
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_ENV = REPO / "infra" / "production.env.example"
PASSWORDS = {"resident@example.org": "resident-demo-pass",
             "reviewer@example.org": "reviewer-demo-pass",
             "marketing@example.org": "marketing-demo-pass"}
GROUP = "city-community-photos"

# seed_demo's accounts (resident, marketing, reviewer, admin) and its group with the
# agreement published, without its 24 demo photos (each an ingest); the resident joins
# here only when asked.
SEED = """
from photolib.accounts.management.commands.seed_demo import DEMO_ACCOUNTS, Command
from photolib.consent import selectors, services
from photolib.consent.demo import DEMO_TEXT
from photolib.consent.models import CollectionMethod, CommunityGroup

command = Command()
users = {row[0]: command._account(*row) for row in DEMO_ACCOUNTS}
from photolib.accounts import second_factor
from photolib.accounts.management.commands.seed_demo import DEMO_RECOVERY_CODE, DEMO_TOTP_SECRET
for user in users.values():
    if second_factor.needs_second_factor(user):
        second_factor.second_factor_seed(user=user, secret_base32_text=DEMO_TOTP_SECRET,
                                         recovery_code=DEMO_RECOVERY_CODE)
group = CommunityGroup.objects.create(slug="city-community-photos", name="City Community Photos")
draft = services.agreement_create_draft(
    group=group, acting_user=users["admin@example.org"], text=DEMO_TEXT,
    permitted_uses=["web", "social", "print"], credit_required=True,
    credit_format="Photo: {credit_name} / {group}", term_years=None, minimum_age=16,
    release_required_for_people=False)
version = services.agreement_publish(version=draft, acting_user=users["admin@example.org"])
if RESIDENT_JOINS:
    version = selectors.membership(users["resident@example.org"], group).current_version
    services.consent_grant(
        user=users["resident@example.org"], group=group, version_id=version.pk,
        statements_affirmed=list(version.statements), method=CollectionMethod.SEED,
        context=services.RequestContext(ip_address="127.0.0.1", user_agent="seed"))
print("seeded", len(users), "group", group.pk)
"""

# Variables of the calling environment that would point a process somewhere else.
FOREIGN_PREFIXES = ("PHOTOLIB_", "DATABASE_", "CELERY_", "EMAIL_", "AWS_", "SECRET_KEY",
                    "ALLOWED_HOSTS", "DEBUG", "GUNICORN_", "DJANGO_")


# Ports handed to servers the tests start (gunicorn, Redis, moto, receivers): below the
# kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768-60999 by default), where
# outgoing connections take theirs, so a connection to PostgreSQL cannot take a port
# between the moment it is found free and the moment a server binds it; a block of its own
# for each pytest-xdist worker (PYTEST_XDIST_WORKER, "gw0", ...); and, within it, a lock
# file per port held until the process ends, so that two runs on one machine (CI and a
# developer's) are never handed the same one either. A port in use is passed over.
PORT_BASE, PORT_BLOCK = 20_000, 200
PORT_LOCKS = Path(tempfile.gettempdir()) / "photolib-test-ports"
_held_ports: list = []  # the open, locked files of the ports this process was handed


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A loopback TCP port free now and handed to no other process on this machine."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    block = int(worker[2:]) + 1 if worker.startswith("gw") and worker[2:].isdigit() else 0
    first, ephemeral = PORT_BASE + block * PORT_BLOCK, _ephemeral_low()
    if first + PORT_BLOCK > ephemeral:
        raise RuntimeError(f"worker {worker} would take ports in the ephemeral range "
                           f"(from {ephemeral}): run fewer pytest-xdist workers")
    PORT_LOCKS.mkdir(exist_ok=True)
    offset = random.randrange(PORT_BLOCK)
    for i in range(PORT_BLOCK):
        port = first + (offset + i) % PORT_BLOCK
        lock = (PORT_LOCKS / f"{port}.lock").open("a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", port))
        except OSError:  # handed to another process, or something listens there
            lock.close()
            continue
        _held_ports.append(lock)
        return port
    raise RuntimeError(f"no free loopback port in {first}-{first + PORT_BLOCK - 1}")


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


# --- SMTP: a server that keeps every message it is given -------------------------------


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Enough of RFC 5321 for Django's SMTP backend without TLS or login."""

    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self) -> None:
        self._reply("220 photolib-test-smtp")
        recipients: list[str] = []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            verb = raw.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb in {"EHLO", "HELO"}:
                self._reply("250 photolib-test-smtp")
            elif verb == "MAIL":
                recipients = []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(raw.decode().split(":", 1)[1].strip().strip("<>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                self.server.sink.keep(recipients, b"".join(lines))
                self._reply("250 OK: kept")
            elif verb == "RSET":
                recipients = []
                self._reply("250 OK")
            elif verb == "NOOP":
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            else:
                self._reply("502 Command not implemented")


class _ThreadedSMTP(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@dataclass
class MailSink:
    port: int = 0
    messages: list[tuple[list[str], email.message.EmailMessage]] = field(default_factory=list)
    _server: _ThreadedSMTP | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def keep(self, recipients: list[str], raw: bytes) -> None:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._lock:
            self.messages.append((recipients, message))

    def start(self) -> MailSink:
        self._server = _ThreadedSMTP(("127.0.0.1", 0), _SMTPHandler)
        self._server.sink = self
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def to(self, address: str) -> list[str]:
        """The plain-text bodies of every message for ``address``, in arrival order."""
        with self._lock:
            found = [m for rcpts, m in self.messages if address in rcpts]
        return [m.get_body(preferencelist=("plain",)).get_content() for m in found]


# --- Processes --------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    cmd: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> Service:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.cmd, cwd=REPO, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self, tail: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-tail:] if self.log.exists() else ""

    def signal(self, sig: int) -> None:
        if self.running():
            os.killpg(self.process.pid, sig)

    def stop(self, grace: float = 10) -> None:
        """SIGTERM to the whole process group, SIGKILL after ``grace`` seconds."""
        if self.process is None:
            return
        if self.running():
            try:
                os.killpg(self.process.pid, signal.SIGCONT)  # a stopped process cannot exit
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
            except ProcessLookupError:
                return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # children left behind, if any
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=grace)


class StackError(RuntimeError):
    pass


def wait_until(predicate: Callable[[], object], timeout: float, what: str | Callable[[], str],
               interval: float = 0.2) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise StackError(f"timed out after {timeout}s waiting for "
                             f"{what() if callable(what) else what}")
        time.sleep(interval)


@dataclass
class S3Target:
    endpoint_url: str
    bucket: str
    evidence_bucket: str
    region: str = "us-east-1"
    access_key: str = "photolib-test"
    secret_key: str = "photolib-test-secret"  # noqa: S105 - moto accepts any signed key


def create_buckets(s3: S3Target) -> None:
    """The photos' bucket (private) and the evidence bucket (versioning, Object Lock)."""
    import boto3

    client = boto3.client("s3", endpoint_url=s3.endpoint_url, region_name=s3.region,
                          aws_access_key_id=s3.access_key, aws_secret_access_key=s3.secret_key)
    client.create_bucket(Bucket=s3.bucket)
    client.create_bucket(Bucket=s3.evidence_bucket, ObjectLockEnabledForBucket=True)
    client.put_object_lock_configuration(Bucket=s3.evidence_bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})


def remove_buckets(s3: S3Target) -> None:
    import boto3

    client = boto3.client("s3", endpoint_url=s3.endpoint_url, region_name=s3.region,
                          aws_access_key_id=s3.access_key, aws_secret_access_key=s3.secret_key)
    for bucket in (s3.bucket, s3.evidence_bucket):
        try:
            versions = client.list_object_versions(Bucket=bucket)
        except Exception:  # noqa: S112 - never made, or already gone
            continue
        for v in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
            client.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"],
                                 BypassGovernanceRetention=True)
        client.delete_bucket(Bucket=bucket)


@dataclass
class ProductionStack:
    """Start with ``start()``; ``stop()`` ends every process (also after a failed start)."""

    workdir: Path
    database_url: str
    s3: S3Target
    web_workers: int | None = 2  # None: infra/gunicorn.conf.py's own (2 x CPUs + 1)
    web_threads: int | None = 2
    worker_concurrency: int = 1
    drain_seconds: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    redis_port: int = 0
    web_port: int = 0
    mail: MailSink = field(default_factory=MailSink)
    services: dict[str, Service] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}"

    def production_env(self) -> dict[str, str]:
        """``infra/production.env.example`` with each service pointed at this stack. Plain
        HTTP on loopback stands in for the TLS proxy, so the HTTPS redirect is off."""
        base = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_PREFIXES)}
        env = {**base, **read_env_file(EXAMPLE_ENV)}
        env.update({
            "PHOTOLIB_PROFILE": "production",
            "SECRET_KEY": self._secret,
            "ALLOWED_HOSTS": "127.0.0.1",
            "PHOTOLIB_SITE_URL": self.url,
            "SECURE_SSL_REDIRECT": "0",
            "PHOTOLIB_SIGNING_KEY_FILE": str(self._signing_key_file),
            "PHOTOLIB_C2PA_CERT_CHAIN_FILE": str(self.workdir / "c2pa-chain.pem"),
            "PHOTOLIB_C2PA_KEY_FILE": str(self.workdir / "c2pa-key.pem"),
            "PHOTOLIB_VAR_DIR": str(self.workdir / "var"),
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": f"{self.redis_url}/0",
            "PHOTOLIB_RATE_LIMIT_STORAGE": f"{self.redis_url}/2",
            "PHOTOLIB_STORAGE": "s3",
            "PHOTOLIB_S3_BUCKET": self.s3.bucket,
            "PHOTOLIB_S3_REGION": self.s3.region,
            "PHOTOLIB_S3_ENDPOINT_URL": self.s3.endpoint_url,
            "PHOTOLIB_S3_ACCESS_KEY_ID": self.s3.access_key,
            "PHOTOLIB_S3_SECRET_ACCESS_KEY": self.s3.secret_key,
            "PHOTOLIB_EVIDENCE_BUCKET": self.s3.evidence_bucket,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.mail.port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            # After an outage the periodic drain sends what is left within seconds.
            "PHOTOLIB_OUTBOX_DRAIN_SECONDS": str(self.drain_seconds),
            "PHOTOLIB_OUTBOX_RETRY_SECONDS": "1",
            "GUNICORN_BIND": f"127.0.0.1:{self.web_port}",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        })
        if self.web_workers:
            env["GUNICORN_WORKERS"] = str(self.web_workers)
        if self.web_threads:
            env["GUNICORN_THREADS"] = str(self.web_threads)
        return env

    def __post_init__(self) -> None:
        self._secret = secrets.token_urlsafe(50)
        self._signing_key_file = self.workdir / "signing-key.pem"

    def _service(self, name: str, cmd: list[str]) -> Service:
        service = Service(name=name, cmd=cmd, env=self.env, log=self.workdir / f"{name}.log")
        self.services[name] = service
        return service.start()

    def manage(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=self.env,
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode:
            raise StackError(f"manage.py {' '.join(args[:2])} failed:\n"
                             f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
        return result.stdout

    def seed(self, *, resident_joins: bool) -> int:
        """Seed through ``manage.py shell`` (the site's own settings); returns the group's
        id."""
        out = self.manage("shell", "-c", f"RESIDENT_JOINS = {resident_joins!r}\n{SEED}")
        found = re.search(r"seeded 4 group (\d+)", out)
        if not found:
            raise StackError(f"seeding failed:\n{out}")
        return int(found.group(1))

    def start(self, *, migrate: bool = False) -> ProductionStack:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        (self.workdir / "var").mkdir(parents=True, exist_ok=True)
        (self.workdir / "redis").mkdir(exist_ok=True)
        self._signing_key_file.write_bytes(Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        self._signing_key_file.chmod(0o600)
        from photolib.devca import local_chain

        c2pa = local_chain("Production stack test")
        (self.workdir / "c2pa-chain.pem").write_bytes(c2pa.chain_pem)
        (self.workdir / "c2pa-key.pem").write_bytes(c2pa.key_pem)
        self.redis_port = self.redis_port or free_port()
        self.web_port = self.web_port or free_port()
        began = time.monotonic()
        self.mail.start()
        self.env = self.production_env()
        self.start_redis()
        if migrate:
            self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput", "--skip-checks")
        self.timings["collectstatic"] = time.monotonic() - began
        celery = [sys.executable, "-m", "celery", "-A", "photolib"]
        worker = self._service("worker", [
            *celery, "worker", "--loglevel", "INFO", "--concurrency",
            str(self.worker_concurrency), "--without-gossip", "--without-mingle",
            "--hostname", f"smoke-{secrets.token_hex(3)}@%h"])
        self._service("beat", [*celery, "beat", "--loglevel", "INFO",
                               "--schedule", str(self.workdir / "celerybeat-schedule")])
        web = self._service("web", [sys.executable, "-m", "gunicorn", "-c",
                                    str(REPO / "infra" / "gunicorn.conf.py")])
        wait_until(lambda: "ready." in worker.output() or not worker.running(), 60,
                   "the Celery worker")
        wait_until(lambda: self._answers() or not web.running(), 30, "gunicorn")
        for name in ("worker", "beat", "web"):
            if not self.services[name].running():
                raise StackError(f"{name} exited:\n{self.services[name].output()}")
        self.timings["started"] = time.monotonic() - began
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.web_port), timeout=1):
                return True
        except OSError:
            return False

    # --- Redis, which the smoke test stops and starts ----------------------------------

    def start_redis(self) -> None:
        """redis-server with the append-only file in its own folder: what was queued before
        a crash is there after a restart (infra/compose.yaml runs Redis the same way)."""
        old = self.services.get("redis")
        log = self.workdir / "redis.log"
        service = Service(name="redis", env=dict(os.environ), log=log, cmd=[
            "redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
            "--dir", str(self.workdir / "redis"), "--appendonly", "yes",
            "--appendfsync", "always", "--save", "", "--daemonize", "no"])
        if old is not None:
            old.stop()
        self.services["redis"] = service.start()
        import redis

        client = redis.Redis(port=self.redis_port, socket_connect_timeout=1)

        def pong() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_until(lambda: pong() or not service.running(), 20, "redis-server")
        if not service.running():
            raise StackError(f"redis-server exited:\n{service.output()}")

    def kill_redis(self) -> None:
        """A crash: SIGKILL, nothing flushed beyond what the append-only file holds."""
        redis = self.services["redis"]
        redis.signal(signal.SIGKILL)
        redis.process.wait(timeout=10)

    def freeze_redis(self) -> None:
        """Redis stops answering but keeps its connections open (SIGSTOP)."""
        self.services["redis"].signal(signal.SIGSTOP)

    def thaw_redis(self) -> None:
        self.services["redis"].signal(signal.SIGCONT)

    def stop(self) -> None:
        """Every process asked to end at once (web, beat, worker, then Redis), so a slow
        warm shutdown costs its grace period once, not once per process."""
        apps = [self.services[n] for n in ("web", "beat", "worker") if n in self.services]
        for service in apps:
            with contextlib.suppress(ProcessLookupError):
                service.signal(signal.SIGCONT)
                service.signal(signal.SIGTERM)
        for service in apps:
            service.stop()
        if "redis" in self.services:
            self.services["redis"].stop()
        self.mail.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{service.output(3000)}"
                         for name, service in self.services.items())


def http_session(base_url: str):
    """A ``requests`` session for ``base_url`` that sends the site's Secure cookies back.

    The production profile marks its cookies Secure (TLS ends at the proxy); on loopback the
    client speaks plain HTTP to gunicorn, where a cookie jar would withhold them.
    """
    from urllib.parse import urlsplit

    import requests

    site = urlsplit(base_url).netloc

    class LoopbackSession(requests.Session):
        def prepare_request(self, request):
            prepared = super().prepare_request(request)
            if urlsplit(prepared.url).netloc == site:
                cookies = "; ".join(f"{c.name}={c.value}" for c in self.cookies
                                    if c.domain in {"127.0.0.1", "127.0.0.1.local"})
                if cookies:
                    prepared.headers["Cookie"] = cookies
            return prepared

    session = LoopbackSession()
    # One connection per request, as nginx speaks to gunicorn by default: a kept-alive
    # connection that gunicorn closes after its keepalive seconds can be reset under a
    # request sent at that moment, a client-side race rather than an answer of the site.
    session.headers["Connection"] = "close"
    return session


# seed_demo's DEMO_TOTP_SECRET, written out so the load bench needs no Django set-up; the
# seed above uses seed_demo's own constant, so a change there fails the sign-in loudly.
DEMO_TOTP_SECRET = "PHOTOLIBRARYDEMOSECONDFACTORKEYS"


def pass_second_step(session, base: str, *, timeout: float = 30) -> None:
    """A staff session signed in with its password types the current code of seed_demo's
    demo secret on the code page, as a reviewer with an authenticator app would."""
    import base64

    from django_otp.oath import totp

    page = session.get(f"{base}/accounts/second-step/", timeout=timeout)
    if page.status_code != 200:
        raise StackError(f"no code page for this session: {page.status_code}")
    code = f"{totp(base64.b32decode(DEMO_TOTP_SECRET), step=30, t0=0, digits=6):06d}"
    token = session.cookies.get("csrftoken", "")
    answer = session.post(f"{base}/accounts/second-step/", timeout=timeout,
                          allow_redirects=False, headers={"X-CSRFToken": token},
                          data={"code": code, "csrfmiddlewaretoken": token})
    if answer.status_code != 302:
        raise StackError(f"the code was not accepted: {answer.status_code} {answer.text[:300]}")
