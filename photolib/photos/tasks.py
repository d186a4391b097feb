"""The ingest task: one service call, with retries, backoff and time limits around it.

Acknowledged late and rejected (requeued) when its worker dies, so a killed worker's photo is
processed again; ``ingest.photo_ingest`` is idempotent. Services enqueue it by name
(``uploads.INGEST_TASK``), so only this module imports the other. The rejection mail is a
task here too, so no request sends mail itself. Run workers with the prefork pool
(Celery's default): the imaging code must not share a process between threads.
"""

from __future__ import annotations

import logging
import random

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from photolib.photos import expiry, ingest, moderation
from photolib.photos.pipeline import TRANSIENT_ERRORS
from photolib.photos.uploads import INGEST_TASK

logger = logging.getLogger(__name__)


def retry_delay_bounds(retries: int) -> tuple[float, float]:
    """The shortest and longest wait, in seconds, before retry number ``retries + 1``:
    ``PHOTOLIB_INGEST_RETRY_BACKOFF * 2**retries`` capped at ``PHOTOLIB_INGEST_RETRY_MAX``,
    of which at least half is always waited (equal jitter), so the retries span minutes of
    outage instead of using themselves up in seconds."""
    ceiling = min(settings.PHOTOLIB_INGEST_RETRY_BACKOFF * 2 ** retries,
                  settings.PHOTOLIB_INGEST_RETRY_MAX)
    return ceiling / 2, float(ceiling)


def retry_countdown(retries: int) -> int:
    """Seconds before retry number ``retries + 1``: uniform within ``retry_delay_bounds``
    (the jitter spreads photos that failed together)."""
    low, high = retry_delay_bounds(retries)
    return round(random.uniform(low, high))  # noqa: S311 - jitter, not a secret


@shared_task(
    name=INGEST_TASK,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.PHOTOLIB_INGEST_MAX_RETRIES,
    soft_time_limit=settings.PHOTOLIB_INGEST_SOFT_TIME_LIMIT,
    time_limit=settings.PHOTOLIB_INGEST_TIME_LIMIT,
)
def ingest_photo(self, photo_id: str) -> str:
    """Ingest one photo; return its resulting status (or ``"gone"``).

    Transient storage and database errors are retried with exponential backoff; when the
    retries run out, or the soft time limit hits, the photo ends ``failed`` with a reason and
    its original stays for a reviewer's retry. Never raises for a photo's own problems, so an
    eager run inside a web request cannot turn an upload into an error page.
    """
    retries = self.request.retries
    while True:
        try:
            photo = ingest.photo_ingest(photo_id=photo_id)
        except SoftTimeLimitExceeded:
            photo = ingest.photo_ingest_failed(
                photo_id=photo_id,
                reason="Processing took too long and was stopped. A reviewer can retry it.")
        except TRANSIENT_ERRORS as exc:
            if retries >= self.max_retries:
                photo = ingest.photo_ingest_failed(
                    photo_id=photo_id,
                    reason=f"Storage or the database kept failing while the photo was "
                           f"processed ({type(exc).__name__}); the original is kept. A reviewer "
                           "can retry it.")
            elif self.request.is_eager:
                # No broker to schedule a later try (the embedded default, tests): try again
                # now, as Celery's own eager retry would, without letting Retry escape.
                logger.warning("ingest of %s failed (%r); retrying now", photo_id, exc)
                retries += 1
                continue
            else:
                logger.warning("ingest of %s failed (%r); retrying", photo_id, exc)
                raise self.retry(exc=exc, countdown=retry_countdown(retries)) from exc
        except Exception as exc:  # a bug, not the file: keep the photo visible as failed
            logger.exception("ingest of %s crashed", photo_id)
            photo = ingest.photo_ingest_failed(
                photo_id=photo_id,
                reason=f"Processing stopped on an unexpected error ({type(exc).__name__}). "
                       "A reviewer can retry it.")
        break
    return photo.status if photo is not None else "gone"


@shared_task(
    name=ingest.RERENDER_TASK,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=settings.PHOTOLIB_INGEST_MAX_RETRIES,
    soft_time_limit=settings.PHOTOLIB_INGEST_SOFT_TIME_LIMIT,
    time_limit=settings.PHOTOLIB_INGEST_TIME_LIMIT,
)
def rerender_photo(photo_id: str) -> bool:
    """Make a processed photo's missing renditions in the worker (asked for by
    ``ingest.photo_renditions_request``, e.g. when a print download finds no print file)."""
    return ingest.photo_rerender(photo_id=photo_id) is not None


@shared_task(name=moderation.REJECTION_MAIL_TASK, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_rejection_email(photo_id: str) -> bool:
    """Mail the owner of a rejected photo the reviewer's reason (enqueued by
    ``moderation.photo_reject``)."""
    return moderation.photo_rejection_mail(photo_id=photo_id)


@shared_task(name=moderation.DECISION_MAIL_TASK, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_decision_email(photo_id: str, action: str) -> bool:
    """Mail the owner that their photo was approved or taken down (enqueued by
    ``moderation.photo_approve`` and ``photo_take_down``)."""
    return moderation.photo_decision_mail(photo_id=photo_id, action=action)


@shared_task(name=expiry.REMINDER_MAIL_TASK, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_expiry_reminder(owner_id: int, photo_ids: list[str]) -> bool:
    """Offer the owner a renewal for photos whose term ends soon (``expiry_reminders``)."""
    return expiry.expiry_reminder_mail(owner_id=owner_id, photo_ids=photo_ids)
