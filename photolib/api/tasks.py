"""The webhook delivery task, enqueued by name (``webhooks.WEBHOOK_TASK``)."""

from __future__ import annotations

from celery import shared_task

from photolib.api import webhooks


@shared_task(bind=True, name=webhooks.WEBHOOK_TASK, max_retries=None, acks_late=True)
def deliver_webhook(self, delivery_id: int) -> str:
    """One attempt; on a failure that may pass, the worker tries again after the backoff
    (in-process tasks leave that to the periodic ``webhook-retry`` job instead of waiting
    inside the request)."""
    outcome = webhooks.webhook_attempt(delivery_id=delivery_id)
    if outcome.result == "retry" and not self.request.is_eager:
        raise self.retry(countdown=outcome.delay + 1)  # due by then (see the claim)
    return outcome.result
