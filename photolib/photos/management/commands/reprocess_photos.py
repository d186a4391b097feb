"""``manage.py reprocess_photos``: render renditions again, or finish photos stuck in ingest.

Selection: ``--ids``, ``--status`` (default: waiting for review and approved), ``--all``.
Photos past ingest get their missing renditions (every rendition with ``--force``, e.g. after
a spec changed). Photos ``processing`` for longer than ``--stuck-minutes`` (their task was
lost) go through ingest again (``failed`` ones are a reviewer's to retry). Runs in this
process, one photo at a time, with a progress bar on stderr.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.utils import timezone

from photolib.photos import ingest
from photolib.photos.models import Photo
from photolib.photos.pipeline import TRANSIENT_ERRORS


class Progress:
    """A plain progress bar: redrawn in place on a terminal, a line per 10% otherwise."""

    def __init__(self, total: int, stream=None, width: int = 30):
        self.total, self.done, self.width = total, 0, width
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.monotonic()
        self._last_decile = -1

    def step(self, label: str = "") -> None:
        self.done += 1
        fraction = self.done / self.total if self.total else 1
        filled = round(self.width * fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        rate = self.done / max(time.monotonic() - self.started, 1e-6)
        line = f"[{bar}] {self.done}/{self.total} {rate:.1f}/s {label[:40]}"
        if self.tty:
            self._write("\r" + line.ljust(100) + ("\n" if self.done == self.total else ""))
        elif int(fraction * 10) != self._last_decile or self.done == self.total:
            self._last_decile = int(fraction * 10)
            self._write(line + "\n")
        self.stream.flush()

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, ending="")
        else:
            self.stream.write(text)


class Command(BaseCommand):
    help = "Re-render renditions, or re-run ingest for photos stuck in processing."

    def add_arguments(self, parser):
        parser.add_argument("--ids", nargs="+", default=[], help="photo ids")
        parser.add_argument("--status", nargs="+", choices=Photo.Status.values,
                            help="photos in these states (default: pending_review approved "
                                 "processing)")
        parser.add_argument("--all", action="store_true", help="every photo with an original")
        parser.add_argument("--force", action="store_true",
                            help="render every rendition again, not only missing ones")
        parser.add_argument("--stuck-minutes", type=int, default=30,
                            help="a photo processing this long has lost its task (default 30)")

    def handle(self, *args, ids, status, all, force, stuck_minutes, **options):
        photos = Photo.objects.exclude(original_key="")
        if ids:
            photos = photos.filter(pk__in=ids)
        elif not all:
            photos = photos.filter(status__in=status or [Photo.Status.PENDING_REVIEW,
                                                         Photo.Status.APPROVED,
                                                         Photo.Status.PROCESSING])
        cutoff = timezone.now() - timedelta(minutes=stuck_minutes)
        selected = list(photos.order_by("uploaded_at").values_list("id", "status",
                                                                   "uploaded_at"))
        if ids and len(selected) != len(set(ids)):
            raise CommandError("Some ids name no photo with a stored original.")
        progress = Progress(len(selected), stream=self.stderr)
        counts = {"rendered": 0, "ingested": 0, "skipped": 0, "errors": 0}
        for photo_id, state, uploaded_at in selected:
            try:
                if state == Photo.Status.PROCESSING and (ids or uploaded_at < cutoff):
                    ingest.photo_ingest(photo_id=photo_id)
                    counts["ingested"] += 1
                elif state in (Photo.Status.PENDING_REVIEW, Photo.Status.APPROVED):
                    ingest.photo_rerender(photo_id=photo_id, force=force)
                    counts["rendered"] += 1
                else:  # rejected, failed (a reviewer retries those), or a task still on its way
                    counts["skipped"] += 1
            except TRANSIENT_ERRORS as exc:
                counts["errors"] += 1
                self.stderr.write(f"\n{photo_id}: {type(exc).__name__}: {exc}")
            progress.step(str(photo_id))
        self.stdout.write(", ".join(f"{n} {k}" for k, n in counts.items()))
