"""Retention rules: each a plain function that applies its rule once, idempotently, and
returns how many items it removed. ``manage.py apply_retention`` runs them all; the
periodic-job registry calls the same functions (``RETENTION_JOBS``).

- ``retention_end_legal_holds``: photos a resident deleted (or erased) after the city
  used them are deleted once ``legal_hold_until`` has passed (``PHOTOLIB_LEGAL_HOLD_DAYS``),
  with their usage-log rows and download copies.
- ``retention_delete_rejected``: rejected photos ``PHOTOLIB_REJECTED_RETENTION_DAYS``
  after the decision, and failed ones that long after upload, are deleted (original with
  its exact GPS, release, renditions, row; the moderation trail keeps the id and reason).
- ``retention_expire_download_copies``: copies handed to marketing are deleted from the
  ``downloads`` storage ``PHOTOLIB_DOWNLOAD_COPY_DAYS`` after the download; the usage-log
  row stays (its ``file_key`` cleared) and a new download makes a new copy.

Rows go in a transaction per item; objects once it commits (an object whose deletion
fails then is an orphan ``sweep_storage`` reports, never a row without its object).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from photolib.catalog.models import Download
from photolib.photos import lifecycle
from photolib.photos.keys import delete_quietly
from photolib.photos.models import Photo
from photolib.storage_config import DOWNLOADS


def _cutoff(days: int, now: datetime | None) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)


@transaction.atomic
def _purge_with_uses(photo_id, reason: str, now: datetime) -> bool:
    if not Photo.objects.select_for_update().filter(pk=photo_id,
                                                    legal_hold_until__lte=now).exists():
        return False  # gone, or its hold changed meanwhile
    copies = list(Download.objects.filter(photo_id=photo_id).exclude(file_key="")
                  .values_list("file_key", flat=True))
    Download.objects.filter(photo_id=photo_id).delete()
    purged = lifecycle.photo_purge(photo_id=photo_id, reason=reason)
    transaction.on_commit(partial(delete_quietly, storages[DOWNLOADS], copies))
    return purged


def retention_end_legal_holds(*, now: datetime | None = None) -> int:
    """Delete photos whose legal hold ended; return how many."""
    now = now or timezone.now()
    ids = list(Photo.objects.filter(legal_hold_until__lte=now).values_list("pk", flat=True))
    return sum(_purge_with_uses(pk, "The legal-defence period after its owner deleted it "
                                    "ended.", now) for pk in ids)


def retention_delete_rejected(*, now: datetime | None = None) -> int:
    """Delete rejected and failed photos past their retention; return how many."""
    cutoff = _cutoff(settings.PHOTOLIB_REJECTED_RETENTION_DAYS, now)
    rule = (Q(status=Photo.Status.REJECTED, reviewed_at__lt=cutoff)
            | Q(status=Photo.Status.FAILED, uploaded_at__lt=cutoff))
    due = Photo.objects.filter(rule).exclude(pk__in=Download.objects.values("photo_id"))
    days = settings.PHOTOLIB_REJECTED_RETENTION_DAYS
    # The rule is checked again under the row lock: a failed photo retried meanwhile stays.
    return sum(lifecycle.photo_purge(photo_id=pk, condition=rule,
                                     reason=f"Rejected or failed more than {days} days ago.")
               for pk in list(due.values_list("pk", flat=True)))


def retention_expire_download_copies(*, now: datetime | None = None) -> int:
    """Delete download copies past their retention; return how many."""
    cutoff = _cutoff(settings.PHOTOLIB_DOWNLOAD_COPY_DAYS, now)
    expired = 0
    for pk, key in list(Download.objects.filter(at__lt=cutoff).exclude(file_key="")
                        .values_list("pk", "file_key")):
        with transaction.atomic():
            if Download.objects.filter(pk=pk, file_key=key).update(file_key=""):
                transaction.on_commit(partial(delete_quietly, storages[DOWNLOADS], [key]))
                expired += 1
    return expired


RETENTION_JOBS = {
    "end_legal_holds": retention_end_legal_holds,
    "delete_rejected": retention_delete_rejected,
    "expire_download_copies": retention_expire_download_copies,
}


def retention_apply_all(*, now: datetime | None = None) -> dict[str, int]:
    """Run every retention rule once; return each one's count."""
    return {name: job(now=now) for name, job in RETENTION_JOBS.items()}


def retention_periodic() -> str:
    """The periodic job (``PHOTOLIB_PERIODIC_JOBS["retention"]``): every rule once, with a
    one-line summary of what each deleted."""
    return ", ".join(f"{name}: {count}" for name, count in retention_apply_all().items())
