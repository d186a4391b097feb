"""Receipt emails, sent after the record is committed; retried on network errors."""

from __future__ import annotations

from celery import shared_task

from photolib.consent import receipts
from photolib.consent.models import ConsentRecord
from photolib.consent.services import SEND_RECEIPT_TASK


@shared_task(name=SEND_RECEIPT_TASK, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_receipt_email(record_id: str) -> None:
    record = ConsentRecord.objects.select_related(
        "user", "group", "agreement_version").filter(pk=record_id).first()
    if record is not None:
        receipts.send_receipt_email(record)
