"""Load run: a few minutes of mixed traffic against the production layout on loopback.

Run from the repository root (PostgreSQL at 127.0.0.1, trust auth; redis-server installed)::

    .venv/bin/python bench/load.py                    # 150 s, 8 clients
    .venv/bin/python bench/load.py --seconds 60 --clients 4

It recreates the database named by ``--database-url`` (default ``photolib_load_bench``;
only a name containing ``_bench`` is ever dropped), then starts what
``tests/test_production_smoke.py`` starts: its own redis-server, moto's S3 server, gunicorn
from ``infra/gunicorn.conf.py`` with the production profile, a Celery worker and beat, an
SMTP sink. It seeds seed_demo's accounts and group, uploads ``--photos`` photos over HTTP,
waits for the worker to ingest them and approves them as the reviewer.

Then ``--clients`` threads, each signed in as marketing and as the resident, send for
``--seconds``: searches (40 %), photo pages (30 %), downloads (15 %, the redirect to the
bucket followed) and uploads (15 %). The per-account abuse limits and the daily upload
quota are turned off for the run (one account makes every request); nothing else differs
from production. It prints throughput, p50/p95/p99 and the errors per kind (an error is
any answer but 200, or 201 for an upload, and any exception), and how many of the
uploads the worker had processed within a minute of the end. Loopback only; figures,
not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.production_stack import (  # noqa: E402 - the repository root is on the path now
    PASSWORDS,
    ProductionStack,
    S3Target,
    StackError,
    create_buckets,
    free_port,
    http_session,
    pass_second_step,
    wait_until,
)

KINDS = {"search": 40, "photo": 30, "download": 15, "upload": 15}
WORDS = ["harbour", "bridge", "market", "park", "tram", "cathedral", "river", "square",
         "evening", "morning", "snow", "festival"]
EXPECTED = {"search": 200, "photo": 200, "download": 200, "upload": 201}


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "_bench" not in name:
        sys.exit(f"refusing to drop {name!r}: the load run's database name must contain "
                 "'_bench'")
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def photo_jpeg(rng: random.Random) -> bytes:
    """A distinct 1024x768 JPEG: noise under a few coloured shapes."""
    from PIL import Image, ImageDraw

    image = Image.effect_noise((1024, 768), 40).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(1024), rng.randrange(768)
        draw.rectangle((x, y, x + rng.randrange(40, 400), y + rng.randrange(40, 300)),
                       fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


# --- One signed-in client --------------------------------------------------------------


def sign_in(base: str, email: str):
    session = http_session(base)
    session.get(f"{base}/accounts/login/", timeout=30)
    answer = session.post(f"{base}/accounts/login/", timeout=30, allow_redirects=False,
                          data={"username": email, "password": PASSWORDS[email],
                                "csrfmiddlewaretoken": session.cookies.get("csrftoken", "")})
    if answer.status_code != 302:
        raise SystemExit(f"{email} could not sign in: {answer.status_code}")
    return session


def form_post(session, url: str, data: dict, **kwargs):
    token = session.cookies.get("csrftoken", "")
    return session.post(url, data={**data, "csrfmiddlewaretoken": token},
                        headers={"X-CSRFToken": token, **kwargs.pop("headers", {})},
                        timeout=60, **kwargs)


def upload(base: str, session, group_id: int, rng: random.Random, n: int):
    title = f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {n}"
    return form_post(session, f"{base}/photos/upload/",
                     {"group": str(group_id), "title": title, "people": "none",
                      "own_work": "on", "tags": rng.choice(WORDS)},
                     files={"file": (f"load-{n}.jpg", photo_jpeg(rng), "image/jpeg")},
                     headers={"Accept": "application/json"}, allow_redirects=False)


def status(base: str, session, photo_id: str) -> str:
    return session.get(f"{base}/photos/{photo_id}/status/", timeout=30).json()["photo"]["status"]


def prepare(site: ProductionStack, group_id: int, photos: int) -> list[str]:
    """Upload ``photos`` photos as the resident, wait for ingest, approve them all."""
    base, rng = site.url, random.Random(1)
    resident = sign_in(base, "resident@example.org")
    ids = []
    for n in range(photos):
        answer = upload(base, resident, group_id, rng, n)
        if answer.status_code != 201:
            raise SystemExit(f"seeding upload failed: {answer.status_code} {answer.text[:300]}")
        ids.append(answer.json()["photo"]["id"])
    wait_until(lambda: all(status(base, resident, i) == "pending_review" for i in ids), 300,
               lambda: f"ingest of the seeded photos\n{site.logs()}", interval=1)
    reviewer = sign_in(base, "reviewer@example.org")
    pass_second_step(reviewer, base)
    reviewer.get(f"{base}/review/", timeout=30)
    answer = form_post(reviewer, f"{base}/review/approve/", {"photo_id": ids},
                       allow_redirects=False)
    if answer.status_code != 302:
        raise SystemExit(f"approving failed: {answer.status_code}")
    return ids


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.uploaded: list[str] = []

    def add(self, kind: str, seconds: float, problem: str | None) -> None:
        with self.lock:
            self.times[kind].append(seconds)
            if problem:
                self.errors[kind].append(problem)


def client(site: ProductionStack, group_id: int, cleared: list[str], deadline: float,
           results: Results, number: int) -> None:
    base, rng = site.url, random.Random(1000 + number)
    marketing = sign_in(base, "marketing@example.org")
    resident = sign_in(base, "resident@example.org")
    kinds, weights = list(KINDS), list(KINDS.values())
    n = 0
    while time.monotonic() < deadline:
        kind = rng.choices(kinds, weights)[0]
        n += 1
        began = time.perf_counter()
        problem = None
        try:
            if kind == "search":
                params = {"q": " ".join(rng.sample(WORDS, rng.choice((1, 2))))}
                if rng.random() < 0.3:
                    params["page"] = "2"
                answer = marketing.get(f"{base}/catalog/", params=params, timeout=60)
            elif kind == "photo":
                answer = marketing.get(f"{base}/catalog/photos/{rng.choice(cleared)}/",
                                       timeout=60)
            elif kind == "download":
                answer = form_post(marketing,
                                   f"{base}/catalog/photos/{rng.choice(cleared)}/download/",
                                   {"rendition": rng.choice(("web", "print")),
                                    "use": "web", "campaign": "Load run"})
                if answer.status_code == 200 and answer.content[:3] != b"\xff\xd8\xff":
                    problem = "download: not a JPEG"
            else:
                answer = upload(base, resident, group_id, rng, number * 100_000 + n)
                if answer.status_code == 201:
                    with results.lock:
                        results.uploaded.append(answer.json()["photo"]["id"])
            if answer.status_code != EXPECTED[kind]:
                problem = f"{kind}: {answer.status_code} {answer.text[:120]!r}"
        except Exception as exc:
            problem = f"{kind}: {type(exc).__name__}: {exc}"
        results.add(kind, time.perf_counter() - began, problem)


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(results: Results, seconds: float, clients: int) -> int:
    total = sum(len(v) for v in results.times.values())
    errors = sum(len(v) for v in results.errors.values())
    print(f"\n{total} requests in {seconds:.0f} s from {clients} clients: "
          f"{total / seconds:.1f} requests/s, {errors} errors")
    print(f"{'kind':<10}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'max ms':>9}{'errors':>8}")
    for kind in KINDS:
        values = results.times.get(kind, [])
        ms = [v * 1000 for v in values]
        print(f"{kind:<10}{len(values):>7}{len(values) / seconds:>8.1f}"
              f"{percentile(ms, 50):>9.0f}{percentile(ms, 95):>9.0f}{percentile(ms, 99):>9.0f}"
              f"{max(ms, default=0):>9.0f}{len(results.errors.get(kind, [])):>8}")
    for problems in results.errors.values():
        for problem in problems[:5]:
            print(f"  {problem}")
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=150, help="length of the run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--photos", type=int, default=12, help="cleared photos to seed")
    parser.add_argument("--database-url",
                        default="postgres://postgres@127.0.0.1:5432/photolib_load_bench")
    parser.add_argument("--web-workers", type=int, default=None,
                        help="gunicorn workers (default: infra/gunicorn.conf.py's)")
    args = parser.parse_args()

    from moto.server import ThreadedMotoServer

    recreate_database(args.database_url)
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    s3 = S3Target(endpoint_url=f"http://127.0.0.1:{port}", bucket="photolib-load",
                  evidence_bucket="photolib-load-evidence")
    create_buckets(s3)
    workdir = Path(tempfile.mkdtemp(prefix="photolib-load-"))
    site = ProductionStack(workdir=workdir, database_url=args.database_url, s3=s3,
                           web_workers=args.web_workers, web_threads=None, drain_seconds=60,
                           extra_env={"PHOTOLIB_RATE_LIMIT_UPLOAD_ACCOUNT": "off",
                                      "PHOTOLIB_RATE_LIMIT_DOWNLOAD_ACCOUNT": "off",
                                      "PHOTOLIB_UPLOADS_PER_DAY": "1000000",
                                      "LOG_LEVEL": "WARNING"})
    try:
        print(f"starting the production layout in {workdir} ...", flush=True)
        site.start(migrate=True)
        group_id = site.seed(resident_joins=True)
        cleared = prepare(site, group_id, args.photos)
        print(f"serving {site.url}: {len(cleared)} cleared photos; load for "
              f"{args.seconds:.0f} s ...", flush=True)
        results = Results()
        began = time.monotonic()
        deadline = began + args.seconds
        threads = [threading.Thread(target=client, daemon=True,
                                    args=(site, group_id, cleared, deadline, results, n))
                   for n in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        errors = report(results, time.monotonic() - began, args.clients)
        checker = sign_in(site.url, "resident@example.org")
        ids = list(results.uploaded)
        with contextlib.suppress(StackError):  # what is left is reported below
            wait_until(lambda: all(status(site.url, checker, i) != "processing" for i in ids),
                       60, "the uploads' ingest", interval=2)
        done = sum(status(site.url, checker, i) != "processing" for i in ids)
        print(f"ingest: {done} of {len(ids)} uploads processed within a minute of the end")
        for name, service in site.services.items():
            if not service.running():
                print(f"{name} exited:\n{service.output()}")
                errors += 1
        return 1 if errors else 0
    finally:
        site.stop()
        moto.stop()


if __name__ == "__main__":
    sys.exit(main())
