"""System checks for the ingest settings (``manage.py check``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning as CheckWarning


def visibility_timeout_check(app_configs=None, **kwargs) -> list[CheckWarning]:
    """Redis redelivers an unacknowledged task after the visibility timeout; with late
    acknowledgement a task still running past it, or a retry still waiting for its countdown,
    would be handed out twice. Too long a timeout, on the other hand, leaves a killed worker's
    photo "Processing…" for that long, and the stuck-photo job would then beat the
    redelivery."""
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    held = max(settings.PHOTOLIB_INGEST_TIME_LIMIT, settings.PHOTOLIB_INGEST_RETRY_MAX)
    stuck = settings.PHOTOLIB_STUCK_PROCESSING_MINUTES * 60
    if not settings.CELERY_BROKER_URL:
        return []
    if timeout <= held:
        return [CheckWarning(
            f"CELERY_VISIBILITY_TIMEOUT ({timeout} s) is not longer than the longest an ingest "
            f"task holds its message ({held} s: PHOTOLIB_INGEST_TIME_LIMIT or "
            "PHOTOLIB_INGEST_RETRY_MAX).",
            hint="Raise CELERY_VISIBILITY_TIMEOUT, or Redis may hand a still-running ingest "
                 "task to a second worker.",
            id="photolib.W001")]
    if timeout >= stuck:
        return [CheckWarning(
            f"CELERY_VISIBILITY_TIMEOUT ({timeout} s) is not shorter than "
            f"PHOTOLIB_STUCK_PROCESSING_MINUTES ({stuck} s).",
            hint="Lower CELERY_VISIBILITY_TIMEOUT (or raise the stuck threshold), so a killed "
                 "worker's task is redelivered before the periodic job sends it again.",
            id="photolib.W002")]
    return []
