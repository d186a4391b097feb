"""The catalog's background tasks (mail, recall scans, search re-indexing), enqueued by
name (``services.FIRST_USE_MAIL_TASK`` and the like)."""

from __future__ import annotations

from celery import shared_task

from photolib import languages
from photolib.catalog import digest, recall, services
from photolib.catalog.search.index import REINDEX_PHOTOS_TASK, reindex_group, reindex_photos


@shared_task(name=services.FIRST_USE_MAIL_TASK, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_first_use_email(photo_id: str) -> bool:
    return services.photo_first_use_mail(photo_id=photo_id)


@shared_task(name=recall.RECALL_MAIL_TASK, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=8)
def send_recall_email(notice_id: int) -> bool:
    return recall.recall_mail(notice_id=notice_id)


@shared_task(name=recall.RECALL_SCAN_TASK)
def recall_scan_photos(photo_ids: list[str]) -> str:
    return recall.recall_scan(photo_ids)


@shared_task(name=digest.DIGEST_MAIL_TASK, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_use_digest(owner_id: int, download_ids: list[str]) -> bool:
    return digest.use_digest_mail(owner_id=owner_id, download_ids=download_ids)


@shared_task(name=languages.REINDEX_GROUP_TASK)
def reindex_group_search(group_id: int) -> int:
    return reindex_group(group_id)


@shared_task(name=REINDEX_PHOTOS_TASK)
def reindex_photos_search(photo_ids: list[str], forget: list[str] = ()) -> int:
    return reindex_photos(photo_ids, forget=forget)
