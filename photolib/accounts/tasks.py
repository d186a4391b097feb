"""Background mail for accounts: one service call per task, retried on network errors.

Services enqueue these by name (``photolib.celery.enqueue``), so only this module imports
the other.
"""

from __future__ import annotations

from celery import shared_task

from photolib.accounts import services
from photolib.accounts.models import User


@shared_task(name=services.SEND_VERIFICATION_TASK, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_verification_email(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, email_verified_at__isnull=True).first()
    if user is not None:  # verified or deleted meanwhile: nothing to send
        services.send_verification_email(user=user)


@shared_task(name=services.SEND_SIGN_UP_ATTEMPT_TASK, autoretry_for=(OSError,),
             retry_backoff=True, max_retries=5)
def send_sign_up_attempt_email(user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:  # erased or deactivated meanwhile: nobody to tell
        services.send_sign_up_attempt_email(user=user)
