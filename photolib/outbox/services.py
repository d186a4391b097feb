"""The outbox: ``outbox_record`` keeps a task request in the caller's transaction,
``outbox_deliver`` hands it over once that commits, ``outbox_drain`` sends again what is left.

Delivery never raises into its caller: a broker that refuses or hangs (bounded by the broker
timeouts in settings) leaves the row unsent with ``last_error``, and the periodic drain sends
it later. Delivery is at least once: a message may go out twice (a crash between the publish
and marking its row sent), so every task is idempotent. Eager (the embedded default, tests)
the task runs in this process instead of being published; a task that raises stays unsent
and the drain runs it again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from photolib.celery import app
from photolib.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)


def outbox_record(*, task_name: str, args: Sequence) -> OutboxMessage:
    """Write the request for ``task_name(*args)`` in the current transaction (``args`` must be
    JSON values: ids, never model instances) and deliver it once that commits. Returns the
    row. Raises only what the database raises, so a failed write fails the caller's
    transaction with it."""
    message = OutboxMessage.objects.create(task_name=task_name, args=list(args))
    transaction.on_commit(partial(outbox_deliver, message_ids=[message.pk]), robust=True)
    return message


def _run_eagerly(message: OutboxMessage) -> None:
    if message.task_name not in app.tasks:
        app.loader.import_default_modules()
    app.tasks[message.task_name].apply(args=message.args, throw=True)


def _failed(message: OutboxMessage, exc: BaseException) -> None:
    logger.warning("outbox: %s%s not delivered (attempt %d): %r", message.task_name,
                   tuple(message.args), message.attempts, exc)
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000])


def _deliver_eagerly(pk: int) -> int:
    # The task runs outside any transaction of ours, as it would on a worker: a long ingest
    # must not hold a write lock. A drain running at the same moment may run it twice; tasks
    # are idempotent.
    message = OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True).first()
    if message is None:
        return 0
    try:
        _run_eagerly(message)
    except Exception as exc:
        _failed(message, exc)
        return 0
    OutboxMessage.objects.filter(pk=pk).update(attempts=F("attempts") + 1,
                                               sent_at=timezone.now())
    return 1


def _deliver_to_broker(pk: int, connection) -> int | None:
    """1 if sent, 0 if there was nothing to send, None if the broker failed."""
    with transaction.atomic():
        # The row stays locked while it is published, so an on-commit delivery and a drain
        # never both send it (PostgreSQL; SQLite serialises writers anyway).
        message = (OutboxMessage.objects.select_for_update(skip_locked=True)
                   .filter(pk=pk, sent_at__isnull=True).first())
        if message is None:
            return 0
        try:
            app.send_task(message.task_name, args=message.args, connection=connection)
        except Exception as exc:
            _failed(message, exc)
            return None
        message.attempts += 1
        message.sent_at = timezone.now()
        message.save(update_fields=["attempts", "sent_at"])
        return 1


def outbox_deliver(*, message_ids: Sequence[int]) -> int:
    """Send the unsent messages named (in order); return how many went out.

    With a broker they share one connection, and the first broker failure stops the batch
    (the rest would only wait for the same timeout). Never raises for a broker or task
    failure: the row keeps the error and stays for the drain.
    """
    if not message_ids:
        return 0
    if app.conf.task_always_eager:
        return sum(_deliver_eagerly(pk) for pk in message_ids)
    sent = 0
    with ExitStack() as stack:
        try:
            # A fresh connection from the current configuration, not a pooled one: a broker
            # that was down is retried each time, never stuck in a pool.
            connection = stack.enter_context(app.connection_for_write())
        except Exception as exc:  # pragma: no cover - kombu connects lazily
            logger.warning("outbox: no broker connection: %r", exc)
            return 0
        for pk in message_ids:
            result = _deliver_to_broker(pk, connection)
            if result is None:
                break
            sent += result
    return sent


def outbox_drain(*, min_age: timedelta | None = None, limit: int = 500) -> str:
    """Send again every unsent message older than ``min_age`` (default
    ``PHOTOLIB_OUTBOX_RETRY_SECONDS``: younger ones are still being delivered on commit), at
    most ``limit`` per run, oldest first; delete sent rows older than
    ``PHOTOLIB_OUTBOX_KEEP_DAYS``. Safe to run twice at once. Returns a one-line summary."""
    if min_age is None:
        min_age = timedelta(seconds=settings.PHOTOLIB_OUTBOX_RETRY_SECONDS)
    now = timezone.now()
    pending = list(OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=now - min_age)
                   .order_by("created_at", "id").values_list("pk", flat=True)[:limit])
    sent = outbox_deliver(message_ids=pending)
    purged, _ = OutboxMessage.objects.filter(
        sent_at__lt=now - timedelta(days=settings.PHOTOLIB_OUTBOX_KEEP_DAYS)).delete()
    left = OutboxMessage.objects.filter(sent_at__isnull=True).count()
    return f"{sent} of {len(pending)} message(s) sent, {left} unsent, {purged} old row(s) removed"
