"""Web-process memory while it hands out a full-resolution print download, through the real
request path.

Makes a throwaway SQLite database with one approved photo of ``--size`` pixels (default
8000 x 6000, a camera-like JPEG) ingested in this script's own process, as the worker would:
that makes its stored print rendition. Then starts the site under gunicorn (one sync worker;
``manage.py runserver`` without gunicorn), signs a marketing officer in, makes one web
download to warm the process up, and POSTs the print download form while sampling the
serving process's RSS every few milliseconds. The request copies the stored print file to a
temporary folder, writes its rights there (exiv2) and signs its Content Credentials (C2PA),
then stores the copy and answers with it; nothing is decoded there.

Target: RSS growth <= 30 MB for the print download. Prints figures; it is not a test.

    .venv/bin/python bench/download_memory.py [--size 8000x6000] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from upload_memory import MB, REPO, TARGET_MB, Sampler, Server  # noqa: E402

SETUP = """
import io, sys
import django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from photolib.consent.models import CommunityGroup
from photolib.photos import moderation, uploads
from photolib.photos.keys import PRINT
from photolib.photos.models import People, Photo, Rendition
from tests.consent.conftest import grant, make_user, publish

group = CommunityGroup.objects.create(name="Bench", slug="bench")
publish(group)
resident = make_user("resident@example.org")
grant(resident, group)
officer = make_user("marketing@example.org", role="marketing")
reviewer = make_user("reviewer@example.org", role="reviewer")
with open(sys.argv[1], "rb") as fh:
    data = fh.read()
photo = uploads.photo_upload(
    acting_user=resident, group=group,
    upload=SimpleUploadedFile("big.jpg", data, content_type="image/jpeg"),
    title="Big bench photo", description="", tags=["bench"], place_name="Bench",
    own_work=True, people=People.NONE, release=None)
photo.refresh_from_db()
assert photo.status == Photo.Status.PENDING_REVIEW, (photo.status, photo.status_reason)
moderation.photo_approve(photo_id=photo.pk, acting_user=reviewer)
stored = Rendition.objects.get(photo=photo, spec=str(PRINT))
session = SessionStore()
session["_auth_user_id"] = str(officer.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = officer.get_session_auth_hash()
session.create()
print(session.session_key, reverse("catalog:photo", args=[photo.pk]),
      reverse("catalog:download", args=[photo.pk]), stored.width, stored.height,
      stored.size_bytes)
"""


def make_jpeg(path: Path, width: int, height: int) -> int:
    """A camera-like JPEG: smooth gradients under sensor noise, quality 90."""
    tile = Image.effect_noise((1000, 1000), 12).convert("RGB")
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    for y in range(0, height, 1000):
        for x in range(0, width, 1000):
            image.paste(Image.blend(image.crop((x, y, x + 1000, y + 1000)), tile, 0.3), (x, y))
    image.save(path, "JPEG", quality=90)
    return path.stat().st_size


class Officer:
    def __init__(self, port: int, session_key: str, page: str):
        import http.client

        self.http = http.client
        self.port, self.page = port, page
        self.cookies = {"sessionid": session_key}
        response, body = self.request("GET", page)
        if response.status != 200:
            raise RuntimeError(f"photo page: {response.status} {body[:300]!r}")

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        connection = self.http.HTTPConnection("127.0.0.1", self.port, timeout=600)
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body,
                           headers={"Cookie": cookie, "Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        size = 0
        while chunk := response.read(1 << 16):  # read as a browser would, never all at once
            size += len(chunk)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and (match := re.match(r"([^=]+)=([^;]*)", value)):
                self.cookies[match[1]] = match[2]
        connection.close()
        return response, size if response.status == 200 else b""

    def download(self, path: str, rendition: str) -> tuple[int, int]:
        form = urllib.parse.urlencode({
            "rendition": rendition, "use": "print" if rendition == "print" else "web",
            "campaign": f"Bench {rendition}",
            "csrfmiddlewaretoken": self.cookies["csrftoken"]}).encode()
        response, size = self.request("POST", path, body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{self.port}{self.page}"})
        return response.status, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="8000x6000", help="photo size, WIDTHxHEIGHT")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    work = Path(tempfile.mkdtemp(prefix="photolib-download-bench-"))
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PHOTOLIB_", "DATABASE_URL", "CELERY_"))}
    env.update({
        "PHOTOLIB_VAR_DIR": str(work / "var"), "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "photolib.settings",
        "PYTHONPATH": str(REPO),
    })
    try:
        source = work / "big.jpg"
        print(f"Generating a {width}x{height} JPEG in {work} ...", flush=True)
        size = make_jpeg(source, width, height)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                       cwd=REPO, env=env, check=True)
        print("Uploading, ingesting (the worker's part, here) and approving it ...",
              flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", SETUP, str(source)], cwd=REPO,
                              env={**env, "CELERY_TASK_ALWAYS_EAGER": "1"}, check=True,
                              capture_output=True, text=True)
        ingest_seconds = time.perf_counter() - started
        session, page, path, print_w, print_h, print_bytes = done.stdout.split()[-6:]

        server_env = {**env, "CELERY_BROKER_URL": "memory://", "CELERY_TASK_ALWAYS_EAGER": "0"}
        server = Server(server_env, work / f"server-{uuid.uuid4().hex[:6]}.log")
        try:
            officer = Officer(server.port, session, page)
            status, _ = officer.download(path, "web")  # imports, connections, caches
            if status != 200:
                raise RuntimeError(f"warm-up web download: {status}")
            process = server.serving_process()
            time.sleep(0.3)
            baseline = process.memory_info().rss
            sampler = Sampler(process)
            sampler.start()
            started = time.perf_counter()
            status, received = officer.download(path, "print")
            seconds = time.perf_counter() - started
            peak = sampler.stop()
            if status != 200:
                raise RuntimeError(f"print download: {status}")
            kind = server.kind
        finally:
            server.stop()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    growth = (peak - baseline) / MB
    print(f"\nSource JPEG {width}x{height}, {size / MB:.1f} MB; ingest with the print file "
          f"(setup process) {ingest_seconds:.1f} s; stored print file {print_w}x{print_h}, "
          f"{int(print_bytes) / MB:.1f} MB")
    print(f"Web-process RSS during one print download ({kind}; target: growth <= "
          f"{TARGET_MB} MB)")
    print(f"{'received MB':>12} {'seconds':>8} {'base MB':>8} {'peak MB':>8} {'growth MB':>10}"
          "  verdict")
    print(f"{received / MB:>12.1f} {seconds:>8.2f} {baseline / MB:>8.1f} {peak / MB:>8.1f} "
          f"{growth:>10.1f}  {'ok' if growth <= TARGET_MB else 'OVER TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
