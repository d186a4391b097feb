"""Web-process memory while it receives large uploads, through the real request path.

Starts the site under gunicorn (one sync worker; ``manage.py runserver`` if gunicorn is not
installed) on a throwaway SQLite database, signs a resident in, and POSTs photos to the
upload view exactly as the upload page's script does (multipart, one file, ``Accept:
application/json``), while sampling the serving process's RSS every few milliseconds.

Cases: one upload at the byte limit (60 MB) and one of 200 MB with the limit raised for the
measurement; each against local storage and, when moto is installed, against S3 (moto's
server over HTTP). The files are real uncompressed TIFF photos (camera-like noise), so the
upload-time checks run on them as on any upload. Tasks go to an in-memory broker that nobody
consumes: the worker's decoding is not part of the web process.

Target: RSS growth <= 30 MB per upload. Prints figures; it is not a test.

    .venv/bin/python bench/upload_memory.py [--no-s3] [--keep]

``BENCH_SETTINGS=some.module`` (importable, e.g. via ``PYTHONPATH``) runs the server with
another settings module, to compare storage options such as django-storages'
``transfer_config``.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
MB = 1_000_000
TARGET_MB = 30
CHUNK = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_tiff(path: Path, max_bytes: int) -> int:
    """An uncompressed RGB TIFF of camera-like noise just under ``max_bytes``."""
    pixels = (max_bytes - 4096) // 3
    width = 5000 if pixels < 40_000_000 else 10_000
    height = pixels // width
    tile = Image.effect_noise((1000, 1000), 40).convert("RGB")
    tile = Image.merge("RGB", [tile.getchannel(0), tile.getchannel(1).rotate(90),
                               tile.getchannel(2).transpose(Image.Transpose.FLIP_LEFT_RIGHT)])
    image = Image.new("RGB", (width, height))
    for y in range(0, height, 1000):
        for x in range(0, width, 1000):
            image.paste(tile, (x, y))
    image.save(path, "TIFF")
    return path.stat().st_size


def prepare_database(env: dict[str, str]) -> tuple[str, int]:
    """Migrate, create a resident who joined a group; return (session key, group id)."""
    script = """
import django
django.setup()
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from photolib.accounts.models import User
from photolib.consent import services
from photolib.consent.models import CollectionMethod, CommunityGroup
group = CommunityGroup.objects.create(name="Bench", slug="bench")
draft = services.agreement_create_draft(group=group, acting_user=None, text="Bench.",
                                        permitted_uses=["web"])
version = services.agreement_publish(version=draft, acting_user=None)
user = User.objects.create_user("bench@example.org", None, display_name="Bench",
                                credit_name="Bench", email_verified_at=timezone.now())
user.groups.add(Group.objects.get(name="resident"))
services.consent_grant(user=user, group=group, version_id=version.pk,
                       statements_affirmed=version.statements, method=CollectionMethod.SEED,
                       context=services.RequestContext(ip_address="127.0.0.1"))
session = SessionStore()
session["_auth_user_id"] = str(user.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = user.get_session_auth_hash()
session.create()
print(session.session_key, group.pk)
"""
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                   cwd=REPO, env=env, check=True)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, check=True,
                          capture_output=True, text=True)
    key, group_id = done.stdout.split()[-2:]
    return key, int(group_id)


class Server:
    def __init__(self, env: dict[str, str], log: Path):
        self.port = free_port()
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
        if gunicorn:
            cmd = [gunicorn, "photolib.wsgi:application", "--workers", "1",
                   "--worker-class", "sync", "--timeout", "600",
                   "--bind", f"127.0.0.1:{self.port}"]
            self.kind = "gunicorn (1 sync worker)"
        else:
            cmd = [sys.executable, "manage.py", "runserver", "--noreload", "--nothreading",
                   f"127.0.0.1:{self.port}"]
            self.kind = "manage.py runserver"
        self.log = log.open("wb")
        self.process = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"server did not start; see {log}") from None
                time.sleep(0.1)

    def serving_process(self) -> psutil.Process:
        """The process that handles requests: gunicorn's worker, or runserver itself."""
        parent = psutil.Process(self.process.pid)
        deadline = time.monotonic() + 10
        while True:
            children = parent.children()
            if children or "gunicorn" not in self.kind:
                return children[0] if children else parent
            if time.monotonic() > deadline:
                raise RuntimeError("no gunicorn worker")
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Client:
    def __init__(self, port: int, session_key: str, group_id: int):
        self.port, self.group_id = port, group_id
        self.cookies = {"sessionid": session_key}
        response, body = self.request("GET", "/photos/upload/")
        if response.status != 200:
            raise RuntimeError(f"upload page: {response.status} {body[:300]!r}")

    def request(self, method: str, path: str, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body,
                           headers={"Cookie": cookie, "Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                match = re.match(r"([^=]+)=([^;]*)", value)
                if match:
                    self.cookies[match[1]] = match[2]
        connection.close()
        return response, data

    def upload(self, path: Path) -> tuple[int, bytes]:
        boundary = uuid.uuid4().hex
        fields = {"group": str(self.group_id), "title": path.stem, "people": "none",
                  "own_work": "on", "csrfmiddlewaretoken": self.cookies["csrftoken"]}
        head = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            .encode() for name, value in fields.items())
        head += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{path.name}"\r\nContent-Type: image/tiff\r\n\r\n').encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        size = len(head) + path.stat().st_size + len(tail)

        def body():
            yield head
            with path.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    yield chunk
            yield tail

        response, data = self.request("POST", "/photos/upload/", body=body(), headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(size), "Accept": "application/json",
            "X-CSRFToken": self.cookies["csrftoken"], "Referer": f"http://127.0.0.1:{self.port}/"})
        return response.status, data


class Sampler(threading.Thread):
    def __init__(self, process: psutil.Process, interval: float = 0.005):
        super().__init__(daemon=True)
        self.process, self.interval = process, interval
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(self.interval)

    def stop(self) -> int:
        self.running = False
        self.join()
        return self.peak


def measure(label: str, env: dict[str, str], path: Path, warmup: Path, session: str,
            group_id: int, work: Path) -> dict:
    server = Server(env, work / f"server-{uuid.uuid4().hex[:6]}.log")
    try:
        client = Client(server.port, session, group_id)
        status, body = client.upload(warmup)  # imports, connections, first-request caches
        if status != 201:
            raise RuntimeError(f"warm-up upload: {status} {body[:300]!r}")
        process = server.serving_process()
        time.sleep(0.3)
        baseline = process.memory_info().rss
        sampler = Sampler(process)
        sampler.start()
        started = time.perf_counter()
        status, body = client.upload(path)
        elapsed = time.perf_counter() - started
        peak = sampler.stop()
        if status != 201:
            raise RuntimeError(f"{label}: {status} {body[:300]!r}")
        size = path.stat().st_size
        return {"label": label, "server": server.kind, "size_mb": size / MB, "seconds": elapsed,
                "baseline_mb": baseline / MB, "peak_mb": peak / MB,
                "growth_mb": (peak - baseline) / MB}
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-s3", action="store_true", help="local storage only")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log

    work = Path(tempfile.mkdtemp(prefix="photolib-upload-bench-"))
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PHOTOLIB_", "DATABASE_URL", "CELERY_"))}
    env.update({
        "PHOTOLIB_VAR_DIR": str(work / "var"), "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1",
        "CELERY_BROKER_URL": "memory://", "CELERY_TASK_ALWAYS_EAGER": "0",
        "PHOTOLIB_UPLOADS_PER_DAY": "1000", "PHOTOLIB_UPLOAD_TEMP_DIR": str(work),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": os.environ.get("BENCH_SETTINGS", "photolib.settings"),
    })
    limit = 60 * MB
    print(f"Generating files in {work} ...", flush=True)
    at_limit, big, warmup = work / "at-limit.tif", work / "big-200mb.tif", work / "warmup.tif"
    make_tiff(warmup, 3 * MB)
    make_tiff(at_limit, limit)
    make_tiff(big, 200 * MB)
    session, group_id = prepare_database(env)

    backends = [("local", {})]
    moto = None
    if not args.no_s3:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            print("moto is not installed: S3 skipped")
        else:
            port = free_port()
            moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
            moto.start()
            import boto3

            bucket = f"bench-{uuid.uuid4().hex[:8]}"
            boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                         aws_access_key_id="k", aws_secret_access_key="s"  # noqa: S106 - moto
                         ).create_bucket(Bucket=bucket)
            backends.append(("S3 (moto)", {
                "PHOTOLIB_STORAGE": "s3", "PHOTOLIB_S3_BUCKET": bucket,
                "PHOTOLIB_S3_REGION": "us-east-1",
                "PHOTOLIB_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
                "PHOTOLIB_S3_ACCESS_KEY_ID": "k", "PHOTOLIB_S3_SECRET_ACCESS_KEY": "s"}))

    results = []
    try:
        for storage, extra in backends:
            results.append(measure(f"{storage}: at the limit", {**env, **extra}, at_limit,
                                   warmup, session, group_id, work))
            results.append(measure(f"{storage}: 200 MB, limit raised",
                                   {**env, **extra, "PHOTOLIB_MAX_UPLOAD_BYTES": str(250 * MB)},
                                   big, warmup, session, group_id, work))
    finally:
        if moto is not None:
            moto.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\nWeb-process RSS while receiving one upload ({results[0]['server']}; "
          f"target: growth <= {TARGET_MB} MB)")
    print(f"{'case':<34} {'size MB':>8} {'seconds':>8} {'MB/s':>7} {'base MB':>8} "
          f"{'peak MB':>8} {'growth MB':>10}  verdict")
    for r in results:
        verdict = "ok" if r["growth_mb"] <= TARGET_MB else "OVER TARGET"
        print(f"{r['label']:<34} {r['size_mb']:>8.1f} {r['seconds']:>8.2f} "
              f"{r['size_mb'] / r['seconds']:>7.0f} {r['baseline_mb']:>8.1f} "
              f"{r['peak_mb']:>8.1f} {r['growth_mb']:>10.1f}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
