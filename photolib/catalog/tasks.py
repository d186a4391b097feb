"""Background mail for the catalog, enqueued by name (``services.FIRST_USE_MAIL_TASK``)."""

from __future__ import annotations

from celery import shared_task

from photolib.catalog import services


@shared_task(name=services.FIRST_USE_MAIL_TASK, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_first_use_email(photo_id: str) -> bool:
    return services.photo_first_use_mail(photo_id=photo_id)
